"""Part 1: a worker's start time, and activation latency from zero workers, against KEDA's polling model."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.common.procs import free_port, http_status, process_started_at, stop_process, tail
from bench.scale_bench.queue_app import (
    Azurite,
    Done,
    Record,
    app_copy,
    app_env,
    create_queue,
    enqueue_many,
    message_body,
    promoted_at,
    read_status,
    start_up,
    start_worker,
    stop_up,
    wait_for,
    worker_pids,
)
from bench.scale_bench.settings import KEDA_POLLING_INTERVAL


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
