"""Local worker processes: N `funchost start` workers of one app on this machine, sharing one HTTP port.

Owns starting workers, replacing crashed ones (with a back-off), draining them on scale-in (SIGTERM, then SIGKILL
only after the grace period) and their log files (`<log_dir>/worker-<index>.log`).

Standby (`standby=True`, what `funchost up` uses): one extra process is kept pre-started with `funchost start
--standby` — Python, funchost, the SDKs and the app already imported and indexed, nothing accepted, no listener
started. A scale-out promotes it with a line 'go' on its stdin, so a worker starts consuming in about 0.1 s
instead of the ~0.7 s a cold start takes (mostly imports), and a new standby is started a little later. This is
what Azure's placeholder ("specialization") mode does for cold starts. A standby that exits on its own (a broken
app, say) is not restarted until `STANDBY_RETRY_SECONDS` have passed; workers are then started cold.

HTTP with N workers: given `listener` (what `funchost up` does), the target owns nothing of the socket but hands
its descriptor to every worker and the standby (`funchost start --fd N`, an inherited descriptor, not a rebind):
all workers accept from one accept queue, so a connection waits in the kernel's queue while 0 workers run and is
accepted by the first worker that starts; a stopping worker stops accepting and drains what it has, and the
connections still queued stay queued for the others (none is reset). Each worker also publishes its outstanding
HTTP function requests in `<log_dir>/../http-load/worker-<index>.load` (FUNCHOST_HTTP_LOAD_FILE), read by the
HTTP scaler through `load_files()`. Without `listener`, workers bind the port themselves with SO_REUSEPORT
(`--reuse-port`: the kernel spreads connections by a hash; connections queued at a stopping worker are reset; Linux
only).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from funchost.metadata.http_load import LOAD_FILE_ENV
from funchost.metadata.warmup import WARMUP_ENV
from scale_controller.targets.base import TargetError

logger = logging.getLogger("scale_controller.targets.local")

STABLE_SECONDS = 10.0  # a worker that ran this long before crashing resets the back-off
MAX_BACKOFF_SECONDS = 30.0
KILL_MARGIN_SECONDS = 5.0  # past the worker's own grace period, before SIGKILL
STANDBY_DELAY_SECONDS = 2.0  # after a promotion: let the promoted worker start before loading the next standby
STANDBY_RETRY_SECONDS = 30.0  # after a standby died on its own


@dataclass
class Worker:
    index: int
    process: asyncio.subprocess.Process
    log_path: Path
    started: float  # time.monotonic()
    stopping: bool = False
    standby: bool = False  # pre-started and not promoted yet

    @property
    def pid(self) -> int:
        return self.process.pid


@dataclass(frozen=True)
class WorkerExit:
    index: int
    pid: int
    returncode: int
    requested: bool  # True when the target asked it to stop (scale-in, close); False: it crashed


class LocalProcessTarget:
    """Scales an app as worker processes; `aclose()` stops them all gracefully."""

    def __init__(
        self,
        script_root: Path,
        port: int,
        env: Mapping[str, str] | None = None,
        *,
        python: str = sys.executable,
        grace_seconds: float = 30.0,
        host: str = "0.0.0.0",
        log_dir: Path | None = None,
        standby: bool = False,
        listener: socket.socket | None = None,
    ) -> None:
        self.script_root = Path(script_root).resolve()
        self.port = port
        self.env = dict(env or {})
        self.python = python
        self.grace_seconds = grace_seconds
        self.host = host
        self.log_dir = log_dir or self.script_root / ".funchost" / "workers"
        self.listener = listener
        self.load_dir = self.log_dir.parent / "http-load"  # beside the logs: each worker's outstanding requests
        self.name = f"local:{self.script_root.name}"
        self.exits: list[WorkerExit] = []  # every worker that ended, oldest first
        self._desired = 0
        self._running: list[Worker] = []  # not asked to stop, oldest first
        self._draining: list[Worker] = []
        self._next_index = 0
        self._crashes = 0  # consecutive quick crashes, for the back-off
        self._backoff: asyncio.Task[None] | None = None  # a pending replacement of crashed workers
        self._closing = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()
        self._changed = asyncio.Condition()
        self._closed = False
        self._use_standby = standby
        self._standby: Worker | None = None  # pre-started, waiting for 'go'; not a replica
        self._standby_task: asyncio.Task[None] | None = None  # a pending (delayed) standby start
        self._standby_failed_at = -STANDBY_RETRY_SECONDS

    @property
    def pids(self) -> list[int]:
        """PIDs of the live workers that count as replicas, oldest first."""
        return [w.pid for w in self._running]

    @property
    def draining_pids(self) -> list[int]:
        return [w.pid for w in self._draining]

    @property
    def standby_pid(self) -> int | None:
        """The pre-started worker waiting to be promoted, if any."""
        return self._standby.pid if self._standby is not None else None

    def load_files(self) -> list[Path]:
        """The load file of every worker that counts as a replica (what the HTTP scaler sums)."""
        return [self._load_path(w.index) for w in self._running]

    def _load_path(self, index: int) -> Path:
        return self.load_dir / f"worker-{index}.load"

    async def current(self) -> int:
        return len(self._running)

    async def scale_to(self, replicas: int) -> None:
        if replicas < 0:
            raise ValueError(f"replicas must be 0 or more, got {replicas}")
        if self._closed:
            raise TargetError(f"{self.name}: scale_to({replicas}) after aclose(); create a new target")
        self._desired = replicas
        await self._reconcile()

    async def wait_until(self, predicate: Callable[[LocalProcessTarget], bool]) -> None:
        """Wait until `predicate(self)` holds, re-checked on every worker start and exit (bound it with
        `asyncio.timeout`)."""
        async with self._changed:
            await self._changed.wait_for(lambda: predicate(self))

    async def aclose(self) -> None:
        """Stop every worker with SIGTERM and wait for them to drain (SIGKILL after the grace period)."""
        self._closed = True
        self._closing.set()  # a pending replacement gives up
        self._desired = 0
        await self._reconcile()
        await self._dismiss_standby()
        await asyncio.gather(*(w.process.wait() for w in list(self._draining)))
        await asyncio.gather(*self._tasks, *([self._backoff] if self._backoff else []), return_exceptions=True)

    # -- reconciliation -----------------------------------------------------------------------------------------

    async def _reconcile(self) -> None:
        async with self._lock:
            while len(self._running) > self._desired:
                self._stop(self._running.pop())  # the newest first
            while len(self._running) < self._desired and (self._backoff is None or self._backoff.done()):
                await asyncio.shield(self._start_worker())  # a cancelled caller must not leave an untracked process
            self._keep_standby(delay=0.0)
        await self._notify()

    async def _start_worker(self) -> None:
        standby = self._standby
        if standby is None or standby.process.returncode is not None or standby.process.stdin is None:
            await self._spawn()
            return
        self._standby = None
        try:
            standby.process.stdin.write(b"go\n")
            await standby.process.stdin.drain()
            standby.process.stdin.close()
        except (BrokenPipeError, ConnectionResetError):  # it died meanwhile: its watcher logs it
            await self._spawn()
            return
        standby.started, standby.standby = time.monotonic(), False
        self._running.append(standby)
        logger.info("%s: promoted standby worker %d (pid %d)", self.name, standby.index, standby.pid)
        self._track(self._watch(standby))
        self._keep_standby(delay=STANDBY_DELAY_SECONDS)

    def _keep_standby(self, delay: float) -> None:
        """Make sure a standby exists or is on its way (unless disabled, closing, or recently failed)."""
        if not self._use_standby or self._closed or self._standby is not None:
            return
        if self._standby_task is not None and not self._standby_task.done():
            return
        if time.monotonic() - self._standby_failed_at < STANDBY_RETRY_SECONDS:
            return
        self._standby_task = asyncio.create_task(self._start_standby(delay))

    async def _start_standby(self, delay: float) -> None:
        if delay:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), delay)
        async with self._lock:
            if self._closed or self._standby is not None:
                return
            try:
                self._standby = await self._spawn(standby=True)
            except TargetError as exc:
                self._standby_failed_at = time.monotonic()
                logger.warning("%s: no standby worker (%s); workers start cold", self.name, exc)

    async def _dismiss_standby(self) -> None:
        if self._standby_task is not None:
            self._standby_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._standby_task
        standby, self._standby = self._standby, None
        if standby is None:
            return
        if standby.process.stdin is not None:
            standby.process.stdin.close()  # EOF: it exits without serving
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(standby.process.wait(), KILL_MARGIN_SECONDS)
            return
        with contextlib.suppress(ProcessLookupError):
            standby.process.kill()
        await standby.process.wait()

    async def _spawn(self, *, standby: bool = False) -> Worker:
        index = self._next_index
        self._next_index += 1
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"worker-{index}.log"
        command = [self.python, "-m", "funchost.cli.main", "start", "--script-root", str(self.script_root)]
        command += ["--host", self.host, "--port", str(self.port)]
        fds: tuple[int, ...] = ()
        if self.listener is not None:
            fds = (self.listener.fileno(),)
            command += ["--fd", str(fds[0])]
        else:
            command += ["--reuse-port"]
        command += ["--grace-period", str(self.grace_seconds)] + (["--standby"] if standby else [])
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1", "FUNCHOST_WORKER_INDEX": str(index)}
        env[WARMUP_ENV] = "1"  # an added instance: the host runs the app's warmup function before it serves
        env[LOAD_FILE_ENV] = str(self._load_path(index))
        self.load_dir.mkdir(parents=True, exist_ok=True)
        self._load_path(index).unlink(missing_ok=True)  # a previous run's count must not be read
        with log_path.open("ab") as log:
            try:
                # Own session: a Ctrl-C on the controller's terminal does not reach the workers; the target
                # drains them itself.
                process = await asyncio.create_subprocess_exec(
                    *command, cwd=self.script_root, env=env, stdin=subprocess.PIPE if standby else subprocess.DEVNULL,
                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True, pass_fds=fds,
                )  # fmt: skip
            except OSError as exc:
                raise TargetError(
                    f"{self.name}: cannot start a worker with {self.python!r}: {exc}. "
                    "Fix: pass the python of an environment where funchost is installed"
                ) from exc
        worker = Worker(index, process, log_path, time.monotonic(), standby=standby)
        if standby:
            logger.info("%s: started standby worker %d (pid %d, log %s)", self.name, index, worker.pid, log_path)
            self._track(self._watch_standby(worker))
            return worker
        self._running.append(worker)
        logger.info("%s: started worker %d (pid %d, log %s)", self.name, index, worker.pid, log_path)
        self._track(self._watch(worker))
        return worker

    async def _watch_standby(self, worker: Worker) -> None:
        returncode = await worker.process.wait()
        if not worker.standby:
            return  # promoted meanwhile: `_watch` reports its exit
        if self._standby is worker:
            self._standby = None
        if not self._closed:
            self._standby_failed_at = time.monotonic()
            logger.warning(
                "%s: standby worker %d (pid %d) exited with %d before it was needed; workers start cold for the "
                "next %.0f s (log: %s)", self.name, worker.index, worker.pid, returncode, STANDBY_RETRY_SECONDS,
                worker.log_path,
            )  # fmt: skip

    def _stop(self, worker: Worker) -> None:
        worker.stopping = True
        self._draining.append(worker)
        logger.info(
            "%s: stopping worker %d (pid %d): SIGTERM, it drains in-flight work", self.name, worker.index, worker.pid
        )
        with contextlib.suppress(ProcessLookupError):
            worker.process.send_signal(signal.SIGTERM)
        self._track(self._kill_after_grace(worker))

    async def _kill_after_grace(self, worker: Worker) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(worker.process.wait(), self.grace_seconds + KILL_MARGIN_SECONDS)
            return
        logger.error("%s: worker %d (pid %d) did not exit %.0f s after SIGTERM; SIGKILL", self.name, worker.index,
                     worker.pid, self.grace_seconds + KILL_MARGIN_SECONDS)  # fmt: skip
        with contextlib.suppress(ProcessLookupError):
            worker.process.kill()

    async def _watch(self, worker: Worker) -> None:
        returncode = await worker.process.wait()
        self._load_path(worker.index).unlink(missing_ok=True)
        self.exits.append(WorkerExit(worker.index, worker.pid, returncode, worker.stopping))
        if worker.stopping:
            self._draining.remove(worker)
            log = logger.info if returncode == 0 else logger.warning
            log("%s: worker %d (pid %d) exited with %d", self.name, worker.index, worker.pid, returncode)
            await self._notify()
            return
        self._running.remove(worker)
        lived = time.monotonic() - worker.started
        self._crashes = 1 if lived >= STABLE_SECONDS else self._crashes + 1
        # Back-off as a CrashLoopBackOff would: the first crash is replaced at once, then 1, 2, 4 … 30 s.
        delay = 0.0 if self._crashes == 1 else min(MAX_BACKOFF_SECONDS, 2.0 ** (self._crashes - 2))
        logger.warning("%s: worker %d (pid %d) exited with %d after %.1f s; replacing it in %.0f s (log: %s)",
                       self.name, worker.index, worker.pid, returncode, lived, delay, worker.log_path)  # fmt: skip
        await self._notify()
        if not self._closed and (self._backoff is None or self._backoff.done()):  # else the pending one replaces it
            self._backoff = asyncio.create_task(self._replace_after(delay))

    async def _replace_after(self, delay: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), delay)
        self._backoff = None
        if self._closed:
            return
        try:
            await self._reconcile()
        except TargetError as exc:  # nobody awaits this task: say it, the next scale_to() tries again
            logger.error("%s: could not replace a worker: %s", self.name, exc)

    def _track(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()
