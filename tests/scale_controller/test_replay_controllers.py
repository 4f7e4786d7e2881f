"""The replayed controllers (scale_controller/replay_controllers.py): funchost's rule is `decide` on its own clock;
the KEDA + HPA model activates only on its 30 s polls, scales 1 ↔ N only on its 15 s syncs with the HPA's default
rate policy (reference/keda.md §1.3, §1.4), and goes to 0 only on a poll after the cooldown."""

from __future__ import annotations

import pytest

from scale_controller.decision import Reading, State, decide
from scale_controller.policy import Policy
from scale_controller.replay_controllers import Funchost, Keda, messages, with_phase


def test_a_message_that_has_begun_to_arrive_counts() -> None:
    assert [messages(x) for x in (0.0, 1e-9, 0.1, 2.0, 2.4)] == [0.0, 0.0, 1.0, 2.0, 3.0]


def test_funchost_asks_decide_on_each_tick_and_holds_between() -> None:
    policy = Policy()
    controller = Funchost(policy, target=10)
    expected = decide([Reading("queue", 3.0, 10, True)], 0, policy, State.initial(0.0, 0), 0.0).desired
    assert controller.step(0.0, 2.2, 0) == expected == 1  # ceil(2.2) = 3 messages: active → 0 → 1
    assert controller.step(0.5, 500.0, 1) == 1  # no tick until 1.0
    assert controller.step(1.0, 500.0, 1) == 5  # the HPA: 50 wanted, capped at +4 per 15 s


def test_keda_activates_only_on_its_poll() -> None:
    keda = Keda(Policy(), target=10)
    assert keda.step(0.0, 0.0, 0) == 0
    assert keda.step(5.0, 3.0, 0) == 0  # messages wait; the next poll is at 30 s
    assert keda.step(15.0, 3.0, 0) == 0  # an HPA sync, but the HPA is off at 0 replicas
    assert keda.step(30.0, 3.0, 0) == 1
    assert keda.step(45.0, 100.0, 1) == 5  # sync: ceil(100 / 10) = 10, capped by max(+4 pods, +100 %) per 15 s
    assert keda.step(50.0, 100.0, 5) == 5  # no sync
    assert keda.step(60.0, 100.0, 5) == 10  # the +4 at 45 s is not within (45, 60]: the cap is now 5 + 5


def test_keda_scales_to_zero_on_the_first_poll_after_the_cooldown() -> None:
    keda = Keda(Policy(), target=10)
    current = keda.step(0.0, 5.0, 0)  # active at the first poll: lastActiveTime 0
    assert current == 1
    seen = {}
    for second in range(15, 400, 15):
        current = keda.step(float(second), 0.0, current)
        seen[second] = current
    assert seen[300] == 1  # kept at the HPA's minimum of 1
    assert seen[330] == 0  # the poll at 330: lastActiveTime 0 + cooldown 300 < 330 (the one at 300 is not after)


def test_phase_moves_the_first_tick() -> None:
    keda = with_phase(Keda(Policy(), target=10), 0.5)
    assert isinstance(keda, Keda) and keda.phase == pytest.approx(15.0)
    assert keda.step(0.0, 3.0, 0) == 0
    assert keda.step(15.0, 3.0, 0) == 1
    funchost = with_phase(Funchost(Policy(), target=10), 0.25)
    assert isinstance(funchost, Funchost) and funchost.phase == pytest.approx(0.25)
