"""The `ScaleTarget` contract: what gets scaled — local worker processes, docker containers, a Deployment."""

from __future__ import annotations

from typing import Protocol

from funchost.errors import FunchostError


class ScaleTarget(Protocol):
    name: str  # e.g. "local:queue-pipeline", "docker:funchost/app", "deployment/ns/name"

    async def current(self) -> int:
        """Replicas that exist now (running or starting)."""

    async def scale_to(self, replicas: int) -> None:
        """Converge towards `replicas` (scale-in drains with SIGTERM). Raise `TargetError` when it cannot."""

    async def aclose(self) -> None:
        """Release clients; does not stop the replicas unless the target owns them (local processes do)."""


class TargetError(FunchostError):
    """The target cannot be read or scaled (missing Deployment, RBAC forbids, engine down); says which and why."""
