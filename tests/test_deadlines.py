"""The per-loop deadline watchdog: overdue tasks are cancelled and reported as expired; others are untouched."""

from __future__ import annotations

import asyncio

import pytest

from funchost.deadlines import TICK, deadlines


async def test_overdue_task_is_cancelled_and_marked_expired() -> None:
    watch = deadlines()

    async def overrun() -> bool:
        key = watch.register(0.05)
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            return watch.unregister(key)
        return False

    assert await asyncio.wait_for(asyncio.create_task(overrun()), TICK * 8) is True


async def test_work_that_finishes_in_time_is_not_cancelled() -> None:
    watch = deadlines()
    key = watch.register(5)
    await asyncio.sleep(TICK * 2)
    assert watch.unregister(key) is False


async def test_a_foreign_cancel_is_not_a_timeout() -> None:
    watch = deadlines()

    async def work() -> None:
        key = watch.register(60)
        try:
            await asyncio.sleep(10)
        finally:
            assert watch.unregister(key) is False

    task = asyncio.create_task(work())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


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
