"""Part 3: the controller's own cost with 1,000 synthetic functions, in a child process pinned to one core."""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common.procs import PYTHON, ROOT

ENTRY = ROOT / "bench" / "scale.py"  # the child is this benchmark run with --overhead-child


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
    command = [PYTHON, str(ENTRY), "--overhead-child", "--functions", str(functions)]
    command += ["--overhead-seconds", str(seconds), "--overhead-interval", str(interval), "--overhead-cpu", str(cpu)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"overhead child failed ({result.returncode}):\n{result.stderr[-3000:]}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data
