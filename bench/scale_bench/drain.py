"""Part 2: one worker's rate on a backlog, then `funchost up` draining the same backlog, against the ideal."""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.common.procs import cpu_seconds, free_port, process_started_at, stop_process, tail
from bench.scale_bench.queue_app import (
    Azurite,
    Record,
    app_copy,
    app_env,
    create_queue,
    enqueue_many,
    promoted_at,
    read_status,
    start_up,
    start_worker,
    stop_up,
    worker_pids,
)


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
