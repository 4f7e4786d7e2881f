"""Waiting for a condition in async tests: poll with a deadline instead of sleeping a guessed time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any


async def until(predicate: Callable[[], Any | Awaitable[Any]], within: float = 30.0, what: str = "condition") -> None:
    """Re-check `predicate` (sync or async) every 20 ms until truthy; fail the test after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        assert time.monotonic() < deadline, f"timed out after {within} s waiting for {what}"
        await asyncio.sleep(0.02)
