"""What a replay reports per controller: activation latency, backlog age, drain time, replica-seconds, direction
changes and flaps (definitions in docs/scaling.md "Replaying a load trace")."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

FLAP_WINDOW = 60.0  # seconds: a scale-up sooner than this after a scale-down turn is a flap


@dataclass(frozen=True)
class Outcome:
    activation: float | None  # mean seconds from an arrival on an empty pool with no started worker to the first take
    activations: int  # how many such episodes
    age_p50: float  # seconds a message waited before a worker took it (weighted by messages)
    age_p95: float
    age_max: float
    drain: float  # last arrival → last message finished
    replica_seconds: float
    idle_seconds: float  # replica-seconds not spent on messages (starting, or started with nothing to take)
    direction_changes: int  # up → down or down → up
    flaps: int  # scale-down turns undone by a scale-up within FLAP_WINDOW
    peak: int
    unfinished: float  # messages left when the run was cut off (0 when it drained)
    ended: float
    standby_seconds: float = 0.0  # a pre-started standby process existed (not a replica; funchost up only)


def percentile(pairs: Sequence[tuple[float, float]], q: float) -> float:
    """The q-quantile (0..1) of values weighted by amounts: the smallest value with at least q of the weight at or
    below it."""
    total = sum(a for _, a in pairs)
    if total <= 0:
        return math.nan
    running = 0.0
    for value, amount in sorted(pairs):
        running += amount
        if running >= q * total - 1e-9:
            return value
    return max(v for v, _ in pairs)


def direction_changes(changes: Sequence[tuple[float, int]], start: int = 0) -> tuple[int, int]:
    """(changes of direction, flaps) in a sequence of (time, new count) starting from `start` replicas. A flap is a
    scale-down the controller has to undo: a turn back up sooner than FLAP_WINDOW after it turned down (down-up within
    a minute), the replica count thrashing that the HPA's scale-down stabilization window exists to prevent. Up then
    down soon after — a burst served, then released — is a turn, not a flap; every oscillation has a down-up too."""
    turns = flaps = 0
    previous, direction, turned_down = start, 0, -math.inf
    for at, count in changes:
        if count == previous:
            continue
        sign = 1 if count > previous else -1
        if direction and sign != direction:
            turns += 1
            if sign < 0:
                turned_down = at
            else:
                flaps += at - turned_down < FLAP_WINDOW
        direction, previous = sign, count
    return turns, flaps


def summarize(
    *,
    waits: Sequence[tuple[float, float]],
    episodes: Sequence[float],
    changes: Sequence[tuple[float, int]],
    replica_seconds: float,
    busy_seconds: float,
    last_arrival: float,
    last_finish: float,
    unfinished: float,
    ended: float,
    standby_seconds: float = 0.0,
) -> Outcome:
    turns, flaps = direction_changes(changes)
    return Outcome(
        activation=sum(episodes) / len(episodes) if episodes else None,
        activations=len(episodes),
        age_p50=percentile(waits, 0.5),
        age_p95=percentile(waits, 0.95),
        age_max=max((w for w, a in waits if a > 0), default=math.nan),
        drain=max(0.0, last_finish - last_arrival) if unfinished < 1e-6 else math.inf,
        replica_seconds=replica_seconds,
        idle_seconds=max(0.0, replica_seconds - busy_seconds),
        direction_changes=turns,
        flaps=flaps,
        peak=max((n for _, n in changes), default=0),
        unfinished=unfinished,
        ended=ended,
        standby_seconds=standby_seconds,
    )
