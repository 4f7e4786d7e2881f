"""`functionTimeout` enforcement with one watchdog per event loop instead of a timer per invocation.

`asyncio.timeout()` schedules and cancels a timer handle on every call, a measurable share of a small HTTP
function's cost. Here an invocation only records its deadline; a watchdog task, running only while something
is registered, wakes every `TICK` seconds and cancels the tasks that overran. Timeouts therefore fire up to
`TICK` late, well within functionTimeout's one-second minimum.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Callable
from typing import Any

TICK = 0.25


class Deadlines:
    """`clock` and `tick` are the monotonic clock deadlines are measured on and the watchdog's period."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, tick: float = TICK) -> None:
        self._clock, self._tick = clock, tick
        self._entries: dict[int, tuple[float, asyncio.Task[Any]]] = {}
        self.expired: set[int] = set()
        self._watchdog: asyncio.Task[None] | None = None
        self._next_key = 0

    def register(self, timeout: float | None, task: asyncio.Task[Any] | None = None) -> int:
        """Watch `task` (default: the current one) until `unregister`; cancel it `timeout` seconds from now."""
        if task is None:
            task = asyncio.current_task()
            assert task is not None, "invocations run inside a task"
        self._next_key += 1
        key = self._next_key
        self._entries[key] = (self._clock() + (timeout or 0.0), task)
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = task.get_loop().create_task(self._watch(), name="funchost-deadlines")
        return key

    def unregister(self, key: int) -> bool:
        """Forget the entry; True if the watchdog had cancelled it for running past its deadline."""
        self._entries.pop(key, None)
        if key in self.expired:
            self.expired.discard(key)
            return True
        return False

    async def _watch(self) -> None:
        # Sleep first, then look: an invocation that completes without yielding (a small HTTP function) has
        # unregistered before this task's first step, and a watchdog that checked first would end at once and be
        # re-created by the next request — a task per request. This one lives at least a tick.
        while True:
            await asyncio.sleep(self._tick)
            if not self._entries:
                return  # idle for a tick; the next register() starts a new watchdog
            now = self._clock()
            for key, (deadline, task) in list(self._entries.items()):
                if now >= deadline and key not in self.expired:
                    self.expired.add(key)
                    task.cancel()


_per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Deadlines] = weakref.WeakKeyDictionary()


def deadlines(loop: asyncio.AbstractEventLoop | None = None) -> Deadlines:
    """The `Deadlines` of `loop` (default: the running loop)."""
    if loop is None:
        loop = asyncio.get_running_loop()
    found = _per_loop.get(loop)
    if found is None:
        found = _per_loop[loop] = Deadlines()
    return found
