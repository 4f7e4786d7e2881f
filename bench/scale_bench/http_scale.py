"""Part `http` of bench/scale.py: HTTP scale from zero and replicas following a load ramp, measured on real
processes (`funchost up` / `funchost start`) with the closed-loop generator of bench/common/http_load.py.

1. First request from zero: `funchost up` on an HTTP app with 0 workers and its standby loaded; one GET on a fresh
   connection; latency = connect → full answer; a refused, reset or non-200 answer counts as lost. Between trials
   the app returns to 0 (cooldown 0.5 s) and the next standby is loaded. Also a few trials with `--no-standby`.
2. Load ramp: clients (keep-alive connections in a closed loop) rise 4 → 64 and fall again against `/api/io`, an
   `asyncio.sleep(0.05)` (I/O-bound); host.json maxConcurrentRequests 16, so one worker runs 16 requests at once
   and queues the rest, and 16 is also the per-worker target. Three runs: `funchost up` (0..8 workers, poll 1 s),
   one fixed `funchost start` worker, and the KEDA HTTP add-on model (http_model.py).
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.common.http_load import Record, get_once, ramp, relay
from bench.common.procs import PYTHON, children, free_port, http_status, process_state, stop_process, tail
from bench.scale_bench.queue_app import promoted_at, stop_up, wait_for, worker_pids

APP = """
import asyncio

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="ping")
def ping(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("pong")


@app.route(route="io")
async def io(req: func.HttpRequest) -> func.HttpResponse:
    await asyncio.sleep(0.05)
    return func.HttpResponse("ok")
"""
HOST_JSON = '{"version": "2.0", "extensions": {"http": {"maxConcurrentRequests": 16}}}'
RAMP: tuple[tuple[float, int], ...] = (
    *((4.0, n) for n in (4, 8, 16, 24, 32, 48, 64)), (8.0, 64), (4.0, 32), (4.0, 8),
)  # fmt: skip


@dataclass
class Run:
    label: str
    record: Record
    seconds: float  # the ramp's length
    replicas: list[tuple[float, int]] = field(default_factory=list)  # (since the start, live workers)


def make_app(workdir: Path, name: str) -> Path:
    root = workdir / name
    root.mkdir(parents=True)
    (root / "function_app.py").write_text(APP)
    (root / "host.json").write_text(HOST_JSON)
    return root


def _env() -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}, "PYTHONUNBUFFERED": "1"}


def start_up(root: Path, port: int, log: Path, *flags: str) -> subprocess.Popen[bytes]:
    command = [PYTHON, "-m", "funchost.cli.main", "up", "--port", str(port), "--grace-period", "5", *flags]
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=root, env=_env(), stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip


def start_one(root: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([PYTHON, "-m", "funchost.cli.main", "start", "--port", str(port)], cwd=root,
                                env=_env(), stdout=out, stderr=subprocess.STDOUT)  # fmt: skip


def _ready(port: int) -> bool:
    try:
        return http_status(port, "/readyz") == 200
    except OSError:
        return False  # not listening yet


def standby_ready(up_pid: int) -> bool:
    for pid in children(up_pid):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"--standby" in argv and promoted_at(pid) is None and process_state(pid) not in ("Z", "X"):
                return "waiting for 'go'" in Path(os.readlink(f"/proc/{pid}/fd/1")).read_text(errors="replace")
        except OSError:
            continue
    return False


async def first_requests(workdir: Path, trials: int, standby: bool) -> tuple[list[float], int]:
    """Latencies of `trials` first requests from 0 workers (after one warm-up), and how many were lost."""
    root = make_app(workdir, f"first-{'standby' if standby else 'cold'}")
    port, log = free_port(), workdir / f"up-first-{standby}.log"
    flags = ["--cooldown-period", "0.5", "--stabilization-window", "0"] + ([] if standby else ["--no-standby"])
    up = start_up(root, port, log, *flags)
    latencies: list[float] = []
    lost, seen, rng = 0, set[int](), random.Random(3)
    try:
        for trial in range(trials + 1):
            await wait_for(lambda: up.poll() is not None or not worker_pids(up.pid), 60, "0 workers")
            if standby:
                await wait_for(lambda: up.poll() is not None or standby_ready(up.pid), 60, "a loaded standby")
            if up.poll() is not None:
                raise RuntimeError(f"funchost up exited with {up.returncode}:\n{tail(log)}")
            await asyncio.sleep(rng.uniform(0.1, 0.6))
            latency, status = await get_once(port, "/api/ping")
            seen.update(worker_pids(up.pid))
            if trial == 0:
                continue  # warm-up: a cold page cache
            if status == 200:
                latencies.append(latency)
            else:
                lost += 1
    finally:
        stop_up(up, seen)
    return latencies, lost


async def _sample(up_pid: int | None, began: float, into: list[tuple[float, int]], stop: asyncio.Event) -> None:
    while not stop.is_set():
        into.append((time.monotonic() - began, len(worker_pids(up_pid)) if up_pid else 1))
        await asyncio.sleep(0.25)


async def ramp_run(label: str, port: int, up_pid: int | None, steps: Sequence[tuple[float, int]] = RAMP) -> Run:
    stop, samples = asyncio.Event(), list[tuple[float, int]]()
    began = time.monotonic()
    sampler = asyncio.create_task(_sample(up_pid, began, samples, stop))
    record = await ramp(port, "/api/io", steps)
    stop.set()
    await sampler
    return Run(label, record, time.monotonic() - began, samples)


async def ramps(workdir: Path, max_replicas: int) -> list[Run]:
    runs = []
    root = make_app(workdir, "ramp-up")
    port, log = free_port(), workdir / "up-ramp.log"
    up = start_up(root, port, log, "--max-replicas", str(max_replicas))  # funchost up's own scaling defaults
    try:
        await wait_for(lambda: up.poll() is not None or standby_ready(up.pid), 90, "funchost up's standby")
        runs.append(await ramp_run("funchost up (0..N)", port, up.pid))
    finally:
        stop_up(up, worker_pids(up.pid))
    port = free_port()
    one = start_one(make_app(workdir, "ramp-one"), port, workdir / "one.log")
    try:
        await wait_for(lambda: _ready(port), 60, "the single worker")
        runs.append(await ramp_run("1 fixed worker", port, None))
        hop = free_port()
        async with relay(hop, port):  # the interceptor's extra hop, here a Python TCP relay
            runs.append(await ramp_run("KEDA HTTP add-on model", hop, None))
    finally:
        stop_process(one)
    return runs
