"""Running a coroutine's first step inline and awaiting the rest only if it suspended.

Most small functions (an HTTP function answering from memory) finish in their first step, without ever
suspending. While a coroutine runs, nothing else on the loop can: a function that has not suspended can neither be
cancelled, nor be seen in flight by a `/metrics` scrape or by shutdown. The invoker therefore runs the first step
itself (`coroutine.send(None)`, the idea of Python 3.12's eager tasks) and only when the coroutine suspended
registers its deadline and in-flight count and awaits the rest with `resume`.

`resume` passes through exactly what a Task sends or throws: the loop's `None` after the awaited future is done, a
`CancelledError` (or any other exception) thrown into the task, `GeneratorExit` when the task is closed.
"""

from __future__ import annotations

import types
from collections.abc import Coroutine, Generator
from typing import Any


@types.coroutine
def resume(coroutine: Coroutine[Any, Any, Any], pending: Any) -> Generator[Any, Any, Any]:
    """Await the rest of `coroutine`, whose first step the caller ran (`coroutine.send(None)`) and which yielded
    `pending` to be awaited by the task; returns the coroutine's result."""
    while True:
        try:
            sent = yield pending
        except GeneratorExit:
            coroutine.close()
            raise
        except BaseException as exc:  # thrown into the task (cancellation): the coroutine decides what happens
            try:
                pending = coroutine.throw(exc)
            except StopIteration as done:
                return done.value
            continue
        if sent is None:  # what asyncio's Task always sends: from here on, plain delegation
            return (yield from coroutine)
        try:
            pending = coroutine.send(sent)
        except StopIteration as done:
            return done.value
