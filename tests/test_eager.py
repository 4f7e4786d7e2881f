"""`resume`: the rest of a coroutine whose first step ran inline gets exactly what the task sends or throws."""

from __future__ import annotations

import asyncio
import types
from collections.abc import Coroutine, Generator
from typing import Any

import pytest

from funchost.eager import resume


def started(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run the first step as the invoker does; the coroutine must suspend."""
    return coroutine.send(None)


async def test_a_coroutine_that_waits_several_times_returns_its_value() -> None:
    async def work() -> str:
        for _ in range(3):
            await asyncio.sleep(0)
        await asyncio.sleep(0.01)
        return "done"

    coroutine = work()
    assert await resume(coroutine, started(coroutine)) == "done"


async def test_cancellation_reaches_the_coroutine_which_may_handle_it() -> None:
    handled = asyncio.Event()

    async def work() -> str:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            handled.set()
            await asyncio.sleep(0)  # it may even wait again before it answers
            return "cleaned up"
        return "not cancelled"

    async def invocation() -> str:
        coroutine = work()
        return await resume(coroutine, started(coroutine))  # type: ignore[no-any-return]

    task = asyncio.create_task(invocation())
    await asyncio.sleep(0.01)
    task.cancel()
    assert await task == "cleaned up" and handled.is_set()


async def test_cancellation_the_coroutine_does_not_handle_propagates() -> None:
    async def work() -> None:
        await asyncio.sleep(10)

    async def invocation() -> None:
        coroutine = work()
        await resume(coroutine, started(coroutine))

    task = asyncio.create_task(invocation())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_values_sent_by_a_driver_other_than_asyncio_are_passed_on() -> None:
    received: list[Any] = []

    @types.coroutine
    def inner() -> Generator[str, Any, str]:
        received.append((yield "first"))
        received.append((yield "second"))
        return "inner result"

    async def outer() -> Any:
        coroutine = inner()
        return await resume(coroutine, started(coroutine))

    driver = outer()
    assert driver.send(None) == "first"
    assert driver.send("a") == "second"
    with pytest.raises(StopIteration) as info:
        driver.send("b")
    assert info.value.value == "inner result" and received == ["a", "b"]


def test_closing_the_task_closes_the_coroutine() -> None:
    closed: list[bool] = []

    @types.coroutine
    def inner() -> Generator[str, Any, None]:
        try:
            yield "waiting"
        finally:
            closed.append(True)

    async def outer() -> None:
        coroutine = inner()
        await resume(coroutine, started(coroutine))

    driver = outer()
    assert driver.send(None) == "waiting"
    driver.close()
    assert closed == [True]
