"""The oracle's feasible side: an actual clairvoyant schedule that keeps every wait ≤ `wait_target`, run through the
same simulator, so the optimum is bracketed: lower bound (replay_oracle) ≤ optimum ≤ this schedule's replica-seconds.

Construction (cold starts only, so it is realizable with or without a standby; no replica cap, as the bound):
- started workers per step, the least constant count that gets what waits now taken in time: at step k, with A
  arrived, T taken and C(j) the messages due by step j (arrived at j − D or earlier, D = ⌊W / DT⌋), n(k) = max over
  h ≤ D of ⌈(min(A, C(k + h)) − T) / (rate × DT × (h + 1))⌉; the workers take FIFO. What waits at k is all due by
  k + D, so every message is taken in time (later arrivals raise n later). It does not look ahead at arrivals, only
  at spawns, so it is feasible, not optimal.
- replicas: each worker needed at step t is spawned `start_seconds` before it and kept `slots / rate` after (to
  finish what it holds), so replicas(t) = max of the started counts over [t − hold, t + start].
The simulator then replays it as a scripted controller; `feasible` says whether every wait really stayed ≤ W.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from scale_controller.replay_metrics import Outcome
from scale_controller.replay_pool import DT, Workers
from scale_controller.replay_sim import simulate
from scale_controller.replay_trace import Trace


@dataclass(frozen=True)
class Schedule:
    wait_target: float
    outcome: Outcome  # replica_seconds: the feasible upper end of the bracket
    feasible: bool  # every simulated wait ≤ wait_target


@dataclass
class _Scripted:
    replicas: list[int]
    name: str = "oracle (schedule)"

    def step(self, now: float, metric: float, current: int) -> int:
        k = round(now / DT)
        return self.replicas[k] if k < len(self.replicas) else 0


def started_profile(trace: Trace, workers: Workers, wait_target: float) -> list[int]:
    """Started workers wanted at each step (see the module docstring)."""
    per_step = round(1 / DT)
    arrive = [trace.arrivals[s // per_step] / per_step for s in range(trace.seconds * per_step)]
    late = math.floor(wait_target / DT + 1e-9)
    due = [0.0] * (len(arrive) + late + 1)  # due[j]: arrived at j − late or earlier
    for j, amount in enumerate(arrive):
        due[j + late] += amount
    for j in range(1, len(due)):
        due[j] += due[j - 1]
    cap = workers.rate * DT
    profile = [0] * len(due)
    arrived = taken = 0.0
    for k in range(len(due)):
        arrived += arrive[k] if k < len(arrive) else 0.0
        n = 0
        for h in range(late + 1):  # all that waits now is due by k + late
            need = math.ceil((min(arrived, due[min(k + h, len(due) - 1)]) - taken) / (cap * (h + 1)) - 1e-9)
            n = max(n, need)
        taken = min(arrived, taken + n * cap)
        profile[k] = n
    return profile


def replicas_for(started: list[int], workers: Workers) -> list[int]:
    """replicas(t) = max of started over [t − hold, t + start]: spawned a start ahead, kept to finish what it holds."""
    ahead = round(workers.start_seconds / DT)
    behind = max(1, round(workers.slots / workers.rate / DT))
    padded = started + [0] * (ahead + behind)
    return [max(padded[max(0, t - behind) : t + ahead + 1]) for t in range(len(started) + behind)]


def schedule(trace: Trace, workers: Workers, wait_target: float) -> Schedule:
    cold = replace(workers, standby_start=None)
    replicas = replicas_for(started_profile(trace, cold, wait_target), cold)
    outcome = simulate(trace, cold, _Scripted(replicas)).outcome
    feasible = outcome.unfinished < 1e-6 and not outcome.age_max > wait_target + 1e-6
    return Schedule(wait_target, outcome, feasible)
