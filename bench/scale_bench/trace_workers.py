"""Part 5's worker parameters, measured on real `funchost start` workers of bench/apps/scale_queue on the SHARED
Azurite (127.0.0.1:10001, a uuid-named queue deleted afterwards): time to first message and messages per second.

- start: spawn of `funchost start` → the first invocation of a message already waiting (the function's own clock),
  `starts` times after one discarded warm-up; the median is the simulated worker's start time.
- standby: a `funchost start --standby` worker, spawned as LocalProcessTarget spawns its standby, is left to print
  "standby: app loaded"; then a message is enqueued and 'go' written on its stdin. Promotion = writing 'go' → the
  first invocation of that message, `starts` times (median); loaded = spawn → "app loaded" (not simulated: the
  simulator takes the cold start minus the promotion).
- rate: one worker on a backlog of `messages`, the least-squares slope of finishes from `skip` s after its first
  invocation to `window` s after it (`drain.fitted_rate`), with the same work as the drain part (sleep 2.5 s mean).
The backlog is kept small so the shared instance (whose cost per operation grows with what it holds) is not loaded.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from bench.common.azurite import queue_connection_string
from bench.common.procs import PYTHON, free_port, stop_process, tail
from bench.scale_bench.drain import fitted_rate
from bench.scale_bench.queue_app import Record, app_copy, create_queue, enqueue_many, start_worker

LOADED = b"standby: app loaded"

SHARED_QUEUE_PORT = 10001


@dataclass(frozen=True)
class Measured:
    starts: tuple[float, ...]  # seconds, spawn → first invocation
    start: float  # their median
    rate: float  # msg/s of one worker
    processed: int  # messages in the rate window
    window: tuple[float, float]
    work_seconds: float
    slots: int  # batchSize + newBatchThreshold of the app's host.json
    promotions: tuple[float, ...] = ()  # seconds, 'go' written → first invocation
    promotion: float = 0.0  # their median
    loaded: tuple[float, ...] = ()  # seconds, standby spawn → "app loaded"


def _env(conn: str, queue: str, record: Path, work: float) -> dict[str, str]:
    return {**os.environ, "AzureWebJobsStorage": conn, "SCALE_QUEUE": queue, "WORK_RECORD": str(record),
            "WORK_SECONDS": str(work), "PYTHONUNBUFFERED": "1"}  # fmt: skip


async def _first(app: Path, env: dict[str, str], record: Record, log: Path) -> float:
    spawned = time.time()
    worker = start_worker(app, env, free_port(), log)
    try:
        deadline = time.monotonic() + 30
        while not (new := record.poll()):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker start: no invocation in 30 s:\n{tail(log)}")
            await asyncio.sleep(0.005)
        return new[0].started - spawned
    finally:
        stop_process(worker, timeout=15)


def _spawn_standby(app: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """A standby worker, as LocalProcessTarget._spawn(standby=True) starts it (but bound to 127.0.0.1)."""
    command = [PYTHON, "-m", "funchost.cli.main", "start", "--script-root", str(app), "--host", "127.0.0.1"]
    command += ["--port", str(free_port()), "--reuse-port", "--grace-period", "5", "--standby"]
    with log.open("ab") as out:
        return subprocess.Popen(
            command, cwd=app, env=env, stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def _loaded(log: Path) -> bool:
    return log.exists() and LOADED in log.read_bytes()


async def _promoted(
    app: Path, env: dict[str, str], record: Record, log: Path, send: Callable[[], Any]
) -> tuple[float, float]:
    """(spawn → loaded, 'go' → first invocation) of one standby worker (`log`: a new file)."""
    spawned = time.time()
    worker = _spawn_standby(app, env, log)
    try:
        deadline = time.monotonic() + 30
        while not _loaded(log):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"standby: not loaded in 30 s:\n{tail(log)}")
            await asyncio.sleep(0.005)
        loaded = time.time() - spawned
        await send()  # the message waits before the promotion, as the backlog that caused the scale-out
        assert worker.stdin is not None
        go = time.time()
        worker.stdin.write(b"go\n")
        worker.stdin.close()
        while not (new := record.poll()):
            if worker.poll() is not None or time.monotonic() > deadline + 30:
                raise RuntimeError(f"standby: no invocation after 'go':\n{tail(log)}")
            await asyncio.sleep(0.005)
        return loaded, new[0].started - go
    finally:
        stop_process(worker, timeout=15)


async def measure_workers(
    workdir: Path, starts: int = 5, messages: int = 400, work: float = 2.5, skip: float = 5.0, window: float = 35.0
) -> Measured:
    from azure.storage.queue.aio import QueueClient

    conn = queue_connection_string(SHARED_QUEUE_PORT)
    app = app_copy(workdir, "traces-worker")
    queue = f"traces-{uuid.uuid4().hex[:12]}"
    await create_queue(conn, queue)
    log = workdir / "traces-worker.log"
    try:
        record = Record(workdir / "traces-start.txt")
        env = _env(conn, queue, record.path, 0.0)
        times = []
        for trial in range(starts + 1):
            await enqueue_many(conn, queue, 1, f"s{trial}", concurrency=1)
            took = await _first(app, env, record, log)
            if trial:  # the first start warms the page cache
                times.append(took)
        promoted = []
        for trial in range(starts):
            send = partial(enqueue_many, conn, queue, 1, f"p{trial}", concurrency=1)
            promoted.append(await _promoted(app, env, record, workdir / f"traces-standby-{trial}.log", send))
        record = Record(workdir / "traces-rate.txt")
        env = _env(conn, queue, record.path, work)
        await enqueue_many(conn, queue, messages, "r")
        worker = start_worker(app, env, free_port(), log)
        first: float | None = None
        try:
            deadline = time.monotonic() + window + 60
            while first is None or time.time() < first + window + 1:
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"rate: {len(record.rows)} processed:\n{tail(log)}")
                if record.poll() and first is None:
                    first = min(r.started for r in record.rows.values())
                await asyncio.sleep(0.1)
        finally:
            stop_process(worker, timeout=15)
        record.poll()
        assert first is not None
        done = [r.finished for r in record.rows.values() if first + skip <= r.finished <= first + window]
        if len(record.rows) >= messages:
            raise RuntimeError(f"rate: the backlog of {messages} ran out inside the window; enqueue more")
    finally:
        async with QueueClient.from_connection_string(conn, queue) as client:
            await client.delete_queue()
    rate = fitted_rate(done)
    promotions = tuple(p for _, p in promoted)
    return Measured(
        tuple(times), statistics.median(times), rate, len(done), (skip, window), work, _slots(app),
        promotions, statistics.median(promotions), tuple(loaded for loaded, _ in promoted),
    )  # fmt: skip


def _slots(app: Path) -> int:
    queues = json.loads((app / "host.json").read_text())["extensions"]["queues"]
    return int(queues["batchSize"]) + int(queues["newBatchThreshold"])
