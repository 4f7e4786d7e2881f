"""Processes the benchmarks start and read: free ports, HTTP probes, stopping, log tails, /proc CPU and start times."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
SERVICES = ROOT / "scripts" / "services"

CLK_TCK = os.sysconf("SC_CLK_TCK")
# /proc/<pid>/stat starttime counts clock ticks since boot: this converts it to Unix time.
BOOT_TO_WALL = time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def say(text: str) -> None:
    print(text, flush=True)


def tail(path: Path, lines: int = 30, missing: str = "") -> str:
    """The last `lines` lines of a log file (`missing` when it cannot be read)."""
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return missing


def http_get(port: int, path: str, timeout: float = 1.0) -> tuple[int, bytes]:
    """GET http://127.0.0.1:port/path → (status, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def http_status(port: int, path: str, timeout: float = 0.5) -> int:
    return http_get(port, path, timeout)[0]


def stop_process(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 30.0) -> int | None:
    """Signal one process we started, wait `timeout`, then SIGKILL it."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait(10)
    return proc.returncode


def children(pid: int) -> list[int]:
    with contextlib.suppress(OSError, ValueError):
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return []


def stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat from field 3 (state) on, or None once the process is gone."""
    with contextlib.suppress(OSError):
        text = Path(f"/proc/{pid}/stat").read_text()
        return text[text.rindex(")") + 2 :].split()
    return None


def process_state(pid: int) -> str | None:
    fields = stat_fields(pid)
    return fields[0] if fields else None


def process_started_at(pid: int) -> float | None:
    """Unix time the process was created (fork), 10 ms resolution."""
    fields = stat_fields(pid)
    return BOOT_TO_WALL + int(fields[19]) / CLK_TCK if fields else None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of the whole process (all threads), or None once it is gone."""
    fields = stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / CLK_TCK if fields else None


@contextlib.contextmanager
def budget(seconds: int) -> Iterator[None]:
    """Raise TimeoutError in the main thread once the benchmark has run `seconds` (SIGALRM): every run ends."""

    def expired(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"the benchmark ran over its {seconds} s budget")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
