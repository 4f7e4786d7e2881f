"""The pure scaling rule, table-driven with an explicit `now`: one commented row per case (KEDA's 0↔1 and the HPA's
1↔N semantics as cited in scale_controller/decision.py and hpa.py), then multi-tick sequences and state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from scale_controller.decision import Decision, Reading, State, decide
from scale_controller.hpa_rules import Rate, Rules, Sample, ScaleEvent
from scale_controller.policy import KEDA, LOCAL, Fallback, Policy, PolicyError

T0 = 1_000_000.0
ERROR = "ConnectionRefusedError: 127.0.0.1:10001"


def q(value: float, target: float = 10, *, active: bool | None = None, name: str = "queue:orders") -> Reading:
    """A measured trigger; active as KEDA's scalers compute it with activation threshold 0 unless given."""
    return Reading(name, value, target, value > 0 if active is None else active)


def err(name: str = "queue:orders", target: float | None = 10) -> Reading:
    return Reading(name, None, target, error=ERROR)


def st(**fields: object) -> State:
    return State(created_at=T0 - 3600, **fields)  # type: ignore[arg-type]


P = Policy(max_replicas=300)
F = Policy(fallback=Fallback(failure_threshold=3, replicas=6))
FAILED_3 = {"queue:orders": 3}
EV = ScaleEvent

CASES = [
    # --- KEDA: activation 0 → max(minReplicaCount, 1) -------------------------------------------------------------
    # one message activates (value > activation threshold 0), whatever the metric would ask for
    pytest.param([q(1)], 0, P, st(), T0, 1, "0 → 1: activated by queue:orders", id="activation"),
    # with minReplicaCount 3 activation goes straight to 3
    pytest.param([q(1)], 0, Policy(min_replicas=3), st(), T0, 3, "0 → 3: activated by", id="activation-to-min"),
    # activation beats scaling: 40 / 10 would be 4, but the scaler reports inactive (activationQueueLength 50)
    pytest.param([q(40, active=False)], 0, P, st(), T0, 0, "0: idle, no trigger is active", id="activation-threshold"),
    # one active trigger of two activates the app
    pytest.param([q(0, name="a"), q(2, name="b")], 0, P, st(), T0, 1, "0 → 1: activated by b", id="activation-any"),
    # --- KEDA: cooldown → 0 ---------------------------------------------------------------------------------------
    # last active 299 s ago: the HPA takes it to 1 meanwhile, KEDA scales to 0 once the cooldown is over
    pytest.param(
        [q(0)],
        3,
        P,
        st(last_active_at=T0 - 299),
        T0,
        1,
        "3 → 1: queue:orders 0 / target 10 = 0 → 0, kept at the minimum of 1; no trigger active; scale to 0 in 1 s",
        id="cooling-down",
    ),
    # exactly cooldownPeriod after the last activity is not yet over (KEDA: lastActive + cooldown < now, strictly)
    pytest.param([q(0)], 1, P, st(last_active_at=T0 - 300), T0, 1, "scale to 0 in 0 s", id="cooldown-boundary"),
    # one second later it is
    pytest.param(
        [q(0)],
        1,
        P,
        st(last_active_at=T0 - 301),
        T0,
        0,
        "1 → 0: no trigger active for 301 s (cooldownPeriod 300 s)",
        id="cooldown-passed",
    ),
    # a shorter cooldownPeriod
    pytest.param(
        [q(0)], 4, Policy(cooldown_period=30), st(last_active_at=T0 - 31), T0, 0, "4 → 0", id="cooldown-custom"
    ),
    # never active: initialCooldownPeriod counts from creation (here 30 of 60 s gone)
    pytest.param(
        [q(0)],
        2,
        Policy(initial_cooldown_period=60),
        State(created_at=T0 - 30),
        T0,
        1,
        "scale to 0 in 30 s (initialCooldownPeriod)",
        id="initial-cooldown-running",
    ),
    # ... and once it passed, straight to 0
    pytest.param(
        [q(0)],
        2,
        Policy(initial_cooldown_period=60),
        State(created_at=T0 - 61),
        T0,
        0,
        "2 → 0: no trigger active since the start 61 s ago",
        id="initial-cooldown-passed",
    ),
    # --- HPA: ceil(metric / target) with the 0.1 tolerance ---------------------------------------------------------
    # 32 / (10 × 3) = 1.07 is within 10 %: stay at 3 although ceil(3.2) = 4
    pytest.param(
        [q(32)],
        3,
        P,
        st(),
        T0,
        3,
        "3: queue:orders 32 / target 10 = 3.2, within 10 % tolerance of 3",
        id="within-tolerance",
    ),
    # 34 / 30 = 1.13 is beyond it: ceil(3.4) = 4
    pytest.param([q(34)], 3, P, st(), T0, 4, "3 → 4: queue:orders 34 / target 10 = 3.4 → 4", id="beyond-tolerance"),
    # 185 / (10 × 20) = 0.925 is within on the way down too: stay at 20 although ceil(18.5) = 19
    pytest.param([q(185)], 20, P, st(), T0, 20, "within 10 % tolerance of 20", id="within-tolerance-down"),
    # --- HPA: scale-up policy max(+4 pods, +100 %) per 15 s -------------------------------------------------------
    # 412 / 24 wants 18 from 3; the policy allows max(3 + 4, 3 × 2) = 7
    pytest.param(
        [q(412, 24)],
        3,
        P,
        st(),
        T0,
        7,
        "3 → 7: queue:orders 412 / target 24 = 17.2 → 18, capped by scale-up policy (+4 or +100 % per 15 s)",
        id="scale-up-capped",
    ),
    # the sequence toward 200 from 1: 1 → 5 (+4 pods beats +100 %)
    pytest.param([q(2000)], 1, P, st(), T0, 5, "1 → 5: queue:orders 2000 / target 10 = 200 → 200, capped", id="up-1-5"),
    # 15 s later the +4 made at T0 has left the period (only events strictly after now - 15 count): 5 → 10
    pytest.param([q(2000)], 5, P, st(events=(EV(T0, 4),)), T0 + 15, 10, "5 → 10", id="up-5-10"),
    # then 10 → 20
    pytest.param([q(2000)], 10, P, st(events=(EV(T0, 4), EV(T0 + 15, 5))), T0 + 30, 20, "10 → 20", id="up-10-20"),
    # within the period of the last change, the change already made counts: 10 stays 10 at T0 + 20
    pytest.param(
        [q(2000)],
        10,
        P,
        st(events=(EV(T0 + 15, 5),)),
        T0 + 20,
        10,
        "10: queue:orders 2000 / target 10 = 200 → 200, capped by scale-up policy",
        id="up-rate-holds",
    ),
    # a custom scale-up rule: +1 pod per 60 s
    pytest.param(
        [q(2000)],
        2,
        Policy(scale_up=Rules(0, (Rate("Pods", 1, 60),))),
        st(),
        T0,
        3,
        "capped by scale-up policy (+1 per 60 s)",
        id="up-custom-rule",
    ),
    # --- HPA: scale-down stabilization (300 s) and scale-down policy ----------------------------------------------
    # 20 / 10 = 2 now, but 5 was recommended 200 s ago: held at 5
    pytest.param(
        [q(20)],
        5,
        P,
        st(history=(Sample(T0 - 200, 5),)),
        T0,
        5,
        "5: queue:orders 20 / target 10 = 2 → 2, held at 5 by scale-down stabilization (highest recommendation in "
        "the last 300 s)",
        id="stabilized",
    ),
    # the highest recent recommendation is the floor: 4 (250 s ago) beats 3 (100 s ago)
    pytest.param(
        [q(20)], 5, P, st(history=(Sample(T0 - 250, 4), Sample(T0 - 100, 3))), T0, 4, "5 → 4: ", id="stabilized-max"
    ),
    # once the recommendation is older than the window: 5 → 2 (100 % per 15 s allows any scale-down)
    pytest.param(
        [q(20)],
        5,
        P,
        st(history=(Sample(T0 - 301, 5),)),
        T0,
        2,
        "5 → 2: queue:orders 20 / target 10 = 2 → 2",
        id="stabilization-expired",
    ),
    # a custom scale-down rule: -1 pod per 60 s, no stabilization window
    pytest.param(
        [q(20)],
        5,
        Policy(scale_down=Rules(0, (Rate("Pods", 1, 60),))),
        st(),
        T0,
        4,
        "5 → 4: queue:orders 20 / target 10 = 2 → 2, limited by scale-down policy (-1 per 60 s)",
        id="down-rule",
    ),
    # --- min / max ------------------------------------------------------------------------------------------------
    # maxReplicaCount caps the metric (the rate would allow 16)
    pytest.param(
        [q(1000)],
        8,
        Policy(max_replicas=10),
        st(),
        T0,
        10,
        "8 → 10: queue:orders 1000 / target 10 = 100 → 100, capped at maxReplicaCount 10",
        id="max",
    ),
    # a count above max (max lowered) is corrected first
    pytest.param(
        [q(1000)], 12, Policy(max_replicas=10), st(), T0, 10, "12 → 10: above maxReplicaCount 10", id="above-max"
    ),
    # active below minReplicaCount (scaled by hand): the HPA raises it to min
    pytest.param(
        [q(5)], 1, Policy(min_replicas=3), st(), T0, 3, "1 → 3: below the minimum of 3", id="below-min-active"
    ),
    # inactive at 0 below minReplicaCount: KEDA raises it
    pytest.param([q(0)], 0, Policy(min_replicas=2), st(), T0, 2, "0 → 2: below minReplicaCount 2", id="below-min-idle"),
    # minReplicaCount 2: idle long past the cooldown stays at 2, never 0
    pytest.param(
        [q(0)],
        2,
        Policy(min_replicas=2),
        st(last_active_at=T0 - 1000),
        T0,
        2,
        "2: queue:orders 0 / target 10 = 0 → 0, kept at the minimum of 2",
        id="min-no-zero",
    ),
    # --- fallback -------------------------------------------------------------------------------------------------
    # the 4th failure in a row (> failureThreshold 3): the metric is target × 6, so 6 replicas
    pytest.param(
        [err()],
        2,
        F,
        st(failures=FAILED_3),
        T0,
        6,
        "2 → 6: queue:orders failing 4× (> failureThreshold 3), fallback 6 → 6",
        id="fallback",
    ),
    # the 3rd failure is not more than the threshold yet: the only metric is invalid, the HPA holds
    pytest.param(
        [err()],
        2,
        F,
        st(failures={"queue:orders": 2}),
        T0,
        2,
        f"2: no metric could be read (queue:orders failing (3×: {ERROR}); fallback to 6 after 1 more)",
        id="fallback-not-yet",
    ),
    # inactive with errors and a fallback: never 0, even long after the cooldown
    pytest.param(
        [err()],
        2,
        F,
        st(last_active_at=T0 - 1000),
        T0,
        2,
        "not scaling to 0 while queue:orders fails (fallback configured)",
        id="fallback-holds-above-0",
    ),
    # inactive with errors and no fallback: KEDA holds too (TriggerError)
    pytest.param(
        [err()],
        2,
        P,
        st(last_active_at=T0 - 1000),
        T0,
        2,
        "not scaling to 0 while queue:orders fails",
        id="errors-hold-above-0",
    ),
    # fallback.replicas 0 is no fallback for the executor: errors, cooldown over → 0
    pytest.param(
        [err()],
        2,
        Policy(fallback=Fallback(3, 0)),
        st(last_active_at=T0 - 1000),
        T0,
        0,
        "2 → 0",
        id="fallback-0-replicas",
    ),
    # at 0 replicas the HPA (and so the fallback) is off: stays 0
    pytest.param(
        [err()],
        0,
        F,
        st(failures={"queue:orders": 9}),
        T0,
        0,
        "0: idle, no trigger is active (queue:orders failing)",
        id="fallback-not-from-0",
    ),
    # --- paused ---------------------------------------------------------------------------------------------------
    # paused: frozen at the current count whatever the metric
    pytest.param([q(1000)], 3, Policy(paused=True), st(), T0, 3, "3: paused", id="paused"),
    # paused-replicas wins over paused
    pytest.param(
        [q(0)],
        3,
        Policy(paused=True, paused_replicas=1),
        st(),
        T0,
        1,
        "3 → 1: paused at 1 replicas",
        id="paused-replicas",
    ),
    # --- several triggers, errors ---------------------------------------------------------------------------------
    # the highest trigger wins: a 50 / 10 = 5, b 200 / 20 = 10
    pytest.param(
        [q(50, name="a"), q(200, 20, name="b")],
        5,
        P,
        st(),
        T0,
        10,
        "5 → 10: b 200 / target 20 = 10 → 10 (highest of 2 triggers)",
        id="multi-trigger-max",
    ),
    # one trigger fails while the other wants fewer: no scale-down
    pytest.param(
        [err("a"), q(10, name="b")],
        4,
        P,
        st(),
        T0,
        4,
        f"4: not scaling down to 1 while a metric cannot be read (a failing (1×: {ERROR}))",
        id="errors-no-scale-down",
    ),
    # one trigger fails while the other wants more: scale up
    pytest.param(
        [err("a"), q(80, name="b")],
        4,
        P,
        st(),
        T0,
        8,
        "4 → 8: b 80 / target 10 = 8 → 8",
        id="errors-scale-up",
    ),
]


@pytest.mark.parametrize(("readings", "current", "policy", "state", "now", "desired", "reason"), CASES)
def test_decide(
    readings: Sequence[Reading], current: int, policy: Policy, state: State, now: float, desired: int, reason: str
) -> None:
    decision = decide(readings, current, policy, state, now)
    assert (decision.desired, reason in decision.reason) == (desired, True), decision.reason


def run(steps: Sequence[tuple[float, Sequence[Reading]]], policy: Policy = P) -> list[Decision]:
    """Apply decisions tick after tick, as the loop does when every scale_to succeeds."""
    state, current, out = State.initial(T0, 0), 0, []
    for now, readings in steps:
        decision = decide(readings, current, policy, state, now)
        state, current = decision.state, decision.desired
        out.append(decision)
    return out


def test_scale_up_sequence_1_5_10_20_40() -> None:
    # polled every 5 s; the rate policy allows one doubling (or +4) per 15 s
    decisions = run([(T0 + t, [q(2000)]) for t in range(0, 65, 5)])
    assert [d.desired for d in decisions] == [1, 5, 5, 5, 10, 10, 10, 20, 20, 20, 40, 40, 40]


def test_back_to_zero_after_load() -> None:
    # 0 → 1 → 5, load gone after +15: stabilization keeps 5 for 300 s after the last 5 was recommended, the HPA
    # then goes to 1, and KEDA to 0 once the 600 s cooldown since the last activity (+15) is over
    steps = [(T0 + t, [q(50 if t <= 15 else 0)]) for t in (0, 15, 30, 314, 315, 615, 616)]
    decisions = run(steps, Policy(cooldown_period=600))
    assert [d.desired for d in decisions] == [1, 5, 5, 5, 1, 1, 0]
    assert "held at 5 by scale-down stabilization" in decisions[3].reason


def test_activation_records_last_active_only_when_applied() -> None:
    decision = decide([q(1)], 0, P, st(), T0)
    assert decision.state.last_active_at == T0
    assert decision.state_if_not_applied.last_active_at is None  # KEDA updates lastActiveTime after a good scale


def test_active_refreshes_last_active_unless_a_trigger_fails() -> None:
    assert decide([q(5)], 1, P, st(last_active_at=T0 - 50), T0).state.last_active_at == T0
    # RequestScale "PartialTriggerError": active, but another trigger errored → lastActiveTime untouched
    partial = decide([q(5, name="a"), err("b")], 1, P, st(last_active_at=T0 - 50), T0)
    assert partial.state.last_active_at == T0 - 50


def test_failures_count_up_and_reset() -> None:
    first = decide([err("a"), q(0, name="b")], 1, P, st(), T0)
    second = decide([err("a"), q(0, name="b")], 1, P, first.state, T0 + 1)
    assert dict(second.state.failures) == {"a": 2, "b": 0}
    assert dict(decide([q(0, name="a")], 1, P, second.state, T0 + 2).state.failures) == {"a": 0}


def test_hpa_change_is_a_scale_event_only_when_applied() -> None:
    decision = decide([q(50)], 2, P, st(), T0)
    assert decision.desired == 5
    assert decision.state.events == (ScaleEvent(T0, 3),)
    assert decision.state_if_not_applied.events == ()
    assert decision.state.history[-1] == Sample(T0, 5)  # the recommendation is recorded either way
    assert decision.state_if_not_applied.history[-1] == Sample(T0, 5)


def test_restart_keeps_replicas_for_the_stabilization_window() -> None:
    # recordInitialRecommendation: found at 6, a fresh controller does not drop below 6 within 300 s
    assert decide([q(10)], 6, P, State.initial(T0, 6), T0 + 10).desired == 6
    assert decide([q(10)], 6, P, State.initial(T0, 6), T0 + 301).desired == 1


def test_per_trigger_proposals_for_status() -> None:
    decision = decide([q(412, 24, name="a"), err("b")], 3, F, st(), T0)
    assert [(p.name, p.replicas) for p in decision.proposals] == [("a", 18), ("b", None)]
    assert decision.active


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"min_replicas": 5, "max_replicas": 3}, "maxReplicaCount is 3: expected at least minReplicaCount (5)"),
        ({"min_replicas": -1}, "minReplicaCount is -1: expected 0 or more"),
        ({"cooldown_period": -5}, "cooldownPeriod is -5"),
        ({"tolerance": 1.5}, "tolerance is 1.5"),
        ({"scale_in_headroom": 1.0}, "scale-in headroom is 1.0"),
        ({"fallback": Fallback(-1, 2)}, "fallback is Fallback(failure_threshold=-1, replicas=2)"),
    ],
)
def test_invalid_policy_is_refused(fields: dict[str, object], fragment: str) -> None:
    with pytest.raises(PolicyError, match="Fix: change") as caught:
        Policy(**fields)  # type: ignore[arg-type]
    assert fragment in str(caught.value)


def test_scale_in_headroom_keeps_a_replica_the_metric_wavers_back_to() -> None:
    h = Policy(scale_in_headroom=0.25, scale_down=Rules(0, (Rate("Percent", 100, 15),)))
    # 21 / 24 = 0.875 → 1 for the HPA; + 0.25 → 1.125 → 2: kept, and the reason says why
    kept = decide([q(21, 24)], 2, h, st(), T0)
    assert kept.desired == 2 and "21 / target 24 = 0.88 → 1, kept at 2 (scale-in headroom 0.25)" in kept.reason
    assert decide([q(21, 24)], 2, replace(h, scale_in_headroom=0.0), st(), T0).desired == 1  # the HPA alone
    assert decide([q(12, 24)], 2, h, st(), T0).desired == 1  # 0.5 + 0.25 → 1: a real drop still scales in
    assert decide([q(60, 24)], 2, h, st(), T0).desired == 3  # a scale-up is untouched (60 / 24 → 3)
    assert decide([q(960, 24)], 60, h, st(), T0).desired == 41  # 40 + 0.25 → 41: never more than one extra


def test_the_local_defaults_follow_a_drained_burst_down_and_reach_zero_after_ten_seconds() -> None:
    policy = LOCAL.policy(max_replicas=100)
    # +4 per 1 s tick up to what 1,000 messages ask for (42; 41 is within the tolerance), then the backlog drains:
    # replicas follow it down at once
    steps = [(T0 + t, [q(1000, 24)]) for t in range(12)] + [
        (T0 + 12 + t, [q(m, 24)]) for t, m in enumerate((500, 100, 0, 0))
    ]
    steps += [(T0 + 16 + t, [q(0, 24)]) for t in range(1, 9)]  # +17 .. +24
    desired = [d.desired for d in run(steps, policy)]
    assert desired[:12] == [1, 5, 9, 13, 17, 21, 25, 29, 33, 37, 41, 41]  # 1,000 / 41 × 24: within 10 %
    # ceil(500 / 24 + 0.25) = 22, ceil(100 / 24 + 0.25) = 5, then the HPA's minimum of 1
    assert desired[12:16] == [22, 5, 1, 1]
    assert desired[-2:] == [1, 0]  # last active at +13 (100 messages): still 1 at +23, 0 at +24 (13 + 10 < 24)
    assert (KEDA.cooldown_period, KEDA.stabilization_window, KEDA.scale_in_headroom) == (300.0, 300, 0.0)


def test_invalid_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="periodSeconds 1..1800"):
        Rules(0, (Rate("Pods", 4, 0),))
