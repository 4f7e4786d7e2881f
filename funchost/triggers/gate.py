"""`WorkGate`: the per-listener concurrency limit, in-flight count and drain that every event listener shares.

A listener calls `await gate.acquire()` before taking an event into work (so it stops fetching while the
limit is reached), runs the work with `gate.spawn(coro)` — or `await gate.run_here(coro)` when the caller is
already a task of its own per event (aio-pika runs each consumer callback in one) — and on stop calls
`await gate.drain(grace)`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

logger = logging.getLogger("funchost.triggers")
T = TypeVar("T")


class WorkGate:
    def __init__(self, limit: int, name: str) -> None:
        if limit < 1:
            raise ValueError(f"{name}: concurrency limit must be at least 1, got {limit}")
        self.limit = limit
        self.name = name
        self._slots = asyncio.Semaphore(limit)
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    @property
    def free(self) -> int:
        return self.limit - len(self._tasks)

    async def acquire(self) -> None:
        """Wait for a free slot. Pair with `spawn` (which releases the slot when the work ends)."""
        await self._slots.acquire()

    def spawn(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run already-admitted work in the background; the slot is released when it finishes."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    async def run_here(self, work: Coroutine[Any, Any, T]) -> T | None:
        """Run already-admitted work in the current task, counted and drained like spawned work; the slot is
        released when it ends. Saves a task per event where the caller already has one per event. An
        unexpected error is logged and gives None."""
        task = asyncio.current_task()
        assert task is not None, "run_here() runs inside a task"
        self._tasks.add(task)
        try:
            return await work
        except Exception:
            logger.exception("%s: unexpected error while settling a message", self.name)
            return None
        finally:
            self._tasks.discard(task)
            self._slots.release()

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        self._slots.release()
        if not task.cancelled() and task.exception() is not None:
            logger.error("%s: unexpected error while settling a message", self.name, exc_info=task.exception())

    async def drain(self, grace_seconds: float) -> bool:
        """Wait for in-flight work; after the grace period cancel what is left. True if everything finished."""
        if not self._tasks:
            return True
        done, pending = await asyncio.wait(set(self._tasks), timeout=grace_seconds)
        for task in pending:
            task.cancel()
        if pending:
            logger.error(
                "%s: %d invocation(s) still running after %.0f s; cancelled", self.name, len(pending), grace_seconds
            )
            await asyncio.gather(*pending, return_exceptions=True)
        return not pending
