"""Replaying a load trace: funchost's rule and KEDA + HPA side by side over the simulated pool, against the oracle's
lower bound, with the issue's targets checked (`funchost scale replay`, bench/scale.py --parts traces).

Each controller runs `phases` times, its first tick at an even fraction of its polling interval (where the load
lands in the poll changes activation by up to a whole interval); the table shows the mean over phases, and the run
of the middle phase is kept for plotting.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields

from scale_controller.policy import Policy
from scale_controller.replay_controllers import Funchost, Keda, with_phase
from scale_controller.replay_metrics import Outcome
from scale_controller.replay_oracle import Bound, lower_bound
from scale_controller.replay_sim import Run, Workers, simulate
from scale_controller.replay_trace import Trace

# The targets (issue 16): funchost against KEDA's defaults and against the oracle.
TARGET_ACTIVATION = 0.1  # ≤ 1/10 of KEDA's activation latency
TARGET_AGE_P95 = 0.5  # ≤ 0.5 × KEDA's backlog-age p95
TARGET_REPLICA_SECONDS = 1.1  # ≤ 1.1 × the oracle


@dataclass(frozen=True)
class Comparison:
    trace: Trace
    workers: Workers
    oracle: Bound
    mean: dict[str, Outcome]  # per controller name, mean over phases
    runs: dict[str, Run]  # per controller name, the middle phase's run


def compare(
    trace: Trace,
    workers: Workers,
    policy: Policy,
    target: float,
    *,
    interval: float = 1.0,
    wait_target: float | None = None,
    phases: int = 5,
) -> Comparison:
    """funchost's rule with `policy` polling every `interval`, KEDA + HPA with their defaults (and the same replica
    range). `wait_target` None: the wait the controller's target implies, target / rate (a replica's share of the
    backlog, taken at one worker's rate)."""
    wait = target / workers.rate if wait_target is None else wait_target
    # KEDA + HPA keep their defaults; only the app's replica range is shared.
    keda = Policy(min_replicas=policy.min_replicas, max_replicas=policy.max_replicas)
    controllers: list[Funchost | Keda] = [Funchost(policy, target, interval), Keda(keda, target)]
    mean: dict[str, Outcome] = {}
    runs: dict[str, Run] = {}
    for controller in controllers:
        done = [simulate(trace, workers, with_phase(controller, k / phases)) for k in range(phases)]
        mean[controller.name] = _mean([r.outcome for r in done])
        runs[controller.name] = done[phases // 2]
    return Comparison(trace, workers, lower_bound(trace, workers, wait), mean, runs)


def _mean(outcomes: Sequence[Outcome]) -> Outcome:
    values: dict[str, object] = {}
    for f in fields(Outcome):
        column = [getattr(o, f.name) for o in outcomes]
        if any(v is None for v in column):
            values[f.name] = None
        elif f.type in ("int", int):
            values[f.name] = round(sum(column) / len(column))
        else:
            values[f.name] = sum(column) / len(column)
    return Outcome(**values)  # type: ignore[arg-type]


def checks(result: Comparison) -> list[tuple[str, float | None, bool | None]]:
    """(target, funchost's ratio or count, met) — None when it cannot be computed (e.g. no activation)."""
    ours, keda = result.mean["funchost"], result.mean["KEDA + HPA"]
    activation = _ratio(ours.activation, keda.activation)
    age = _ratio(ours.age_p95, keda.age_p95)
    spent = _ratio(ours.replica_seconds, result.oracle.replica_seconds)
    return [
        ("activation ≤ 0.1× KEDA", activation, None if activation is None else activation <= TARGET_ACTIVATION),
        ("backlog-age p95 ≤ 0.5× KEDA", age, None if age is None else age <= TARGET_AGE_P95),
        ("replica-seconds ≤ 1.1× oracle", spent, None if spent is None else spent <= TARGET_REPLICA_SECONDS),
        ("no flapping (flaps)", float(ours.flaps), ours.flaps == 0),
    ]


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or not math.isfinite(a) or not math.isfinite(b):
        return None
    return a / b if b > 0 else (1.0 if a == 0 else math.inf)


def render(result: Comparison) -> str:
    trace, w, oracle = result.trace, result.workers, result.oracle
    lines = [
        f"Trace {trace.name}: {trace.total:,} messages over {trace.seconds:,} s; workers start in "
        f"{w.start_seconds:.3g} s, take {w.rate:.3g} msg/s, hold {w.slots}",
        f"Oracle (lower bound, waits ≤ {oracle.wait_target:.2f} s): {oracle.replica_seconds:,.0f} replica-seconds "
        f"= {oracle.busy_seconds:,.0f} busy + {oracle.workers} starts × {w.start_seconds:.3g} s",
        "",
    ]
    header = ("controller", "activation s", "age p50 s", "age p95 s", "drain s", "replica-s", "idle", "peak", "turns")
    rows = [header]
    for name, o in result.mean.items():
        rows.append(
            (
                name,
                "-" if o.activation is None else f"{o.activation:.2f}",
                f"{o.age_p50:.2f}",
                f"{o.age_p95:.2f}",
                f"{o.drain:.1f}",
                f"{o.replica_seconds:,.0f}",
                f"{o.idle_seconds:,.0f}",
                str(o.peak),
                f"{o.direction_changes} ({o.flaps} flaps)",
            )
        )
    rows.append(
        (
            "oracle (bound)",
            "-",
            "-",
            f"≤ {oracle.wait_target:.2f}",
            "-",
            f"{oracle.replica_seconds:,.0f}",
            "-",
            str(oracle.workers),
            "-",
        )
    )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines += [
        "  ".join(cell.rjust(wd) if i else cell.ljust(wd) for i, (cell, wd) in enumerate(zip(r, widths, strict=True)))
        for r in rows
    ]
    ours, keda = result.mean["funchost"], result.mean["KEDA + HPA"]
    pairs = [("activation", ours.activation, keda.activation), ("age p95", ours.age_p95, keda.age_p95)]
    pairs += [("drain", ours.drain, keda.drain), ("replica-s", ours.replica_seconds, keda.replica_seconds)]
    lines.append("funchost / KEDA: " + ", ".join(f"{n} {_times(_ratio(a, b))}" for n, a, b in pairs))
    lines.append(
        "vs the oracle's replica-seconds: "
        + ", ".join(f"{n} {_times(_ratio(o.replica_seconds, oracle.replica_seconds))}" for n, o in result.mean.items())
    )
    lines.append("")
    for name, value, met in checks(result):
        shown = "n/a" if value is None else f"{value:.3g}"
        lines.append(f"  {name:<32} {shown:>8}  {'n/a' if met is None else 'met' if met else 'MISSED'}")
    return "\n".join(lines) + "\n"


def _times(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio:.3g}×"
