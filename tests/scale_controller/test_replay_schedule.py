"""The oracle's feasible schedule (scale_controller/replay_schedule.py): its pieces computed by hand, and the bracket
it makes with the lower bound (bound ≤ schedule, every simulated wait ≤ W) on a burst, a ramp and a trickle."""

from __future__ import annotations

import pytest

from scale_controller.replay_oracle import lower_bound
from scale_controller.replay_pool import Workers
from scale_controller.replay_schedule import replicas_for, schedule, started_profile
from scale_controller.replay_trace import Trace

WORKERS = Workers(start_seconds=1.0, rate=10.0, slots=10, standby_start=0.2)


def test_started_profile_by_hand() -> None:
    # 10 messages over one second, 1 per 0.1 s step; 1 message per step per worker; W = 0: each is taken on arrival
    assert started_profile(Trace("t", (10,)), WORKERS, 0.0) == [1] * 10 + [0]
    # W = 0.5 s: what waits at a step is spread over the steps left until its deadline, so 1 worker still does
    assert max(started_profile(Trace("t", (10,)), WORKERS, 0.5)) == 1
    # 50 at once would need 5 per step at W = 0; a whole burst of 100 in 1 s with W = 0.4 s: ⌈100 / (14 steps)⌉ → 8
    assert max(started_profile(Trace("t", (100,)), WORKERS, 0.4)) <= 10


def test_replicas_are_spawned_a_start_ahead_and_kept_to_finish_what_they_hold() -> None:
    workers = Workers(start_seconds=0.2, rate=10.0, slots=1)  # 2 steps to start, 1 step to finish what it holds
    assert replicas_for([0, 0, 2, 2, 0, 0, 0, 0], workers) == [2, 2, 2, 2, 2, 0, 0, 0, 0]
    # the hold outlasts the profile: a worker needed at its last step is kept `slots / rate` past it
    holding = Workers(start_seconds=0.1, rate=10.0, slots=3)  # 1 step to start, 3 steps to finish what it holds
    assert replicas_for([0, 1, 1], holding) == [1, 1, 1, 1, 1, 1]


TRACES = [
    Trace("burst", (0,) * 5 + (500,)),
    Trace("ramp", (0,) + tuple(range(0, 60, 2))),
    Trace("trickle", (0, 0) + (3, 0, 0, 7, 1) * 6),
]


@pytest.mark.parametrize("trace", TRACES, ids=lambda t: t.name)
@pytest.mark.parametrize("wait", [0.5, 1.0, 3.0])
def test_the_schedule_is_feasible_and_never_below_the_bound(trace: Trace, wait: float) -> None:
    plan = schedule(trace, WORKERS, wait)
    assert plan.feasible
    assert plan.outcome.unfinished == pytest.approx(0, abs=1e-9) and plan.outcome.age_max <= wait + 1e-9
    assert lower_bound(trace, WORKERS, wait).replica_seconds <= plan.outcome.replica_seconds + 1e-9
    assert plan.outcome.standby_seconds == 0  # cold starts only: realizable with or without a standby


def test_arrivals_sooner_than_a_start_after_the_beginning_cannot_be_served_in_time_and_it_says_so() -> None:
    plan = schedule(Trace("t", (10,)), WORKERS, 0.5)  # no worker can be up before 1.0 s
    assert not plan.feasible and plan.outcome.age_max == pytest.approx(1.0)
