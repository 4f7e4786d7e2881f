"""Running `funchost start` as a real subprocess for end-to-end tests, and waiting on it over real HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import httpx

from tests.support.ports import free_port

__all__ = ["REPO", "SAMPLES", "HostProcess", "free_port", "run_cli"]

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"


class HostProcess:
    """`python -m funchost.cli.main start` in `script_root`; output goes to a file that tests can read."""

    def __init__(
        self,
        script_root: Path,
        *,
        env: Mapping[str, str] | None = None,
        args: Sequence[str] = (),
        port: int | None = None,
        preexec_fn: Callable[[], None] | None = None,  # run in the child before exec (e.g. setrlimit)
    ) -> None:
        self.script_root = script_root
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._log = tempfile.NamedTemporaryFile(prefix="funchost-", suffix=".log", delete=False)
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        full_env.update(env or {})
        full_env["PYTHONUNBUFFERED"] = "1"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "funchost.cli.main",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                *args,
            ],
            cwd=script_root,
            env=full_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=preexec_fn,
        )

    def output(self) -> str:
        return Path(self._log.name).read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"funchost exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"funchost not ready after {timeout} s:\n{self.output()}")

    def metric(self, name: str, **labels: str) -> float:
        """The value of one Prometheus sample from /metrics (0.0 when absent)."""
        wanted = name + ("{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}" if labels else "")
        for line in httpx.get(f"{self.base_url}/metrics", timeout=5).text.splitlines():
            if line.startswith(wanted + " "):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    def wait_metric(self, name: str, at_least: float, timeout: float = 30.0, **labels: str) -> float:
        deadline = time.monotonic() + timeout
        while (value := self.metric(name, **labels)) < at_least:
            if time.monotonic() > deadline:
                raise AssertionError(f"{name}{labels} = {value} < {at_least} after {timeout} s:\n{self.output()}")
            time.sleep(0.1)
        return value

    def wait_exit(self, timeout: float = 30.0) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"funchost did not exit within {timeout} s:\n{self.output()}") from None

    def terminate(self, sig: int = signal.SIGTERM, timeout: float = 40.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.wait_exit(timeout)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)

    def __enter__(self) -> HostProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_cli(
    args: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "funchost.cli.main", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
