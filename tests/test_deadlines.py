"""The per-loop deadline watchdog: overdue tasks are cancelled and reported as expired; others are untouched.

The watchdog runs on a ManualClock (time moves only when the test advances it) with a tiny tick, so every check is
an ordering of events — "the clock passed the deadline, then the watchdog looked" — not a guess of elapsed time.
"""

from __future__ import annotations

import asyncio

import pytest

from funchost.deadlines import TICK, Deadlines, deadlines
from tests.support.clock import ManualClock

FAST_TICK = 0.001


async def test_overdue_task_is_cancelled_and_marked_expired() -> None:
    clock = ManualClock()
    watch = Deadlines(clock=clock, tick=FAST_TICK)
    registered = asyncio.Event()

    async def overrun() -> bool:
        key = watch.register(0.05)
        registered.set()
        try:
            await asyncio.Event().wait()  # never set: only the watchdog ends this
        except asyncio.CancelledError:
            return watch.unregister(key)
        return False

    task = asyncio.create_task(overrun())
    await registered.wait()
    await clock.read_again(2)
    assert not task.done(), "not cancelled before its deadline"
    clock.advance(0.05)
    assert await task is True


async def test_work_that_finishes_in_time_is_not_cancelled() -> None:
    clock = ManualClock()
    watch = Deadlines(clock=clock, tick=FAST_TICK)
    key = watch.register(5)
    clock.advance(4.9)
    await clock.read_again(3)  # the watchdog looked several times, just before the deadline
    assert watch.unregister(key) is False


async def test_a_foreign_cancel_is_not_a_timeout() -> None:
    clock = ManualClock()
    watch = Deadlines(clock=clock, tick=FAST_TICK)
    registered = asyncio.Event()

    async def work() -> None:
        key = watch.register(60)
        registered.set()
        try:
            await asyncio.Event().wait()
        finally:
            assert watch.unregister(key) is False

    task = asyncio.create_task(work())
    await registered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_the_default_watchdog_ticks_at_a_quarter_second_on_the_monotonic_clock() -> None:
    watch = deadlines()
    assert watch is deadlines() and watch._tick == TICK == 0.25
    assert watch._clock.__name__ == "monotonic"


async def test_invocations_that_finish_without_yielding_share_one_watchdog() -> None:
    """A small HTTP function registers and unregisters within one task step; the watchdog must not end (and be
    re-created as a new task) between such requests."""
    watch = deadlines()
    watchdogs = []
    for _ in range(50):
        watch.unregister(watch.register(30))
        await asyncio.sleep(0)  # the loop runs other callbacks between requests, the watchdog's step among them
        watchdogs.append(watch._watchdog)
    assert all(w is watchdogs[0] and w is not None and not w.done() for w in watchdogs)
