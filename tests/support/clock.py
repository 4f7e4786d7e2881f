"""A controllable monotonic clock for code that takes a `clock` callable: time moves only when the test says so,
and every read is counted, so a test can wait for "the watchdog looked twice" instead of sleeping a guessed time."""

from __future__ import annotations

import asyncio


class ManualClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.reads = 0
        self._waiters: list[tuple[int, asyncio.Event]] = []

    def __call__(self) -> float:
        self.reads += 1
        for target, event in self._waiters:
            if self.reads >= target:
                event.set()
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def read_again(self, times: int = 1) -> None:
        """Wait until the clock has been read `times` more times (e.g. the watchdog's next looks)."""
        waiter = (self.reads + times, asyncio.Event())
        self._waiters.append(waiter)
        try:
            await waiter[1].wait()
        finally:
            self._waiters.remove(waiter)
