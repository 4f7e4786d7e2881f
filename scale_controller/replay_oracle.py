"""The oracle of a replay: a provable lower bound on the replica-seconds of any schedule (clairvoyant, free to start
and stop workers whenever it likes) that lets no message wait longer than `wait_target` seconds, in the simulator's
worker model (replay_sim: a replica counts from its spawn, starts in `start_seconds`, then takes ≤ `rate` msg/s).

Bound = busy + workers × (start + finish):
- busy: every message costs 1 / rate seconds of a started worker, so at least total / rate replica-seconds;
- workers: messages arriving in [a, a + L) can be taken no earlier than a and no later than a + L + wait_target, and
  one worker takes at most rate × (L + wait_target) of them in that time, so at least
  N = (A(a + L) − A(a)) / (rate × (L + wait_target)) distinct workers take some: ceil(N) spawns;
- each of them spent `start_seconds` starting (with a standby, `standby_start`: a promoted standby is the cheapest
  start, so the bound holds for both pools), and after the step of its last take it still holds that take for
  `slots / rate` seconds less the step itself (a scaled-in worker drains, replica_sim): time that is not busy.
Windows are scanned with every length up to `EXACT_LENGTHS` s, then lengths growing by 5 %; any subset of windows
still gives a valid bound, only a possibly lower one. The true optimum is at or above this number.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

from scale_controller.replay_pool import DT, Workers
from scale_controller.replay_trace import Trace

EXACT_LENGTHS = 600


@dataclass(frozen=True)
class Bound:
    wait_target: float
    replica_seconds: float  # the lower bound: busy + workers × (start + finish)
    busy_seconds: float
    workers: int  # distinct workers that must take some of the window's messages
    start_seconds: float  # what each of them costs at least to start
    finish_seconds: float  # what each of them costs at least after its last take (holding it, then draining)
    window: tuple[int, int]  # [a, a + L): the arrivals that force `workers`


def window_lengths(seconds: int) -> list[int]:
    lengths = list(range(1, min(seconds, EXACT_LENGTHS) + 1))
    length = float(EXACT_LENGTHS)
    while length < seconds:
        length *= 1.05
        lengths.append(min(seconds, math.ceil(length)))
    return lengths


def lower_bound(trace: Trace, workers: Workers, wait_target: float) -> Bound:
    if wait_target < 0:
        raise ValueError(f"wait target {wait_target} s: expected 0 s or more")
    arrived = trace.cumulative()
    need, window = 0.0, (0, 0)
    for length in window_lengths(trace.seconds):
        counts = list(map(operator.sub, arrived[length:], arrived[: len(arrived) - length]))
        most = max(counts)
        n = most / (workers.rate * (length + wait_target))
        if n > need:
            a = counts.index(most)
            need, window = n, (a, a + length)
    started = math.ceil(need - 1e-9) if trace.total else 0
    busy = trace.total / workers.rate
    start = workers.start_seconds if workers.standby_start is None else workers.standby_start
    finish = max(1, round(workers.slots / workers.rate / DT)) * DT - DT  # replay_sim's hold, in whole steps
    return Bound(wait_target, busy + started * (start + finish), busy, started, start, finish, window)
