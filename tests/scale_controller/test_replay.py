"""The replay's comparison (scale_controller/replay.py): phases averaged, KEDA kept at its defaults, the issue's
targets judged from the means."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scale_controller.policy import Policy
from scale_controller.replay import checks, compare
from scale_controller.replay_pool import Workers
from scale_controller.replay_render import render
from scale_controller.replay_trace import Trace

WORKERS = Workers(start_seconds=0.5, rate=10.0, slots=10)
BURST = Trace("burst", (0,) * 5 + (200,))


def test_activation_is_the_mean_over_poll_phases() -> None:
    result = compare(BURST, WORKERS, Policy(), target=10, phases=5)
    # funchost polls at phases 0, 0.2 .. 0.8 s: the burst at 5.0 s waits 0, 0.8, 0.6, 0.4, 0.2 → mean 0.4, + 0.5 start
    assert result.mean["funchost"].activation == pytest.approx(0.9)
    # KEDA polls at 0, 6 .. 24 s (+ 30 k): waits 25, 1, 7, 13, 19 → mean 13, + 0.5 start
    assert result.mean["KEDA + HPA"].activation == pytest.approx(13.5)
    assert result.oracle.busy_seconds == pytest.approx(20.0)
    assert result.oracle.wait_target == pytest.approx(1.0)  # target / rate


def test_keda_keeps_its_defaults_whatever_funchost_is_given() -> None:
    short = Policy(cooldown_period=5)
    ours = compare(BURST, WORKERS, short, target=10, phases=1)
    default = compare(BURST, WORKERS, Policy(), target=10, phases=1)
    assert ours.mean["KEDA + HPA"] == default.mean["KEDA + HPA"]
    assert ours.mean["funchost"].replica_seconds < default.mean["funchost"].replica_seconds


def test_checks_judge_the_ratios() -> None:
    result = compare(BURST, WORKERS, Policy(), target=10, phases=5)
    judged = {name: (value, met) for name, value, met in checks(result)}
    value, met = judged["activation ≤ 0.1× KEDA"]
    assert value == pytest.approx(0.9 / 13.5) and met is True
    ours = replace(result.mean["funchost"], flaps=2)
    flapping = replace(result, mean={**result.mean, "funchost": ours})
    assert dict((n, m) for n, _, m in checks(flapping))["no flapping (flaps)"] is False
    assert "MISSED" in render(flapping)


def test_only_funchost_gets_the_standby_keda_pods_start_cold() -> None:
    warm = replace(WORKERS, standby_start=0.1)
    result = compare(BURST, warm, Policy(), target=10, phases=5)
    assert result.mean["funchost"].activation == pytest.approx(0.4 + 0.1)  # the mean poll wait + the promotion
    assert result.mean["KEDA + HPA"] == compare(BURST, WORKERS, Policy(), target=10, phases=5).mean["KEDA + HPA"]
    assert result.mean["KEDA + HPA"].standby_seconds == 0 and result.mean["funchost"].standby_seconds > 0
    assert "funchost's standby promoted in 0.1 s; KEDA's pods cold" in render(result)


def test_the_replica_seconds_target_is_judged_against_the_bracket() -> None:
    result = compare(BURST, WORKERS, Policy(), target=10, phases=1)
    assert result.schedule.feasible
    assert result.oracle.replica_seconds <= result.schedule.outcome.replica_seconds
    spent = result.mean["funchost"].replica_seconds

    def judged(bound: float, planned: float) -> bool | None:
        oracle = replace(result.oracle, replica_seconds=bound)
        plan = replace(result.schedule, outcome=replace(result.schedule.outcome, replica_seconds=planned))
        return dict((n, m) for n, _, m in checks(replace(result, oracle=oracle, schedule=plan)))[
            "replica-seconds ≤ 1.1× oracle"
        ]

    assert judged(spent, spent * 2) is True  # within 1.1× the bound: within 1.1× the optimum
    assert judged(spent / 2, spent / 1.5) is False  # above 1.1× a feasible schedule: above 1.1× the optimum
    assert judged(spent / 2, spent) is None  # between: the optimum could be on either side
    assert "oracle (schedule)" in render(result) and "the optimum lies between the two" in render(result)
