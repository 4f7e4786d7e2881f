"""The replay's worker-pool simulator (scale_controller/replay_sim.py), driven by scripted controllers whose
schedule is known, so every number below follows by hand from the model in its docstring."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from scale_controller.replay_pool import Pool, Workers
from scale_controller.replay_sim import simulate
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


def test_a_scaled_in_worker_counts_until_it_has_finished_what_it_holds() -> None:
    # 2 workers up at 1.0 take 2 per step: all 10 by 1.4 (step 14), each held 1 s. Scaled in at 2.0, they drain until
    # 2.4 (the last take + 1 s): 2 × 2.0 s as replicas + 2 × 0.4 s draining.
    run = simulate(Trace("t", (10,)), WORKERS, Script(2, off=2.0))
    assert run.outcome.replica_seconds == pytest.approx(4.8)
    assert run.outcome.unfinished == 0.0
    # removed after their holdings finished (at 3.0): nothing to drain
    assert simulate(Trace("t", (10,)), WORKERS, Script(2, off=3.0)).outcome.replica_seconds == pytest.approx(6.0)


def test_a_worker_removed_while_starting_stops_at_once() -> None:
    run = simulate(Trace("t", (10,)), WORKERS, Script(2, off=0.5), tail_seconds=5.0)
    assert run.outcome.replica_seconds == pytest.approx(1.0)  # 2 × 0.5 s, never started, holds nothing
    assert run.outcome.unfinished == pytest.approx(10.0)


def test_a_run_that_never_drains_is_cut_off_and_says_so() -> None:
    run = simulate(Trace("t", (5,)), WORKERS, Script(0), tail_seconds=10)
    assert run.outcome.unfinished == pytest.approx(5.0)
    assert run.outcome.drain == float("inf")


def test_workers_are_validated() -> None:
    with pytest.raises(ValueError, match="rate"):
        Workers(1.0, 0.0)


# -- funchost up's standby (scale_controller/targets/local.py's rules) -------------------------------------------------

STANDBY = Workers(start_seconds=1.0, rate=10.0, slots=10, standby_start=0.2)  # 10 steps cold, 2 steps promoted


def test_the_first_scale_out_from_zero_promotes_the_standby_and_starts_the_rest_cold() -> None:
    pool = Pool(STANDBY)
    pool.step(0, 2)
    assert pool.ready == [2, 10]  # the standby, loaded before the run, takes messages 0.2 s after 'go'; the 2nd is cold
    assert pool.standby is None and pool.respawn == 20  # the next standby is spawned STANDBY_DELAY_SECONDS later


def test_a_scale_out_before_the_next_standby_exists_starts_cold_and_a_later_one_promotes_it() -> None:
    pool = Pool(STANDBY)
    pool.step(0, 1)
    pool.step(10, 2)  # 1.0 s: no standby yet (it is spawned at 2.0 s) → cold, ready at 2.0 s
    assert pool.ready == [2, 20]
    pool.step(20, 2)  # 2.0 s: the new standby is spawned; loaded 1.0 − 0.2 s later
    assert pool.standby == 28
    pool.step(25, 3)  # promoted before it is loaded: it takes messages 0.2 s after loading, as a cold start from 2.0 s
    assert pool.ready == [2, 20, 30]
    for step in range(26, 60):  # the simulator calls it every step
        pool.step(step, 3)
    pool.step(60, 4)  # the one after it is spawned at 2.5 + 2.0 s = 45 → loaded at 53; promoted at 60 → 62
    assert pool.ready == [2, 20, 30, 62]


def test_scale_in_keeps_the_standby_and_removes_the_newest_replicas() -> None:
    pool = Pool(STANDBY)
    pool.step(0, 0)
    assert pool.standby is not None and pool.standby_steps == 1
    pool.step(1, 3)
    pool.step(2, 1)
    assert pool.ready == [3] and pool.started(3) == 1 and pool.started(2) == 0


def test_without_a_standby_every_replica_starts_cold() -> None:
    pool = Pool(WORKERS)
    pool.step(0, 2)
    assert pool.ready == [10, 10] and pool.standby is None and pool.standby_steps == 0


def test_a_standby_shortens_activation_and_is_counted_apart_from_replicas() -> None:
    cold = simulate(Trace("t", (90,)), WORKERS, Script(1)).outcome
    warm = simulate(Trace("t", (90,)), STANDBY, Script(1)).outcome
    assert cold.activation == pytest.approx(1.0) and warm.activation == pytest.approx(0.2)
    assert warm.replica_seconds == pytest.approx(cold.replica_seconds)  # the standby is not a replica
    # promoted at 0; the next standby exists from 2.0 s until the run ends (at 20 s, when the script goes to 0)
    assert warm.standby_seconds == pytest.approx(warm.ended - 2.0)


def test_a_promotion_is_rounded_up_to_a_whole_step_and_never_slower_than_a_cold_start() -> None:
    assert Pool(Workers(1.0, 10.0, standby_start=0.026)).promote == 1
    assert Pool(Workers(0.04, 10.0, standby_start=0.04)).promote == 0  # cold start rounds to 0 steps: so does it
    with pytest.raises(ValueError, match="standby promotion"):
        Workers(0.5, 10.0, standby_start=0.6)
