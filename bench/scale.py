"""Scale-controller benchmark: `funchost up` measured against KEDA's default timing model, in one run.

Parts (results and analysis: docs/benchmarks.md, "Scale controller"):

1. **Activation latency from zero** — `funchost up` on bench/apps/scale_queue (a queue trigger that records when each
   message was sent and started) with 0 workers and the default 1 s polling interval; one message is enqueued at a
   random phase of the poll, and the latency is `started − sent` as the function itself records it. Between trials
   the app goes back to 0 (cooldown 1 s) and every worker process has exited. The worker's own start time (spawn of
   `funchost start` → first invocation of a message already waiting, and → /readyz 200) is measured separately.
   **KEDA's model**: poll wait uniform over the default 30 s pollingInterval (mean 15 s, p95 28.5 s) + the same
   measured funchost worker start, combined by Monte Carlo — generous to KEDA: no pod scheduling, image pull or
   container start is added.
2. **Drain of a backlog vs ideal** — M messages (default 5,000) enqueued first, then `funchost up --max-replicas N`
   (default 4) starts; drain time runs from the launch of `funchost up` to the last message finished. One worker's
   rate r1 is measured in the same run: a single `funchost start` worker on an identical backlog (its own fresh
   Azurite holding the same M messages), as the least-squares slope of finishes over 5–50 s after its first
   invocation. Ideal = M / (N × r1) with N the peak replica count reached (strict: `up`'s start, the activation and
   the scale-up ramp count against funchost); the same with N = the time-weighted mean of the replica count set by
   the controller over launch → last message is printed as well. The work is an `asyncio.sleep` of 2.5 s on average
   (uniform 0.5–1.5×) with 16 + 8 messages in flight per worker (host.json batchSize / newBatchThreshold), so workers
   are I/O-bound: CPU-bound workers could not scale linearly on 2 cores. The sleep is long because Azurite is the
   shared bottleneck: every queue operation scans all the messages it holds (`clearExpiredMessages` in
   `LokiQueueMetadataStore.js`), ~40 ms CPU per message processed at 5,000 held, so ~25 msg/s saturates its one
   Node thread; 4 × r1 is kept below that.
3. **Controller overhead** — `ScaleLoop` with 1,000 trigger sources whose scalers are cheap in-process `Scaler`s
   (synthetic backlogs), an in-memory `ScaleTarget`, interval 1 s, status document written every tick, for ~20 s in
   a child process pinned to one core (`os.sched_setaffinity`): loop lag (`loop.lag`, every tick recorded) p50/p99/
   max, tick wall time and CPU seconds per tick.
4. **Plot** — replicas and backlog over time during the drain, from `.funchost/scale-status.json` sampled every
   250 ms, to docs/scaling-timeline.png (matplotlib, Agg).

Everything runs against private Azurite queue services on free 127.0.0.1 ports (started and stopped here, a fresh one
per phase), in temporary copies of the app. Every wait is bounded; the default run takes about 7 minutes.

Run: `.venv/bin/python bench/scale.py [--trials 20] [--messages 5000] [--max-replicas 4] [--json out.json]`.
"""

from __future__ import annotations

import os
import sys

# bench/ holds http.py: this file's folder must not stay on sys.path, or it would shadow the standard `http` package
# (hence the imports below this line, and the file-wide E402 exemption).
# ruff: noqa: E402
_HERE = os.path.dirname(os.path.realpath(__file__))
sys.path[:] = [entry for entry in sys.path if os.path.realpath(entry or ".") != _HERE]

import argparse
import asyncio
import base64
import contextlib
import datetime
import http.client
import json
import math
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "bench" / "apps" / "scale_queue"
PLOT = ROOT / "docs" / "scaling-timeline.png"
PYTHON = sys.executable
AZURITE_QUEUE_BIN = ROOT / ".services" / "azurite" / "node_modules" / ".bin" / "azurite-queue"
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

KEDA_POLLING_INTERVAL = 30.0  # reference/keda.md §1.1: pollingInterval default (withtriggers_types.go:51)
CLK_TCK = os.sysconf("SC_CLK_TCK")
# /proc/<pid>/stat starttime counts clock ticks since boot: this converts it to Unix time.
BOOT_TO_WALL = time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)

# Targets (the brief's): activation p50, drain vs ideal, loop lag at 1,000 functions on one core.
TARGET_ACTIVATION_P50 = 1.0
TARGET_DRAIN_RATIO = 1.2
TARGET_LAG = 0.100


# -- small helpers ---------------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), q in [0, 100]."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def say(text: str) -> None:
    print(text, flush=True)


def tail(path: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def http_status(port: int, path: str, timeout: float = 0.5) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


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


# -- /proc: the workers `funchost up` starts ------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    with contextlib.suppress(OSError, ValueError):
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return []


def worker_pids(up_pid: int) -> list[int]:
    """Live `funchost start` workers of a `funchost up` process (its indexing subprocess is not one, nor is the
    standby worker until it is promoted)."""
    found = []
    for pid in children(up_pid):
        with contextlib.suppress(OSError):
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"start" in argv and _state(pid) not in ("Z", "X"):
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


def _stat_fields(pid: int) -> list[str] | None:
    with contextlib.suppress(OSError):
        text = Path(f"/proc/{pid}/stat").read_text()
        return text[text.rindex(")") + 2 :].split()  # fields from 3 (state) on
    return None


def _state(pid: int) -> str | None:
    fields = _stat_fields(pid)
    return fields[0] if fields else None


def process_started_at(pid: int) -> float | None:
    """Unix time the process was created (fork), 10 ms resolution."""
    fields = _stat_fields(pid)
    return BOOT_TO_WALL + int(fields[19]) / CLK_TCK if fields else None


def cpu_seconds(pid: int) -> float | None:
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / CLK_TCK if fields else None


# -- Azurite and the queue -------------------------------------------------------------------------------------------


class Azurite:
    """A private Azurite queue service on a free port: Azurite's cost per operation grows with the messages it holds,
    so a shared instance that other work has filled would skew the numbers (and we must not disturb it).

    Persisted to a folder of its own, not `--inMemoryPersistence`: with in-memory persistence Azurite's extent garbage
    collector (QueueGCManager, every 60 s, not configurable) stalls every request for 5–25 s once it holds thousands
    of messages, which would be measured as controller or worker delays."""

    def __init__(self, logdir: Path, name: str) -> None:
        if not AZURITE_QUEUE_BIN.exists():  # installs the pinned Azurite (and starts or reuses the shared instance)
            subprocess.run(
                [str(ROOT / "scripts" / "services" / "azurite"), "start"], capture_output=True, timeout=300, check=False
            )
        if not AZURITE_QUEUE_BIN.exists():
            sys.exit(f"error: {AZURITE_QUEUE_BIN} is missing; run scripts/services/azurite start")
        self.port = free_port()
        self.log = logdir / f"azurite-{name}.log"
        argv = [str(AZURITE_QUEUE_BIN), "--queueHost", "127.0.0.1", "--queuePort", str(self.port)]
        argv += [
            "--location",
            str(logdir / f"azurite-{name}"),
            "--skipApiVersionCheck",
            "--disableTelemetry",
            "--silent",
        ]
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.conn = (
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
            f"QueueEndpoint=http://127.0.0.1:{self.port}/{AZURITE_ACCOUNT};"
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, http.client.HTTPException):
                if http_status(self.port, f"/{AZURITE_ACCOUNT}?comp=list") == 403:  # up (the request is unsigned)
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        sys.exit(f"error: Azurite did not start on port {self.port}:\n{tail(self.log)}")

    def stop(self) -> None:
        stop_process(self.proc, timeout=10)


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


# -- app processes ---------------------------------------------------------------------------------------------------


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
        if _state(pid) not in (None, "Z", "X"):
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


# -- part 1: activation latency ------------------------------------------------------------------------------------


@dataclass
class WorkerStart:
    ready: list[float] = field(default_factory=list)  # spawn → /readyz 200
    first: list[float] = field(default_factory=list)  # spawn → first invocation of a waiting message


async def measure_worker_start(azurite: Azurite, workdir: Path, trials: int, work_seconds: float) -> WorkerStart:
    """Spawn → /readyz and spawn → first invocation of one `funchost start` worker with a message already waiting.
    One discarded warm-up start."""
    app = app_copy(workdir, "worker-start")
    queue = f"ws-{uuid.uuid4().hex[:12]}"
    record = Record(workdir / "worker-start.txt")
    env = app_env(azurite, queue, record.path, work_seconds)
    await create_queue(azurite.conn, queue)
    result = WorkerStart()
    for trial in range(trials + 1):
        await enqueue_many(azurite.conn, queue, 1, f"ws{trial}", concurrency=1)
        port = free_port()
        spawned = time.time()
        worker = start_worker(app, env, port, workdir / "worker-start.log")
        ready_at: float | None = None
        first: Done | None = None
        try:
            deadline = time.monotonic() + 30
            while (ready_at is None or first is None) and time.monotonic() < deadline:
                if ready_at is None:
                    with contextlib.suppress(OSError, http.client.HTTPException):
                        if http_status(port, "/readyz", timeout=0.2) == 200:
                            ready_at = time.time()
                if first is None:
                    new = record.poll()
                    first = new[0] if new else None
                if worker.poll() is not None:
                    raise RuntimeError(f"worker exited with {worker.returncode}:\n{tail(workdir / 'worker-start.log')}")
                await asyncio.sleep(0.005)
            if ready_at is None or first is None:
                raise TimeoutError(
                    f"worker start: no ready/first invocation in 30 s:\n{tail(workdir / 'worker-start.log')}"
                )
        finally:
            stop_process(worker, timeout=15)
        if trial:  # the first start warms the page cache
            result.ready.append(ready_at - spawned)
            result.first.append(first.started - spawned)
    return result


@dataclass
class Activation:
    latency: list[float] = field(default_factory=list)  # sent → invocation started (the function's own clock)
    detect: list[float] = field(default_factory=list)  # sent → worker process created (controller's share)
    start: list[float] = field(default_factory=list)  # worker process created → invocation started
    send: list[float] = field(default_factory=list)  # duration of the send_message call itself


async def measure_activation(
    azurite: Azurite, workdir: Path, trials: int, interval: float, work_seconds: float
) -> Activation:
    from azure.storage.queue.aio import QueueClient

    app = app_copy(workdir, "activation")
    queue = f"act-{uuid.uuid4().hex[:12]}"
    record = Record(workdir / "activation.txt")
    env = app_env(azurite, queue, record.path, work_seconds)
    await create_queue(azurite.conn, queue)
    log = workdir / "up-activation.log"
    status_path = app / ".funchost" / "scale-status.json"
    flags = ["--max-replicas", "4", "--polling-interval", f"{interval:g}", "--cooldown-period", "1"]
    up = start_up(app, env, log, *flags, "--stabilization-window", "1", "--grace-period", "5")
    seen: set[int] = set()
    result = Activation()
    rng = random.Random(7)

    def idle() -> bool:
        status = read_status(status_path)
        return status is not None and status.get("desired") == 0 and not worker_pids(up.pid)

    try:
        await wait_for(lambda: status_path.exists() or up.poll() is not None, 60, "the controller's first tick")
        if up.poll() is not None:
            raise RuntimeError(f"funchost up exited with {up.returncode}:\n{tail(log)}")
        async with QueueClient.from_connection_string(azurite.conn, queue) as client:
            for trial in range(trials + 1):
                await wait_for(idle, 60, "0 workers (scale-in after the cooldown)")
                # A random phase against the poll: the enqueue lands uniformly within the polling interval.
                await asyncio.sleep(rng.uniform(0, interval))
                item = f"a{trial}"
                sent = time.time()
                await client.send_message(message_body(item, sent))
                sent_done = time.time()
                spawned: float | None = None
                deadline = time.monotonic() + 60
                while item not in record.rows:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"activation trial {trial}: no invocation in 60 s:\n{tail(log)}")
                    if spawned is None:
                        for pid in worker_pids(up.pid):
                            if pid not in seen:
                                seen.add(pid)
                                spawned = promoted_at(pid) or process_started_at(pid)
                    record.poll()
                    await asyncio.sleep(0.005)
                done = record.rows[item]
                if trial == 0:
                    continue  # warm-up: the first worker start pays for a cold page cache
                result.latency.append(done.started - sent)
                result.send.append(sent_done - sent)
                if spawned is not None:
                    result.detect.append(spawned - sent)
                    result.start.append(done.started - spawned)
    finally:
        seen.update(worker_pids(up.pid))
        stop_up(up, seen)
    return result


def keda_model(starts: Sequence[float], draws: int = 200_000, seed: int = 1) -> list[float]:
    """KEDA's activation: the message waits for the next poll (uniform over pollingInterval), then the same worker
    start as funchost's (measured), drawn independently."""
    rng = random.Random(seed)
    return [rng.uniform(0, KEDA_POLLING_INTERVAL) + rng.choice(starts) for _ in range(draws)]


# -- part 2: drain ---------------------------------------------------------------------------------------------------


@dataclass
class Baseline:
    messages: int  # the backlog it started on
    processed: int  # messages finished within the measured window
    rate: float  # r1: messages per second within the window (least-squares slope, `fitted_rate`)
    window: tuple[float, float]  # seconds after its first invocation: the window r1 is measured over
    enqueue_seconds: float
    cpu_seconds: float  # the worker's CPU time (whole run)
    azurite_cpu_per_message: float  # Azurite's CPU seconds per message processed (receive + delete + scaler-free)


def fitted_rate(times: Sequence[float]) -> float:
    """Messages per second: the least-squares slope of the cumulative count against finish time (batches finish in
    bursts, so a count over a window would depend on where the window cuts them)."""
    ordered = sorted(times)
    n = len(ordered)
    if n < 2:
        return math.nan
    mean_t, mean_i = sum(ordered) / n, (n - 1) / 2
    covariance = sum((t - mean_t) * (i - mean_i) for i, t in enumerate(ordered))
    variance = sum((t - mean_t) ** 2 for t in ordered)
    return covariance / variance if variance else math.nan


def rate_between(finished: Sequence[float], low_q: float, high_q: float) -> float:
    """The fitted rate over the messages between two quantiles of finish time (e.g. the middle 50 %)."""
    ordered = sorted(finished)
    return fitted_rate(ordered[int(len(ordered) * low_q) : int(len(ordered) * high_q)])


async def measure_baseline(
    azurite: Azurite, workdir: Path, messages: int, work_seconds: float, seconds: float, skip: float = 5.0
) -> Baseline:
    """One `funchost start` worker on the same backlog: r1 = messages finished per second from `skip` s after its
    first invocation to `seconds` s after it (0 = until the whole backlog is processed, from the first invocation)."""
    app = app_copy(workdir, "baseline")
    queue = f"one-{uuid.uuid4().hex[:12]}"
    record = Record(workdir / "baseline.txt")
    env = app_env(azurite, queue, record.path, work_seconds)
    await create_queue(azurite.conn, queue)
    enqueue_seconds = await enqueue_many(azurite.conn, queue, messages, "b")
    log = workdir / "baseline-worker.log"
    azurite_cpu0 = cpu_seconds(azurite.proc.pid) or 0.0
    worker = start_worker(app, env, free_port(), log)
    cpu = 0.0
    first: float | None = None
    try:
        deadline = time.monotonic() + max(120.0, (seconds or messages / 5) * 2)
        while len(record.rows) < messages and (not seconds or first is None or time.time() < first + seconds + 1):
            if time.monotonic() > deadline:
                raise TimeoutError(f"baseline: {len(record.rows)}/{messages} processed:\n{tail(log)}")
            if worker.poll() is not None:
                raise RuntimeError(f"baseline worker exited with {worker.returncode}:\n{tail(log)}")
            cpu = cpu_seconds(worker.pid) or cpu
            if record.poll() and first is None:
                first = min(r.started for r in record.rows.values())
            await asyncio.sleep(0.1)
        cpu = cpu_seconds(worker.pid) or cpu
        azurite_cpu = (cpu_seconds(azurite.proc.pid) or azurite_cpu0) - azurite_cpu0
    finally:
        stop_process(worker, timeout=15)
    record.poll()
    rows = list(record.rows.values())
    first = min(r.started for r in rows)
    if seconds and len(rows) < messages:
        low, high = first + skip, first + seconds
    else:
        low, high = first, max(r.finished for r in rows)
    window = [r.finished for r in rows if low <= r.finished <= high]
    return Baseline(
        messages=messages,
        processed=len(window),
        rate=fitted_rate(window),
        window=(low - first, high - first),
        enqueue_seconds=enqueue_seconds,
        cpu_seconds=cpu,
        azurite_cpu_per_message=azurite_cpu / max(1, len(rows)),
    )


@dataclass
class Sample:
    at: float  # Unix time of our sample
    updated_at: float | None  # the status document's tick time
    current: int | None
    desired: int | None
    backlog: float | None  # triggers[0].value: ApproximateMessagesCount, as KEDA's azure-queue scaler
    processed: int
    workers: int  # live worker processes (including draining ones)


@dataclass
class Drain:
    messages: int
    max_replicas: int
    launched: float
    first_tick: float | None
    first_started: float
    last_finished: float
    samples: list[Sample]
    peak: int
    mean_replicas: float
    mid_rate: float
    enqueue_seconds: float
    worker_cpu: float
    azurite_cpu: float
    controller_cpu: float
    duplicates: int
    up_log: str
    changes: list[tuple[float, int, int]]  # (tick time, from, to) of every applied change
    lifetimes: dict[int, tuple[float, float | None]]  # worker pid → (created, first seen gone)

    @property
    def seconds(self) -> float:
        return self.last_finished - self.launched


async def measure_drain(
    azurite: Azurite, workdir: Path, messages: int, max_replicas: int, work_seconds: float, interval: float
) -> Drain:
    app = app_copy(workdir, "drain")
    queue = f"drain-{uuid.uuid4().hex[:12]}"
    record = Record(workdir / "drain.txt")
    env = app_env(azurite, queue, record.path, work_seconds)
    await create_queue(azurite.conn, queue)
    enqueue_seconds = await enqueue_many(azurite.conn, queue, messages, "d")
    log = workdir / "up-drain.log"
    status_path = app / ".funchost" / "scale-status.json"
    azurite_cpu0 = cpu_seconds(azurite.proc.pid) or 0.0
    flags = ["--max-replicas", str(max_replicas), "--polling-interval", f"{interval:g}", "--cooldown-period", "3"]
    launched = time.time()
    up = start_up(app, env, log, *flags, "--stabilization-window", "2", "--grace-period", "5")
    samples: list[Sample] = []
    worker_cpu: dict[int, float] = {}
    lifetimes: dict[int, tuple[float, float | None]] = {}
    changes: dict[float, tuple[int, int]] = {}
    first_tick: float | None = None
    done_at: float | None = None
    azurite_cpu = controller_cpu = 0.0
    try:
        deadline = time.monotonic() + max(180.0, messages / 10)
        while True:
            now = time.time()
            status = read_status(status_path)
            record.poll()
            pids = worker_pids(up.pid)
            for pid in pids:
                worker_cpu[pid] = cpu_seconds(pid) or worker_cpu.get(pid, 0.0)
                if pid not in lifetimes:
                    lifetimes[pid] = (promoted_at(pid) or process_started_at(pid) or now, None)  # standby: from go
            for pid, (created, gone) in lifetimes.items():
                if gone is None and pid not in pids:
                    lifetimes[pid] = (created, now)
            controller_cpu = cpu_seconds(up.pid) or controller_cpu
            trigger = (status or {}).get("triggers") or [{}]
            samples.append(
                Sample(
                    now,
                    status.get("updated_at") if status else None,
                    status.get("current") if status else None,
                    status.get("desired") if status else None,
                    trigger[0].get("value"),
                    len(record.rows),
                    len(pids),
                )
            )
            if status:
                first_tick = first_tick or status.get("started_at")
                change = status.get("last_change")
                if change:
                    changes[change["at"]] = (change["from"], change["to"])
            if done_at is None and len(record.rows) >= messages:
                done_at = now
                azurite_cpu = (cpu_seconds(azurite.proc.pid) or azurite_cpu0) - azurite_cpu0
            # after the last message: keep sampling until the controller is back at 0 (cooldown 3 s), at most 30 s
            if done_at is not None and ((status and status.get("desired") == 0 and not pids) or now > done_at + 30):
                break
            if up.poll() is not None:
                raise RuntimeError(f"funchost up exited with {up.returncode}:\n{tail(log)}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"drain: {len(record.rows)}/{messages} processed:\n{tail(log)}")
            await asyncio.sleep(0.25)
    finally:
        stop_up(up, worker_cpu)
    rows = list(record.rows.values())
    last_finished = max(r.finished for r in rows)
    replicas = _replica_steps(samples)
    peak = max((n for _, n in replicas), default=0)
    return Drain(
        messages=messages,
        max_replicas=max_replicas,
        launched=launched,
        first_tick=first_tick,
        first_started=min(r.started for r in rows),
        last_finished=last_finished,
        samples=samples,
        peak=peak,
        mean_replicas=_time_weighted(replicas, launched, last_finished),
        mid_rate=rate_between([r.finished for r in rows], 0.25, 0.75),
        enqueue_seconds=enqueue_seconds,
        worker_cpu=sum(worker_cpu.values()),
        azurite_cpu=azurite_cpu,
        controller_cpu=controller_cpu,
        duplicates=record.lines - len(record.rows),
        up_log=log.read_text(errors="replace"),
        changes=sorted((at, a, b) for at, (a, b) in changes.items()),
        lifetimes=lifetimes,
    )


def _replica_steps(samples: Sequence[Sample]) -> list[tuple[float, int]]:
    """(tick time, replica count set by that tick): the status document's `desired` after each distinct tick."""
    steps: list[tuple[float, int]] = []
    for s in samples:
        if s.updated_at is not None and s.desired is not None and (not steps or steps[-1][0] != s.updated_at):
            steps.append((s.updated_at, s.desired))
    return steps


def _time_weighted(steps: Sequence[tuple[float, int]], begin: float, end: float) -> float:
    """Mean of the step function `steps` (0 before the first step) over [begin, end]."""
    total, value, at = 0.0, 0, begin
    for when, replicas in steps:
        when = min(max(when, begin), end)
        total += value * (when - at)
        at, value = when, replicas
    total += value * (end - at)
    return total / (end - begin)


# -- part 3: controller overhead (child process pinned to one core) -----------------------------------------------


def run_overhead_child(functions: int, seconds: float, interval: float, cpu: int) -> dict[str, Any]:
    os.sched_setaffinity(0, {cpu})
    from scale_controller.loop import ScaleLoop, TriggerSource
    from scale_controller.policy import Policy
    from scale_controller.scalers.base import Measurement
    from scale_controller.status import LagStats

    class RecordingLag(LagStats):
        def __init__(self) -> None:
            super().__init__()
            self.values: list[float] = []

        def add(self, lag: float) -> None:
            super().add(lag)
            self.values.append(lag)

    class SyntheticScaler:
        """A backlog that rises and falls over 30 s, phase-shifted per function; one suspension per measure(), as
        a real scaler awaiting its broker has at least one."""

        def __init__(self, index: int) -> None:
            self.name = f"synthetic:q{index}"
            self.phase = index / functions

        async def measure(self) -> Measurement:
            await asyncio.sleep(0)
            value = max(0.0, round(60 * math.sin(2 * math.pi * (time.time() / 30 + self.phase))))
            return Measurement(value, 10.0, value > 0)

        async def aclose(self) -> None:
            return None

    class MemoryTarget:
        name = "memory:synthetic"

        def __init__(self) -> None:
            self.replicas = 0
            self.changes = 0

        async def current(self) -> int:
            return self.replicas

        async def scale_to(self, replicas: int) -> None:
            self.replicas = replicas
            self.changes += 1

        async def aclose(self) -> None:
            return None

    def factory(index: int) -> Callable[[], SyntheticScaler]:
        return lambda: SyntheticScaler(index)

    target = MemoryTarget()
    sources = [TriggerSource(f"fn{i:04d}", "queueTrigger", factory(i)) for i in range(functions)]
    with tempfile.TemporaryDirectory(prefix="funchost-bench-overhead-") as tmp:
        loop = ScaleLoop(
            sources,
            target,
            Policy(max_replicas=100, cooldown_period=5),
            interval=interval,
            status_path=Path(tmp) / "scale-status.json",
        )
        lag = RecordingLag()
        loop.lag = lag
        tick_wall: list[float] = []
        tick_cpu: list[float] = []
        original = loop.tick

        async def timed_tick() -> Any:
            wall, cpu_time = time.perf_counter(), time.thread_time()
            try:
                return await original()
            finally:
                tick_wall.append(time.perf_counter() - wall)
                tick_cpu.append(time.thread_time() - cpu_time)

        loop.tick = timed_tick  # type: ignore[method-assign]
        status_bytes = 0

        async def main() -> float:
            nonlocal status_bytes
            stop = asyncio.Event()
            asyncio.get_running_loop().call_later(seconds, stop.set)
            began = time.process_time()
            await loop.run(stop)
            status_bytes = (Path(tmp) / "scale-status.json").stat().st_size
            return time.process_time() - began

        process_cpu = asyncio.run(main())
    return {
        "functions": functions,
        "interval": interval,
        "cpu": cpu,
        "affinity": sorted(os.sched_getaffinity(0)),
        "ticks": lag.ticks,
        "lag": lag.values,
        "tick_wall": tick_wall,
        "tick_cpu": tick_cpu,
        "process_cpu": process_cpu,
        "scale_changes": target.changes,
        "status_bytes": status_bytes,
    }


def measure_overhead(functions: int, seconds: float, interval: float, cpu: int) -> dict[str, Any]:
    command = [PYTHON, os.path.realpath(__file__), "--overhead-child", "--functions", str(functions)]
    command += ["--overhead-seconds", str(seconds), "--overhead-interval", str(interval), "--overhead-cpu", str(cpu)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"overhead child failed ({result.returncode}):\n{result.stderr[-3000:]}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


# -- part 4: plot ----------------------------------------------------------------------------------------------------


def plot_timeline(drain: Drain, baseline: Baseline, path: Path, when: datetime.datetime) -> None:
    """Top: the whole drain, backlog (left axis) and replicas (right axis). Bottom: the scale-up from zero and the
    scale back to zero, zoomed in."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t0 = drain.launched
    steps = _replica_steps(drain.samples)
    step_x = [0.0] + [at - t0 for at, _ in steps]
    step_y = [0] + [n for _, n in steps]
    at = [s.at - t0 for s in drain.samples]
    events = sorted(
        [(created - t0, 1) for created, _ in drain.lifetimes.values()]
        + [(gone - t0, -1) for _, gone in drain.lifetimes.values() if gone is not None]
    )
    alive_x, alive_y = [0.0], [0]
    for when_s, delta in events:
        alive_x.append(when_s)
        alive_y.append(alive_y[-1] + delta)
    alive_x.append(at[-1] if at else 0.0)
    alive_y.append(alive_y[-1])
    backlog = [(s.at - t0, s.backlog) for s in drain.samples if s.backlog is not None]
    remaining = [drain.messages - s.processed for s in drain.samples]
    end = drain.last_finished - t0
    ideal = drain.messages / (drain.peak * baseline.rate) if drain.peak else math.nan
    first = drain.first_started - t0

    fig = plt.figure(figsize=(11, 7.6))
    grid = fig.add_gridspec(2, 2, height_ratios=[1.25, 1], hspace=0.42, wspace=0.32)
    whole = fig.add_subplot(grid[0, :])
    fig.suptitle(
        f"funchost up: {drain.messages:,} queued messages drained from 0 workers (max {drain.max_replicas} replicas, "
        f"poll 1 s, {baseline.rate:.1f} msg/s per worker) — {when:%Y-%m-%d}",
        fontsize=11,
    )
    whole.plot(
        [x for x, _ in backlog],
        [y for _, y in backlog],
        color="tab:red",
        linewidth=2,
        label="backlog read by the scaler (ApproximateMessagesCount)",
    )
    whole.plot(
        [first, first + ideal],
        [drain.messages, 0],
        color="tab:green",
        linewidth=1.2,
        linestyle="-.",
        label=f"ideal: {drain.peak} × one worker's rate from the first invocation ({ideal:.0f} s)",
    )
    whole.set_ylabel("messages waiting", color="tab:red")
    whole.set_ylim(0, drain.messages * 1.08)
    whole.set_xlabel("seconds since `funchost up` was launched")
    whole.grid(True, alpha=0.3)
    whole.axvline(end, color="black", linewidth=0.8, alpha=0.6)
    whole.annotate(
        f"all processed: {end:.1f} s = {end / ideal:.2f}× ideal",
        xy=(end, drain.messages * 0.9),
        xytext=(-8, 0),
        textcoords="offset points",
        ha="right",
        fontsize=8,
    )
    replicas = whole.twinx()
    replicas.step(step_x, step_y, where="post", color="tab:blue", linewidth=1.6, label="replicas (controller)")
    replicas.set_ylabel("replicas", color="tab:blue")
    replicas.set_ylim(0, drain.max_replicas * 1.08 + 0.5)
    replicas.set_yticks(range(drain.max_replicas + 1))
    lines = whole.get_legend_handles_labels()
    more = replicas.get_legend_handles_labels()
    whole.legend(lines[0] + more[0], lines[1] + more[1], loc="lower center", fontsize=8)

    def zoom(axis: Any, low: float, high: float, title: str) -> tuple[Any, Any]:
        axis.step(step_x, step_y, where="post", color="tab:blue", linewidth=2, label="replicas (controller)")
        axis.step(
            alive_x,
            alive_y,
            where="post",
            color="tab:orange",
            linewidth=1.4,
            linestyle=":",
            label="worker processes (created → exited, from /proc)",
        )
        axis.set_ylim(0, drain.max_replicas + 0.6)
        axis.set_yticks(range(drain.max_replicas + 1))
        axis.set_ylabel("replicas")
        axis.set_xlim(low, high)
        axis.set_xlabel("seconds since launch")
        axis.set_title(title, fontsize=9)
        axis.grid(True, alpha=0.3)
        count = axis.twinx()
        count.plot(
            [x for x, _ in backlog], [y for _, y in backlog], color="tab:red", linewidth=1.6, label="backlog (scaler)"
        )
        count.plot(at, remaining, color="tab:gray", linewidth=1, linestyle="--", label="not yet processed")
        count.set_ylabel("messages", color="tab:red")
        visible = [y for x, y in backlog if low <= x <= high]
        visible += [r for x, r in zip(at, remaining, strict=True) if low <= x <= high]
        count.set_ylim(0, max(visible, default=1) * 1.1 + 1)
        return axis.get_legend_handles_labels(), count.get_legend_handles_labels()

    start_axis = fig.add_subplot(grid[1, 0])
    (handles, labels), (extra, extra_labels) = zoom(
        start_axis, 0, max(8.0, first + 4), "from zero: first tick, 0 → 1, 1 → N"
    )
    fig.legend(
        handles + extra, labels + extra_labels, loc="lower center", ncol=4, fontsize=8, bbox_to_anchor=(0.5, -0.02)
    )
    start_axis.axvline(first, color="tab:green", linewidth=1, alpha=0.8)
    start_axis.annotate(
        f"first invocation {first:.2f} s",
        xy=(first, 0.3),
        xytext=(4, 0),
        textcoords="offset points",
        fontsize=7,
        color="tab:green",
    )
    last_change = max((x for x in step_x), default=end)
    end_axis = fig.add_subplot(grid[1, 1])
    zoom(end_axis, end - 12, max(last_change, end) + 4, "back to zero: cooldown 3 s")
    end_axis.axvline(end, color="black", linewidth=0.8, alpha=0.6)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


# -- report ----------------------------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def machine() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_name = line.split(":", 1)[1].strip()
                break
        else:
            cpu_name = platform.processor()
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} cores ({cpu_name}), Linux {platform.release()}, Python {platform.python_version()}; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def report_overhead(data: dict[str, Any]) -> dict[str, Any]:
    lag, wall, cpu = data["lag"], data["tick_wall"], data["tick_cpu"]
    summary = {
        "functions": data["functions"],
        "ticks": data["ticks"],
        "lag_p50": percentile(lag, 50),
        "lag_p99": percentile(lag, 99),
        "lag_max": max(lag),
        "tick_wall_p50": percentile(wall, 50),
        "tick_wall_max": max(wall),
        "tick_cpu_p50": percentile(cpu, 50),
        "cpu_per_tick": data["process_cpu"] / max(1, data["ticks"]),
        "scale_changes": data["scale_changes"],
        "status_bytes": data["status_bytes"],
        "cpu": data["cpu"],
    }
    say(
        f"\n== 3. Controller overhead: {data['functions']:,} synthetic functions, interval {data['interval']:g} s, "
        f"pinned to CPU {data['affinity']} =="
    )
    say(
        f"  ticks {summary['ticks']}, scale changes {summary['scale_changes']}, status document "
        f"{summary['status_bytes'] / 1024:.0f} KiB written per tick"
    )
    say(f"  loop lag   p50 {ms(summary['lag_p50'])}  p99 {ms(summary['lag_p99'])}  max {ms(summary['lag_max'])}")
    say(
        f"  tick wall  p50 {ms(summary['tick_wall_p50'])}  max {ms(summary['tick_wall_max'])}; "
        f"CPU per tick {summary['cpu_per_tick'] * 1000:.1f} ms (process) / p50 {ms(summary['tick_cpu_p50'])} (tick)"
    )
    say(
        f"  target: lag < {TARGET_LAG * 1000:.0f} ms (KEDA perf suite threshold) → "
        f"{verdict(summary['lag_max'] < TARGET_LAG)} (max)"
    )
    return summary


def report_activation(act: Activation, starts: WorkerStart, interval: float) -> dict[str, Any]:
    keda = keda_model(starts.first)
    p50, p95 = percentile(act.latency, 50), percentile(act.latency, 95)
    k50, k95 = percentile(keda, 50), percentile(keda, 95)
    summary = {
        "trials": len(act.latency),
        "p50": p50,
        "p95": p95,
        "min": min(act.latency),
        "max": max(act.latency),
        "keda_p50": k50,
        "keda_p95": k95,
        "ratio_p50": k50 / p50,
        "ratio_p95": k95 / p95,
        "detect_p50": percentile(act.detect, 50),
        "detect_p95": percentile(act.detect, 95),
        "start_p50": percentile(act.start, 50),
        "start_p95": percentile(act.start, 95),
        "send_p50": percentile(act.send, 50),
        "worker_first_p50": percentile(starts.first, 50),
        "worker_first_p95": percentile(starts.first, 95),
        "worker_ready_p50": percentile(starts.ready, 50),
        "worker_ready_p95": percentile(starts.ready, 95),
        "worker_trials": len(starts.first),
        "latencies": act.latency,
        "worker_first": starts.first,
        "worker_ready": starts.ready,
    }
    say(f"\n== 1. Activation latency from zero ({summary['trials']} trials, polling interval {interval:g} s) ==")
    say(
        f"  worker start (separate, {summary['worker_trials']} starts): spawn → /readyz p50 "
        f"{summary['worker_ready_p50']:.3f} s p95 {summary['worker_ready_p95']:.3f} s; spawn → first invocation of a "
        f"waiting message p50 {summary['worker_first_p50']:.3f} s p95 {summary['worker_first_p95']:.3f} s"
    )
    say(
        f"  funchost up:  p50 {p50:.3f} s  p95 {p95:.3f} s  (min {summary['min']:.3f}, max {summary['max']:.3f}); "
        f"of which sent → worker spawned p50 {summary['detect_p50']:.3f} s, spawned → invoked p50 "
        f"{summary['start_p50']:.3f} s"
    )
    say(
        f"  KEDA model:   p50 {k50:.3f} s  p95 {k95:.3f} s  (uniform poll wait over {KEDA_POLLING_INTERVAL:g} s + "
        "funchost's measured spawn → first invocation)"
    )
    say(f"  ratio KEDA/funchost: p50 {summary['ratio_p50']:.1f}×  p95 {summary['ratio_p95']:.1f}×")
    say(f"  target: p50 ≤ {TARGET_ACTIVATION_P50:g} s → {verdict(p50 <= TARGET_ACTIVATION_P50)}")
    return summary


def report_drain(drain: Drain, baseline: Baseline) -> dict[str, Any]:
    ideal_peak = drain.messages / (drain.peak * baseline.rate)
    ideal_mean = drain.messages / (drain.mean_replicas * baseline.rate)
    from_first = drain.last_finished - drain.first_started
    seconds = drain.seconds
    summary: dict[str, Any] = {
        "messages": drain.messages,
        "max_replicas": drain.max_replicas,
        "one_worker_rate": baseline.rate,
        "one_worker_processed": baseline.processed,
        "one_worker_window": baseline.window,
        "one_worker_azurite_cpu_per_message": baseline.azurite_cpu_per_message,
        "azurite_cpu_per_message": drain.azurite_cpu / drain.messages,
        "one_worker_cpu": baseline.cpu_seconds,
        "peak": drain.peak,
        "mean_replicas": drain.mean_replicas,
        "drain_seconds": seconds,
        "first_tick_after_launch": (drain.first_tick - drain.launched) if drain.first_tick else None,
        "first_invocation_after_launch": drain.first_started - drain.launched,
        "from_first_invocation": from_first,
        "ideal_peak": ideal_peak,
        "ideal_mean": ideal_mean,
        "ratio_peak": seconds / ideal_peak,
        "ratio_mean": seconds / ideal_mean,
        "ratio_from_first": from_first / ideal_peak,
        "mid_rate": drain.mid_rate,
        "mid_efficiency": drain.mid_rate / (drain.peak * baseline.rate),
        "worker_cpu": drain.worker_cpu,
        "azurite_cpu": drain.azurite_cpu,
        "controller_cpu": drain.controller_cpu,
        "duplicates": drain.duplicates,
        "changes": [(at - drain.launched, a, b) for at, a, b in drain.changes],
        "enqueue_seconds": [baseline.enqueue_seconds, drain.enqueue_seconds],
    }
    say(
        f"\n== 2. Drain of {drain.messages:,} messages, max {drain.max_replicas} replicas "
        "(work: asyncio.sleep, I/O-bound) =="
    )
    say(
        f"  one worker (funchost start, same {baseline.messages:,} backlog): r1 = {baseline.rate:.2f} msg/s "
        f"({baseline.processed} finished {baseline.window[0]:.0f}–{baseline.window[1]:.0f} s after its first "
        f"invocation); Azurite CPU {baseline.azurite_cpu_per_message * 1000:.1f} ms/message"
    )
    changes = ", ".join(f"{a}→{b} at {at:.1f} s" for at, a, b in summary["changes"])
    say(
        f"  funchost up: all processed {seconds:.1f} s after launch "
        f"(first tick +{summary['first_tick_after_launch']:.2f} s, "
        f"first invocation +{summary['first_invocation_after_launch']:.2f} s); replicas: {changes}"
    )
    say(
        f"  replicas: peak {drain.peak}, time-weighted mean {drain.mean_replicas:.2f} over launch → last message; "
        f"middle-50 % rate {drain.mid_rate:.1f} msg/s = {summary['mid_efficiency']:.0%} of {drain.peak} × r1"
    )
    say(
        f"  ideal (N = peak {drain.peak}): {ideal_peak:.1f} s → ratio {summary['ratio_peak']:.2f}× "
        f"(from first invocation: {summary['ratio_from_first']:.2f}×); ideal (N = mean {drain.mean_replicas:.2f}): "
        f"{ideal_mean:.1f} s → ratio {summary['ratio_mean']:.2f}×"
    )
    busy = drain.worker_cpu + drain.azurite_cpu + drain.controller_cpu
    say(
        f"  CPU over the drain: workers {drain.worker_cpu:.1f} s, Azurite {drain.azurite_cpu:.1f} s, controller "
        f"{drain.controller_cpu:.1f} s = {busy / seconds:.2f} of 2 cores (Azurite "
        f"{summary['azurite_cpu_per_message'] * 1000:.1f} ms/message); duplicate deliveries {drain.duplicates}"
    )
    ok = summary["ratio_peak"] <= TARGET_DRAIN_RATIO
    say(f"  target: drain ≤ {TARGET_DRAIN_RATIO:g}× ideal (N = peak) → {verdict(ok)}")
    return summary


async def run_all(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    when = datetime.datetime.now(datetime.UTC)
    results: dict[str, Any] = {"date": when.isoformat(timespec="seconds"), "machine": machine(), "args": vars(args)}
    say(f"bench/scale.py — {when:%Y-%m-%d %H:%M} UTC — {results['machine']}")
    began = time.monotonic()
    if "overhead" in args.parts:
        say(f"\n[3] controller overhead: {args.functions} synthetic functions for {args.overhead_seconds:g} s ...")
        data = measure_overhead(args.functions, args.overhead_seconds, args.overhead_interval, args.overhead_cpu)
        results["overhead"] = report_overhead(data)
    if not {"activation", "drain"} & set(args.parts):
        return results
    if "activation" in args.parts:
        say(f"\n[1] worker start ({args.worker_starts} + 1 warm-up) and activation ({args.trials} + 1 warm-up) ...")
        azurite = Azurite(workdir, "activation")
        try:
            # no work: the message is deleted at once, so the app is idle again sooner (latency ends at the start)
            starts = await measure_worker_start(azurite, workdir, args.worker_starts, 0.0)
            act = await measure_activation(azurite, workdir, args.trials, args.polling_interval, 0.0)
        finally:
            azurite.stop()
        results["activation"] = report_activation(act, starts, args.polling_interval)
    if "drain" in args.parts:
        window = f"{args.baseline_seconds:g} s" if args.baseline_seconds else "all"
        say(f"\n[2] one worker on {args.messages:,} messages ({window}), then funchost up on {args.messages:,} ...")
        azurite = Azurite(workdir, "baseline")  # a fresh one each: both start from the same state
        try:
            baseline = await measure_baseline(azurite, workdir, args.messages, args.work_seconds, args.baseline_seconds)
        finally:
            azurite.stop()
        azurite = Azurite(workdir, "drain")
        try:
            drain = await measure_drain(
                azurite, workdir, args.messages, args.max_replicas, args.work_seconds, args.polling_interval
            )
        finally:
            azurite.stop()
        results["drain"] = report_drain(drain, baseline)
        results["drain"]["samples"] = [vars(s) for s in drain.samples]
        results["drain"]["launched"] = drain.launched
        if args.plot:
            plot_timeline(drain, baseline, Path(args.plot), when)
            say(f"  plot: {args.plot}")
    results["seconds"] = time.monotonic() - began
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--parts",
        default="overhead,activation,drain",
        type=lambda s: s.split(","),
        help="comma-separated: overhead, activation, drain (default all)",
    )
    parser.add_argument("--trials", type=int, default=20, help="activation trials (default 20, + 1 warm-up)")
    parser.add_argument("--worker-starts", type=int, default=10, help="separate worker starts (default 10)")
    parser.add_argument("--polling-interval", type=float, default=1.0, help="funchost up polling (default 1 s)")
    parser.add_argument("--messages", type=int, default=5000, help="backlog to drain (default 5000)")
    parser.add_argument("--max-replicas", type=int, default=4, help="funchost up --max-replicas (default 4)")
    parser.add_argument(
        "--work-seconds", type=float, default=2.5, help="mean asyncio.sleep per message in the drain (default 2.5)"
    )
    parser.add_argument(
        "--baseline-seconds", type=float, default=50.0, help="one worker's measuring window (default 50; 0 = all)"
    )
    parser.add_argument("--functions", type=int, default=1000, help="synthetic functions (default 1000)")
    parser.add_argument("--overhead-seconds", type=float, default=20.0, help="controller overhead run (default 20)")
    parser.add_argument("--overhead-interval", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--overhead-cpu", type=int, default=1, help="the core for the overhead run (default 1)")
    parser.add_argument("--plot", default=str(PLOT), help=f"timeline PNG (default {PLOT.relative_to(ROOT)}; '' = none)")
    parser.add_argument("--json", help="also write all results (with raw samples) to this file")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, records) and print it")
    parser.add_argument("--overhead-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.overhead_child:
        print(
            json.dumps(
                run_overhead_child(args.functions, args.overhead_seconds, args.overhead_interval, args.overhead_cpu)
            )
        )
        return 0
    unknown = set(args.parts) - {"overhead", "activation", "drain"}
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    workdir = Path(tempfile.mkdtemp(prefix="funchost-bench-scale-"))
    try:
        results = asyncio.run(run_all(args, workdir))
    finally:
        if args.keep:
            say(f"\nwork folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    summary: list[tuple[str, float | None, Callable[[float], bool]]] = [
        ("activation p50 ≤ 1 s", results.get("activation", {}).get("p50"), lambda v: v <= TARGET_ACTIVATION_P50),
        ("drain ≤ 1.2× ideal", results.get("drain", {}).get("ratio_peak"), lambda v: v <= TARGET_DRAIN_RATIO),
        ("loop lag < 100 ms", results.get("overhead", {}).get("lag_max"), lambda v: v < TARGET_LAG),
    ]
    say("\n== Summary ==")
    for name, value, ok in summary:
        if value is not None:
            say(f"  {name:<24} {value:8.3f}  {verdict(ok(value))}")
    if "seconds" in results:
        say(f"  (total {results['seconds']:.0f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
