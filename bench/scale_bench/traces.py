"""Part 5: scaling quality on load traces — the controller's own rule (`decide`) replayed over simulated workers
whose start time and rate are measured on real workers (trace_workers), side by side with KEDA + HPA defaults and
the oracle's lower bound (`scale_controller.replay`), with a replicas-vs-backlog plot per trace.

Traces: (a) `burst` — 5,000 messages in one second after 10 s idle; (b) `ramp` — 0 → 100 msg/s over 300 s, then
60 s at 100 msg/s; (c) `spike-after-idle` — 60 s at 5 msg/s, 900 s idle (past both controllers' cooldown to 0),
then 2,000 messages over 5 s; (d) a CSV (`--trace-csv`, default bench/scale_bench/sample_trace.csv).
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from bench.common.procs import ROOT, say
from bench.scale_bench.trace_plot import plot_trace
from bench.scale_bench.trace_workers import Measured, measure_workers
from scale_controller.policy import LOCAL
from scale_controller.replay import Comparison, checks, compare, ratio
from scale_controller.replay_pool import Workers
from scale_controller.replay_render import render
from scale_controller.replay_trace import Trace, read_csv

SAMPLE_CSV = ROOT / "bench" / "scale_bench" / "sample_trace.csv"
PLOTS = ROOT / "docs"
TARGET = 24.0  # the queue scaler's target for the app: batchSize 16 + newBatchThreshold 8 (docs/scaling.md)


def burst() -> Trace:
    return Trace("burst", (0,) * 10 + (5000,))


def ramp() -> Trace:
    up = tuple(round(100 * (i + 1) / 300) for i in range(300))
    return Trace("ramp", (0,) * 10 + up + (100,) * 60)


def spike_after_idle() -> Trace:
    return Trace("spike-after-idle", (0,) * 10 + (5,) * 60 + (0,) * 900 + (400,) * 5)


def plot_path(trace: Trace) -> Path:
    return PLOTS / f"scaling-trace-{trace.name}.png"


async def run_traces(workdir: Path, csv: Path, phases: int, plot: bool, when: datetime.datetime) -> dict[str, Any]:
    say("  measuring a real worker of bench/apps/scale_queue on the shared Azurite (nothing cached) ...")
    measured = await measure_workers(workdir)
    say(_measured(measured))
    # funchost up's pool keeps a standby (promoted in the measured time); KEDA's pods start cold, at the measured cold
    # start of a worker process: a lower bound for a pod (no scheduling, no container creation, no readiness probe).
    workers = Workers(measured.start, measured.rate, measured.slots, min(measured.promotion, measured.start))
    policy = LOCAL.policy(max_replicas=100)  # `funchost up`'s defaults, with KEDA's max 100 (up's own is 10)
    results: dict[str, Any] = {"workers": vars(measured), "target": TARGET, "phases": phases, "traces": {}}
    results["standby_start"] = workers.standby_start
    for trace in (burst(), ramp(), spike_after_idle(), read_csv(csv)):
        result = compare(trace, workers, policy, TARGET, phases=phases)
        say("\n" + render(result).rstrip())
        if plot:
            plot_trace(result, plot_path(trace), when)
            say(f"  plot: {plot_path(trace).relative_to(ROOT)}")
        results["traces"][trace.name] = trace_summary(result)
    return results


def _measured(m: Measured) -> str:
    starts = ", ".join(f"{s:.3f}" for s in m.starts)
    return (
        f"  measured: start (spawn → first message) median {m.start:.3f} s of [{starts}]; rate {m.rate:.2f} msg/s "
        f"({m.processed} finished {m.window[0]:g}–{m.window[1]:g} s after the first, work {m.work_seconds:g} s, "
        f"{m.slots} slots)\n  measured: standby promotion ('go' → first invocation) median {m.promotion:.3f} s of "
        f"[{', '.join(f'{p:.3f}' for p in m.promotions)}]; standby spawn → loaded "
        f"[{', '.join(f'{x:.3f}' for x in m.loaded)}] s"
    )


def trace_summary(result: Comparison) -> dict[str, Any]:
    ours, keda, plan = result.mean["funchost"], result.mean["KEDA + HPA"], result.schedule
    pairs = {"activation": (ours.activation, keda.activation), "age_p95": (ours.age_p95, keda.age_p95)}
    pairs |= {"drain": (ours.drain, keda.drain), "replica_seconds": (ours.replica_seconds, keda.replica_seconds)}
    return {
        "messages": result.trace.total,
        "seconds": result.trace.seconds,
        "oracle": vars(result.oracle),
        "schedule": {"feasible": plan.feasible, **vars(plan.outcome)},
        "controllers": {name: vars(o) for name, o in result.mean.items()},
        "vs_keda": {name: ratio(a, b) for name, (a, b) in pairs.items()},
        "vs_schedule": ratio(ours.replica_seconds, plan.outcome.replica_seconds),
        "equal_service": {
            name: {
                "wait_target": bound.wait_target,
                "bound": bound.replica_seconds,
                "schedule": same.outcome.replica_seconds,
                "vs_bound": ratio(result.mean[name].replica_seconds, bound.replica_seconds),
                "vs_schedule": ratio(result.mean[name].replica_seconds, same.outcome.replica_seconds),
            }
            for name, (bound, same) in result.equal_service.items()
        },
        "checks": [{"target": n, "value": v, "met": m} for n, v, m in checks(result)],
    }
