"""The replay's report math (scale_controller/replay_metrics.py): weighted percentiles, direction changes, flaps."""

from __future__ import annotations

import math

from scale_controller.replay_metrics import direction_changes, percentile


def test_percentile_is_weighted_by_messages() -> None:
    pairs = [(10.0, 2.0), (1.0, 1.0), (2.0, 1.0)]  # four messages: waits 1, 2, 10, 10
    assert percentile(pairs, 0.5) == 2.0
    assert percentile(pairs, 0.95) == 10.0
    assert percentile(pairs, 0.25) == 1.0
    assert math.isnan(percentile([], 0.5))


def test_direction_changes_and_flaps() -> None:
    # up to 5, down at 20 s (a turn), up again at 100 s (a turn 80 s after the previous one: no flap)
    changes = [(0.0, 1), (10.0, 5), (20.0, 2), (100.0, 6), (110.0, 8)]
    assert direction_changes(changes) == (2, 0)
    # up, down at 20 s, up at 50 s: the scale-down is undone 30 s later, inside FLAP_WINDOW (60 s): one flap
    assert direction_changes([(0.0, 4), (20.0, 2), (50.0, 5)]) == (2, 1)
    # one scale-up then one scale-down soon after is a single turn, never a flap
    assert direction_changes([(0.0, 1), (5.0, 4), (9.0, 0)]) == (1, 0)
    # a burst long after the last scale-down, served and released in 10 s: two turns, no flap (nothing was undone)
    assert direction_changes([(0.0, 1), (100.0, 0), (970.0, 45), (980.0, 0)]) == (3, 0)
    # thrashing between 1 and 2: every turn back up comes seconds after a turn down
    assert direction_changes([(0.0, 1), (4.0, 2), (8.0, 1), (10.0, 2), (14.0, 1), (19.0, 2)]) == (4, 2)
    assert direction_changes([]) == (0, 0)
