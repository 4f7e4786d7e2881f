"""The replay's oracle (scale_controller/replay_oracle.py): the lower bound computed by hand, and checked against a
feasible schedule run through the simulator (its replica-seconds can never be below the bound)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from scale_controller.replay_oracle import EXACT_LENGTHS, lower_bound, window_lengths
from scale_controller.replay_pool import Workers
from scale_controller.replay_sim import simulate
from scale_controller.replay_trace import Trace

WORKERS = Workers(start_seconds=1.0, rate=10.0, slots=10)
BURST = Trace("b", (0,) * 5 + (100,))


def test_bound_by_hand() -> None:
    tight = lower_bound(BURST, WORKERS, wait_target=0.0)
    # 100 arrivals in [5, 6) taken within [5, 6): 100 / (10 msg/s × 1 s) = 10 workers at once
    assert (tight.workers, tight.window) == (10, (5, 6))
    assert tight.busy_seconds == pytest.approx(10.0)
    # 10 busy + 10 workers × (1 s start + 0.9 s: each holds its last take 1 s, 10 slots / 10 msg/s, less that step)
    assert (tight.start_seconds, tight.finish_seconds) == (1.0, pytest.approx(0.9))
    assert tight.replica_seconds == pytest.approx(29.0)
    loose = lower_bound(BURST, WORKERS, wait_target=9.0)
    assert loose.workers == 1  # 100 / (10 × (1 + 9))
    assert loose.replica_seconds == pytest.approx(11.9)


@dataclass
class Prestart:
    count: int
    on: float
    off: float
    name: str = "prestart"

    def step(self, now: float, metric: float, current: int) -> int:
        return self.count if self.on - 1e-9 <= now < self.off - 1e-9 else 0


@pytest.mark.parametrize("count", [1, 2, 5, 10])
def test_a_feasible_schedule_never_beats_the_bound(count: int) -> None:
    run = simulate(BURST, WORKERS, Prestart(count, on=4.0, off=5.0 + 100 / (10 * count) + 1.0))
    assert run.outcome.unfinished == 0
    bound = lower_bound(BURST, WORKERS, wait_target=run.outcome.age_max)
    assert bound.replica_seconds <= run.outcome.replica_seconds + 1e-9


def test_window_lengths_cover_short_windows_exactly_then_grow() -> None:
    lengths = window_lengths(700)
    assert lengths[:EXACT_LENGTHS] == list(range(1, EXACT_LENGTHS + 1))
    assert lengths[-1] == 700 and all(b > a for a, b in zip(lengths, lengths[1:], strict=False))
    assert window_lengths(3) == [1, 2, 3]


def test_negative_wait_target_is_refused() -> None:
    with pytest.raises(ValueError, match="wait target"):
        lower_bound(BURST, WORKERS, -1.0)
