"""The `Scaler` contract: measure one trigger's backlog exactly as the matching KEDA scaler does; `TriggerSource`,
how the scale loop gets one.

Activity (0↔1) is separate from the metric (1↔N), as in KEDA: `active` is `value > activation threshold`,
while `value / target` drives the replica count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from funchost.errors import FunchostError


@dataclass(frozen=True)
class Measurement:
    value: float  # the backlog: messages waiting, consumer lag, ...
    target: float  # what one replica handles (the AverageValue target)
    active: bool  # value > activation threshold (strictly greater, as KEDA)


class Scaler(Protocol):
    name: str  # e.g. "azure-queue:orders" — shown in `funchost scale status`

    async def measure(self) -> Measurement:
        """Query the broker once. Raise `ScalerError` (with the cause chained) when it cannot."""

    async def aclose(self) -> None:
        """Close clients and connections."""


@dataclass(frozen=True)
class TriggerSource:
    """One function's trigger and how to build its scaler (unconnected; it connects on its first `measure()`); the
    scale loop rebuilds a scaler through `factory` after an error."""

    function: str
    trigger: str
    factory: Callable[[], Scaler]


class ScalerError(FunchostError):
    """A scaler could not measure (broker down, entity missing, auth failed); the message says which and why."""
