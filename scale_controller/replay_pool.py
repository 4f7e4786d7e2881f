"""The simulated workers of a replay (replay_sim): their measured parameters (`Workers`) and the pool's replicas and
standby, stepped in `DT` seconds (`Pool`).

Standby (`Workers.standby_start` set; what `funchost up` does, scale_controller/targets/local.py): one extra
process is kept pre-started. It is loaded (imports done) `start_seconds − standby_start` after its spawn, and it is
already loaded when the run begins (the controller ran before the trace). A scale-out promotes it for its first new
replica, which then takes messages `standby_start` after max(promotion, loaded); every other new replica of that
scale-out starts cold. A promotion schedules the next standby's spawn `STANDBY_DELAY_SECONDS` later; a scale-out in
between finds none and starts cold. The standby is not a replica (no replica-seconds); its time is `standby_seconds`
of the Outcome. Promotions are rounded up to a whole step. Without a standby (None: docker / kubernetes targets,
KEDA's pods) every replica starts cold.
"""

from __future__ import annotations

import math
from bisect import bisect_right, insort
from dataclasses import dataclass

from scale_controller.targets.local import STANDBY_DELAY_SECONDS

DT = 0.1  # seconds per step: controller phases and measured start times are resolved to this


@dataclass(frozen=True)
class Workers:
    start_seconds: float  # spawn → first message taken
    rate: float  # messages per second one started worker takes while messages wait
    slots: int = 24  # messages one busy worker holds at once (the queue trigger's batchSize + newBatchThreshold)
    standby_start: float | None = None  # 'go' to a loaded standby → first message taken; None: no standby

    def __post_init__(self) -> None:
        if self.start_seconds < 0 or self.rate <= 0 or self.slots < 1:
            raise ValueError(
                f"workers start {self.start_seconds} s, rate {self.rate} msg/s, slots {self.slots}: expected a start"
                " of 0 s or more, a rate above 0 and at least 1 slot"
            )
        if self.standby_start is not None and not 0 <= self.standby_start <= self.start_seconds:
            raise ValueError(
                f"standby promotion {self.standby_start} s: expected 0 s up to the cold start ({self.start_seconds} s)"
            )


class Pool:
    """The replicas (the step each takes its first message, in spawn order) and the standby, in steps."""

    def __init__(self, workers: Workers) -> None:
        self.cold = round(workers.start_seconds / DT)
        # a promotion is rounded up to a whole step (never faster than measured), a cold start to the nearest one
        promote = None if workers.standby_start is None else math.ceil(workers.standby_start / DT - 1e-9)
        self.promote = None if promote is None else min(promote, self.cold)
        self.delay = round(STANDBY_DELAY_SECONDS / DT)
        self.ready: list[int] = []  # per replica, oldest first
        self.by_time: list[int] = []  # the same, sorted
        self.standby: int | None = None if self.promote is None else -self.cold  # the step it is loaded: before 0
        self.respawn: int | None = None  # the step the next standby is spawned
        self.standby_steps = 0

    def step(self, step: int, desired: int) -> list[int]:
        """Spawn or remove replicas to reach `desired`; returns the removed replicas' first-take steps."""
        if self.respawn is not None and step >= self.respawn:
            assert self.promote is not None
            self.standby, self.respawn = step + self.cold - self.promote, None
        removed: list[int] = []
        while len(self.ready) > desired:
            removed.append(self.ready.pop())  # the newest first
            self.by_time.remove(removed[-1])
        while len(self.ready) < desired:
            if self.standby is not None and self.promote is not None:
                at = max(step, self.standby) + self.promote
                self.standby, self.respawn = None, step + self.delay
            else:
                at = step + self.cold
            self.ready.append(at)
            insort(self.by_time, at)
        self.standby_steps += self.standby is not None
        return removed

    def started(self, step: int) -> int:
        return bisect_right(self.by_time, step)
