"""The replay's worker-pool simulator (scale_controller/replay_sim.py), driven by scripted controllers whose
schedule is known, so every number below follows by hand from the model in its docstring."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from scale_controller.replay_sim import Workers, simulate
from scale_controller.replay_trace import Trace

WORKERS = Workers(start_seconds=1.0, rate=10.0, slots=10)  # ready 1 s after spawn, 1 message per 0.1 s step


@dataclass
class Script:
    """Wants `count` replicas from `on` until `off` seconds; records the metric it is shown."""

    count: int
    on: float = 0.0
    off: float = 20.0
    name: str = "script"
    seen: list[tuple[float, float]] = field(default_factory=list)

    def step(self, now: float, metric: float, current: int) -> int:
        self.seen.append((now, metric))
        return self.count if self.on - 1e-9 <= now < self.off - 1e-9 else 0


def test_one_worker_drains_a_burst_as_computed_by_hand() -> None:
    script = Script(1)
    run = simulate(Trace("t", (90,)), WORKERS, script)
    o = run.outcome
    assert o.activation == pytest.approx(1.0)  # arrival at 0 on an empty pool, first take when the worker is up at 1.0
    assert o.activations == 1
    assert o.age_max == pytest.approx(9.0)  # the last 9 arrive at 0.9, the worker takes its 90th at 9.9
    assert o.drain == pytest.approx(10.0)  # last arrival ends at 1.0; the last take (9.9) is held 1 s (10 / 10 msg/s)
    assert o.replica_seconds == pytest.approx(20.0)  # one replica from 0 to 20 s
    assert o.idle_seconds == pytest.approx(11.0)  # 20 − 90 messages / 10 msg/s
    # 0 → 1 at 0 s, 1 → 0 at 20 s: one turn, no flap (that needs a second turn within 60 s)
    assert (o.direction_changes, o.flaps, o.peak, o.unfinished) == (1, 0, 1, 0.0)
    assert script.seen[0][0] == 0.0 and script.seen[0][1] == pytest.approx(9.0)  # the first step's 9 arrivals
    assert run.timeline.replicas[-1] == 0


def test_more_workers_take_proportionally_faster() -> None:
    run = simulate(Trace("t", (90,)), WORKERS, Script(3))
    # from 1.0 s, 3 messages per step: 90 in 30 steps, the last taken at 3.9 s, the last 9 arrived at 0.9
    assert run.outcome.age_max == pytest.approx(3.0)
    assert run.outcome.replica_seconds == pytest.approx(60.0)


def test_the_metric_counts_held_messages_until_they_finish() -> None:
    script = Script(1)
    simulate(Trace("t", (10,)), WORKERS, script)
    metric = [m for _, m in script.seen]  # one per 0.1 s step, shown before the step's takes
    assert metric[15] == pytest.approx(10.0)  # 5 taken at 1.0..1.4 (held 1 s each) + 5 waiting
    assert metric[25] == pytest.approx(5.0)  # the 5 taken at 1.0..1.4 finished at 2.0..2.4; 1.5..1.9 still held
    assert metric[30] == pytest.approx(0.0)


def test_a_run_that_never_drains_is_cut_off_and_says_so() -> None:
    run = simulate(Trace("t", (5,)), WORKERS, Script(0), tail_seconds=10)
    assert run.outcome.unfinished == pytest.approx(5.0)
    assert run.outcome.drain == float("inf")


def test_workers_are_validated() -> None:
    with pytest.raises(ValueError, match="rate"):
        Workers(1.0, 0.0)
