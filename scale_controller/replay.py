"""Replaying a load trace: funchost's rule and KEDA + HPA side by side over the simulated pool, against the oracle
bracketed by its lower bound and a feasible schedule, with the issue's targets checked (`funchost scale replay`,
bench/scale.py --parts traces).

Each controller runs `phases` times, its first tick at an even fraction of its polling interval (where the load
lands in the poll changes activation by up to a whole interval); the table shows the mean over phases, and the run
of the middle phase is kept for plotting.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

from scale_controller.policy import Policy
from scale_controller.replay_controllers import Funchost, Keda, with_phase
from scale_controller.replay_metrics import Outcome
from scale_controller.replay_oracle import Bound, lower_bound
from scale_controller.replay_pool import Workers
from scale_controller.replay_schedule import Schedule, schedule
from scale_controller.replay_sim import Run, simulate
from scale_controller.replay_trace import Trace

# The targets (issue 16): funchost against KEDA's defaults and against the oracle.
TARGET_ACTIVATION = 0.1  # ≤ 1/10 of KEDA's activation latency
TARGET_AGE_P95 = 0.5  # ≤ 0.5 × KEDA's backlog-age p95
TARGET_REPLICA_SECONDS = 1.1  # ≤ 1.1 × the oracle


@dataclass(frozen=True)
class Comparison:
    trace: Trace
    workers: Workers
    oracle: Bound  # the lower bound: the optimum is at or above it
    schedule: Schedule  # a feasible schedule: the optimum is at or below it
    mean: dict[str, Outcome]  # per controller name, mean over phases
    runs: dict[str, Run]  # per controller name, the middle phase's run
    # per controller name, the oracle's bracket at that controller's own longest wait (its mean age_max): the cost of
    # the same service, so a controller cannot look cheap by letting messages wait longer than the oracle may
    equal_service: dict[str, tuple[Bound, Schedule]]


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
    """funchost's rule with `policy` polling every `interval` over `workers` (with its standby, if it has one), KEDA +
    HPA with their defaults (and the same replica range) over the same workers without a standby (pods start cold).
    `wait_target` None: the wait the controller's target implies, target / rate (a replica's share of the backlog,
    taken at one worker's rate)."""
    wait = target / workers.rate if wait_target is None else wait_target
    # KEDA + HPA keep their defaults; only the app's replica range is shared.
    keda = Policy(min_replicas=policy.min_replicas, max_replicas=policy.max_replicas)
    controllers: list[Funchost | Keda] = [Funchost(policy, target, interval), Keda(keda, target)]
    mean: dict[str, Outcome] = {}
    runs: dict[str, Run] = {}
    pools = {"funchost": workers, "KEDA + HPA": replace(workers, standby_start=None)}
    for controller in controllers:
        pool = pools[controller.name]
        done = [simulate(trace, pool, with_phase(controller, k / phases)) for k in range(phases)]
        mean[controller.name] = _mean([r.outcome for r in done])
        runs[controller.name] = done[phases // 2]
    equal = {
        name: (lower_bound(trace, workers, o.age_max), schedule(trace, workers, o.age_max))
        for name, o in mean.items()
        if math.isfinite(o.age_max)
    }
    return Comparison(
        trace, workers, lower_bound(trace, workers, wait), schedule(trace, workers, wait), mean, runs, equal
    )


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
    """(target, funchost's ratio or count, met) — None when it cannot be computed (e.g. no activation) or, for
    replica-seconds (ratio to the bound), when the target lies between the bound and the feasible schedule. The last
    row is funchost's own stricter reading of the oracle target: the oracle held to funchost's own longest wait."""
    ours, keda = result.mean["funchost"], result.mean["KEDA + HPA"]
    activation = ratio(ours.activation, keda.activation)
    age = ratio(ours.age_p95, keda.age_p95)
    spent, met = _against(ours.replica_seconds, result.oracle, result.schedule)
    rows = [
        ("activation ≤ 0.1× KEDA", activation, None if activation is None else activation <= TARGET_ACTIVATION),
        ("backlog-age p95 ≤ 0.5× KEDA", age, None if age is None else age <= TARGET_AGE_P95),
        ("replica-seconds ≤ 1.1× oracle", spent, met),
        ("no flapping (flaps)", float(ours.flaps), ours.flaps == 0),
    ]
    if "funchost" in result.equal_service:
        rows.append(
            ("equal-service replica-s ≤ 1.1×", *_against(ours.replica_seconds, *result.equal_service["funchost"]))
        )
    return rows


def _against(spent: float, bound: Bound, plan: Schedule) -> tuple[float | None, bool | None]:
    """(spent / bound, met): met within 1.1× the bound, missed above 1.1× a feasible schedule, None in between."""
    low, high = ratio(spent, bound.replica_seconds), ratio(spent, plan.outcome.replica_seconds)
    if low is not None and low <= TARGET_REPLICA_SECONDS:
        return low, True  # within 1.1× of the bound, so of the optimum too
    if high is not None and high > TARGET_REPLICA_SECONDS and plan.feasible:
        return low, False  # above 1.1× a feasible schedule, so above 1.1× the optimum too
    return low, None


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or not math.isfinite(a) or not math.isfinite(b):
        return None
    return a / b if b > 0 else (1.0 if a == 0 else math.inf)
