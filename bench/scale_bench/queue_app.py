"""The benchmark's queue app and its processes: a private Azurite, filling the queue, the work record,
`funchost start` / `funchost up` and their workers."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common.azurite import PrivateAzurite
from bench.common.procs import PYTHON, children, free_port, process_state, stop_process
from bench.scale_bench.settings import APP


class Azurite(PrivateAzurite):
    """A private Azurite queue service for one phase, with its data and log in the work folder."""

    def __init__(self, logdir: Path, name: str) -> None:
        super().__init__(logdir / f"azurite-{name}", logdir / f"azurite-{name}.log")


def worker_pids(up_pid: int) -> list[int]:
    """Live `funchost start` workers of a `funchost up` process (its indexing subprocess is not one, nor is the
    standby worker until it is promoted)."""
    found = []
    for pid in children(up_pid):
        with contextlib.suppress(OSError):
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"start" in argv and process_state(pid) not in ("Z", "X"):
                if b"--standby" not in argv or promoted_at(pid) is not None:
                    found.append(pid)
    return found


def promoted_at(pid: int) -> float | None:
    """When a `--standby` worker got its 'go' (it prints the time to its log, its stdout), or None."""
    with contextlib.suppress(OSError, ValueError):
        log = Path(os.readlink(f"/proc/{pid}/fd/1")).read_text(errors="replace")
        found = re.search(r"standby: go \(unix time ([0-9.]+)\)", log)
        return float(found.group(1)) if found else None
    return None


def message_body(item_id: str, sent: float) -> str:
    # base64: the host's default messageEncoding (host.json extensions.queues.messageEncoding)
    return base64.b64encode(json.dumps({"id": item_id, "sent": sent}).encode()).decode()


async def create_queue(conn: str, name: str) -> None:
    from azure.storage.queue.aio import QueueClient

    async with QueueClient.from_connection_string(conn, name) as queue:
        await queue.create_queue()


async def enqueue_many(conn: str, name: str, count: int, prefix: str, concurrency: int = 64) -> float:
    """Send `count` messages; returns the seconds it took."""
    from azure.storage.queue.aio import QueueClient

    began = time.monotonic()
    async with QueueClient.from_connection_string(conn, name) as queue:
        pending = iter(range(count))

        async def sender() -> None:
            for n in pending:
                await queue.send_message(message_body(f"{prefix}-{n}", time.time()))

        await asyncio.gather(*(sender() for _ in range(concurrency)))
    return time.monotonic() - began


@dataclass(frozen=True)
class Done:
    item: str
    pid: int
    sent: float
    started: float
    finished: float


class Record:
    """The WORK_RECORD file the app appends to (`id pid sent started finished`), read incrementally."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: dict[str, Done] = {}  # first completion per id
        self.lines = 0
        self._offset = 0
        self._partial = b""

    def poll(self) -> list[Done]:
        try:
            with self.path.open("rb") as handle:
                handle.seek(self._offset)
                data = handle.read()
        except FileNotFoundError:
            return []
        self._offset += len(data)
        complete, newline, self._partial = (self._partial + data).rpartition(b"\n")
        if not newline:  # no whole line yet: rpartition put everything into the first part
            complete, self._partial = b"", complete
        new = []
        for line in complete.decode().splitlines():
            item, pid, sent, started, finished = line.split()
            self.lines += 1
            if item not in self.rows:
                self.rows[item] = Done(item, int(pid), float(sent), float(started), float(finished))
                new.append(self.rows[item])
        return new


def app_copy(workdir: Path, name: str) -> Path:
    """A fresh copy of the bench app: `funchost up` writes .funchost/ (status, worker logs) into it."""
    target = workdir / name
    shutil.copytree(APP, target, ignore=shutil.ignore_patterns(".funchost", "__pycache__"))
    return target


def app_env(azurite: Azurite, queue: str, record: Path, work_seconds: float) -> dict[str, str]:
    return {
        **os.environ,
        "AzureWebJobsStorage": azurite.conn,
        "SCALE_QUEUE": queue,
        "WORK_RECORD": str(record),
        "WORK_SECONDS": str(work_seconds),
        "PYTHONUNBUFFERED": "1",
    }


def start_worker(app: Path, env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """One worker, exactly as `LocalProcessTarget._spawn` starts it (but bound to 127.0.0.1)."""
    command = [PYTHON, "-m", "funchost.cli.main", "start", "--script-root", str(app), "--host", "127.0.0.1"]
    command += ["--port", str(port), "--reuse-port", "--grace-period", "5"]
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            cwd=app,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def start_up(app: Path, env: dict[str, str], log: Path, *flags: str) -> subprocess.Popen[bytes]:
    command = [PYTHON, "-m", "funchost.cli.main", "up", "--script-root", str(app), "--port", str(free_port())]
    with log.open("ab") as out:
        return subprocess.Popen(
            [*command, *flags],
            cwd=app,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_up(up: subprocess.Popen[bytes], seen_workers: Iterable[int]) -> None:
    """SIGINT (up drains its workers), then make sure no worker it started outlives it."""
    stop_process(up, signal.SIGINT, timeout=45)
    for pid in seen_workers:
        if process_state(pid) not in (None, "Z", "X"):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def read_status(path: Path) -> dict[str, Any] | None:
    with contextlib.suppress(OSError, ValueError):
        document = json.loads(path.read_text())
        return document if isinstance(document, dict) else None
    return None


async def wait_for(condition: Callable[[], bool], limit: float, what: str, every: float = 0.02) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {limit:g} s waiting for {what}")
        await asyncio.sleep(every)
