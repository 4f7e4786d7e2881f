"""WorkGate: work run in the caller's own task (`run_here`) is counted, drained and releases its slot."""

from __future__ import annotations

import asyncio

import pytest

from funchost.triggers.gate import WorkGate
from tests.support.waiting import until


async def test_run_here_is_counted_and_drained_like_spawned_work() -> None:
    gate = WorkGate(2, "test")
    release = asyncio.Event()

    async def work() -> None:
        await release.wait()

    started = 0

    async def deliver() -> None:  # what aio-pika does: one task per delivery, the callback runs inside it
        nonlocal started
        started += 1
        await gate.acquire()
        await gate.run_here(work())

    tasks = [asyncio.create_task(deliver()) for _ in range(3)]
    await until(lambda: started == 3 and gate.in_flight == 2, what="three deliveries, two of them running")
    assert (gate.in_flight, gate.free) == (2, 0)  # the third waits for a slot
    drain = asyncio.create_task(gate.drain(30))
    await asyncio.sleep(0)  # the drain's first step: it must now wait for the running work
    assert not drain.done()
    release.set()
    assert await drain
    await asyncio.gather(*tasks)
    assert (gate.in_flight, gate.free) == (0, 2)


async def test_run_here_logs_a_failure_and_frees_the_slot(caplog: pytest.LogCaptureFixture) -> None:
    gate = WorkGate(1, "listener-x")

    async def broken() -> None:
        raise RuntimeError("channel closed")

    await gate.acquire()
    await gate.run_here(broken())
    assert gate.free == 1
    assert "listener-x: unexpected error while settling a message" in caplog.text
