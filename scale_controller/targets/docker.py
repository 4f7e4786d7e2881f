"""Docker containers of one function image, through the Docker Engine API (dockerd or podman's compatible service).

Owns running and stopping the replicas: containers labelled `io.funchost.scale-target=<name_prefix>`. Scale-out
runs the image (`init=True` so SIGTERM reaches the host, which ignores it as PID 1; nofile and nproc ulimits, both,
because any `ulimits` replaces the engine's defaults); scale-in stops the newest containers with
`stop(timeout=grace)` (SIGTERM, the host drains, SIGKILL only after the grace period) in the background, then
removes them. A container that exited on its own is removed (its last log lines logged) and replaced on the next
`scale_to`. The SDK is synchronous: every call runs in a thread. Containers outlive the controller (`aclose()` only
waits for stops in progress), as pods outlive KEDA.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import docker  # type: ignore[import-untyped]

from funchost.metadata.warmup import WARMUP_ENV
from scale_controller.targets.base import TargetError

logger = logging.getLogger("scale_controller.targets.docker")

LABEL = "io.funchost.scale-target"
SEQUENCE_LABEL = "io.funchost.replica-sequence"  # start time in ns: scale-in stops the newest first
LIVE_STATES = ("created", "running", "restarting", "paused")
DEFAULT_ULIMITS = {"nofile": 20000, "nproc": 32768}
_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")


class DockerTarget:
    def __init__(
        self,
        image: str,
        name_prefix: str,
        env: Mapping[str, str] | None = None,
        docker_base_url: str | None = None,
        *,
        command: Sequence[str] | None = None,
        grace_seconds: float = 30.0,
        network_mode: str = "host",
        ulimits: Mapping[str, int] = DEFAULT_ULIMITS,
    ) -> None:
        if not _NAME.fullmatch(name_prefix):
            raise ValueError(
                f"name_prefix {name_prefix!r} is not a valid container name; use letters, digits, '_', '.', '-' "
                "and start with a letter or digit"
            )
        self.image = image
        self.name_prefix = name_prefix
        self.env = dict(env or {})
        self.base_url = docker_base_url
        self.command = list(command) if command is not None else None
        self.grace_seconds = grace_seconds
        self.network_mode = network_mode
        self.ulimits = dict(ulimits)
        self.name = f"docker:{name_prefix}"
        self._client: Any = None
        self._stopping: dict[str, asyncio.Task[None]] = {}  # container id -> its stop

    async def current(self) -> int:
        return len(await self._live())

    async def scale_to(self, replicas: int) -> None:
        if replicas < 0:
            raise ValueError(f"replicas must be 0 or more, got {replicas}")
        live = await self._live()
        if len(live) < replicas:
            await self._call(self._check_image)
            await asyncio.gather(*(self._call(self._run) for _ in range(replicas - len(live))))
        for container in live[replicas:]:  # the newest ones
            self._stopping[container.id] = asyncio.create_task(self._stop(container))

    async def aclose(self) -> None:
        await asyncio.gather(*self._stopping.values(), return_exceptions=True)
        if self._client is not None:
            await asyncio.to_thread(self._client.close)

    # -- in threads ----------------------------------------------------------------------------------------------

    async def _live(self) -> list[Any]:
        """Our running (or starting) containers not being stopped, oldest first; exited ones are removed."""
        containers = await self._call(self._list)
        ours = [c for c in containers if c.id not in self._stopping]
        for gone in (c for c in ours if c.status not in LIVE_STATES):
            await self._call(self._reap, gone, False)
        live = [c for c in ours if c.status in LIVE_STATES]
        return sorted(live, key=lambda c: int(c.labels.get(SEQUENCE_LABEL, "0")))

    def _list(self) -> list[Any]:
        return list(self._docker().containers.list(all=True, filters={"label": f"{LABEL}={self.name_prefix}"}))

    def _check_image(self) -> None:
        try:
            self._docker().images.get(self.image)
        except docker.errors.ImageNotFound:
            raise TargetError(
                f"{self.name}: image {self.image!r} is not in the engine at {self._where()}. Fix: build it there "
                "(docker build / funchost build) or pull it first"
            ) from None

    def _run(self) -> None:
        container = self._docker().containers.run(
            self.image,
            self.command,
            name=f"{self.name_prefix}-{uuid.uuid4().hex[:8]}",
            detach=True,
            environment={**self.env, WARMUP_ENV: "1"},  # an added instance runs the app's warmup function
            labels={LABEL: self.name_prefix, SEQUENCE_LABEL: str(time.time_ns())},
            init=True,
            network_mode=self.network_mode,
            ulimits=[docker.types.Ulimit(name=k, soft=v, hard=v) for k, v in self.ulimits.items()],
        )
        logger.info("%s: started %s (%s)", self.name, container.name, self.image)

    async def _stop(self, container: Any) -> None:
        logger.info("%s: stopping %s (SIGTERM, %.0f s to drain)", self.name, container.name, self.grace_seconds)
        try:
            await self._call(self._stop_and_remove, container)
        except TargetError as exc:
            logger.error("%s: could not stop %s: %s", self.name, container.name, exc)
        finally:
            self._stopping.pop(container.id, None)

    def _stop_and_remove(self, container: Any) -> None:
        try:
            container.stop(timeout=int(self.grace_seconds))
        except docker.errors.NotFound:
            return  # removed meanwhile
        self._reap(container, True)

    def _reap(self, container: Any, requested: bool) -> None:
        """Remove an exited container; say so when it did not exit cleanly (crashed, or killed after the grace)."""
        try:
            container.reload()
            code = container.attrs.get("State", {}).get("ExitCode")
            if code not in (0, None):
                why = "did not drain within the grace period or failed" if requested else "crashed"
                tail = container.logs(tail=20).decode(errors="replace")
                logger.warning("%s: %s %s (exit code %s). Last lines:\n%s", self.name, container.name, why, code, tail)
            container.remove(force=True)
        except docker.errors.NotFound:
            pass  # removed meanwhile

    async def _call(self, function: Any, *args: Any) -> Any:
        try:
            return await asyncio.to_thread(function, *args)
        except TargetError:
            raise
        except (docker.errors.DockerException, OSError) as exc:  # requests' errors are OSErrors
            raise TargetError(f"{self.name}: the container engine at {self._where()} failed: {exc}") from exc

    def _docker(self) -> Any:
        if self._client is None:
            # Ask the engine for its API version with a client pinned to the oldest one, so a failure leaves no
            # half-made client behind (and check a unix socket first: the SDK leaks one that cannot connect).
            probe = self._new_client(docker.constants.MINIMUM_DOCKER_API_VERSION)
            try:
                if self.base_url and self.base_url.startswith("unix://"):
                    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unix:
                        unix.connect(self.base_url.removeprefix("unix://"))
                version = probe.version(api_version=False)["ApiVersion"]
            except (docker.errors.DockerException, OSError, KeyError) as exc:
                raise TargetError(
                    f"{self.name}: no container engine answers at {self._where()}: {exc}. Fix: start it "
                    "(scripts/services/podman start, or dockerd) or pass its address (unix:///path/docker.sock)"
                ) from exc
            finally:
                probe.close()
            self._client = self._new_client(version)
        return self._client

    def _new_client(self, version: str) -> Any:
        if self.base_url:
            return docker.DockerClient(base_url=self.base_url, version=version)
        return docker.from_env(version=version)

    def _where(self) -> str:
        return self.base_url or "DOCKER_HOST (or the default socket)"
