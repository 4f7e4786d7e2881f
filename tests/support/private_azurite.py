"""A private Azurite for tests that stop, restart or break storage: never the shared one.

Blob and queue run as the two processes scripts/services/azurite installs (.services/azurite/node_modules/.bin), on
free ports, with a file store in `location`: `restart()` stops them (SIGTERM, so Azurite saves its metadata) and
starts them again on the same folder, so containers, blobs, queues and messages survive it.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path

from tests.services_support import azurite_connection_string
from tests.support.ports import free_port, wait_for_port

__all__ = ["PrivateAzurite"]

BIN = Path(__file__).resolve().parents[2] / ".services" / "azurite" / "node_modules" / ".bin"
FLAGS = ("--skipApiVersionCheck", "--disableTelemetry", "--silent")


class PrivateAzurite:
    """`start()` / `stop()` / `restart()` blob and/or queue; `close()` stops them (the caller owns `location`)."""

    def __init__(self, location: Path, kinds: Sequence[str] = ("blob", "queue")) -> None:
        assert (BIN / "azurite-queue").exists(), "run scripts/services/azurite start first (it installs Azurite)"
        self.location = location
        self.ports = {kind: free_port() for kind in kinds}
        self._processes: dict[str, subprocess.Popen[bytes]] = {}

    @property
    def connection_string(self) -> str:
        return azurite_connection_string(self.ports.get("blob", 0), self.ports.get("queue", 0))

    def start(self) -> PrivateAzurite:
        for kind, port in self.ports.items():
            folder = self.location / kind
            folder.mkdir(parents=True, exist_ok=True)
            args = [str(BIN / f"azurite-{kind}"), f"--{kind}Host", "127.0.0.1", f"--{kind}Port", str(port)]
            self._processes[kind] = subprocess.Popen(
                [*args, "--location", str(folder), *FLAGS], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        for kind, port in self.ports.items():
            wait_for_port(port, what=f"private azurite-{kind}")
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        for process in self._processes.values():
            if process.poll() is None:
                process.send_signal(sig)
        for process in self._processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        self._processes.clear()

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self._processes.values()]

    def close(self) -> None:
        self.stop(signal.SIGKILL)

    def __enter__(self) -> PrivateAzurite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
