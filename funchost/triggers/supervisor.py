"""The connection loop of a connection-owning listener, written once: connect, consume, retry with back-off.

A listener that owns one broker connection (Kafka, RabbitMQ) plugs a `Supervised` into a `Supervisor`, the way
FastStream's subscribers plug `start()`/`consume()` into their broker's loop. The supervisor owns:
- the retry delays (`RETRY_DELAYS`: 1, 2, 4, then every 5 s — RabbitMQ.Client's NetworkRecoveryInterval);
- the state (`ListenerState`): starting → running, or after a failure starting / waiting (the listener says the
  broker answers but the queue does not exist) / reconnecting; failed if the loop itself dies; stopping, stopped;
- the first-attempt event `Host` awaits at start (set once connected or once the first failure is reported);
- the error log: a failure is logged when it differs from the previous one and then every
  `REPEAT_SAME_ERROR_EVERY` attempts, not on every retry;
- cancellation on stop. The listener orders its own shutdown (stop fetching, drain, settle, close) around
  `begin_stop()` and `cancel()`.

The storage-queue and timer listeners use `ListenerState` but not the supervisor: neither holds a connection to
lose. The queue listener polls — every receive is independent and its back-off is Azure's polling back-off
(100 ms doubling to maxPollingInterval, reset when messages arrive), not a reconnect delay; the timer waits for
a blob lease and then for the clock, and its only "failure" is another instance holding the lease (standby).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from funchost.triggers.base import ListenerState
from funchost.triggers.gate import WorkGate

RETRY_DELAYS = (1.0, 2.0, 4.0, 5.0)  # seconds after failure 1, 2, 3, then every 5 s
REPEAT_SAME_ERROR_EVERY = 12  # attempts; a changed error is logged at once


@dataclass(frozen=True)
class Problem:
    """A failed attempt as the listener explains it: the message (names the setting, never a secret)."""

    message: str
    waiting: bool = False  # the broker answers but what it consumes does not exist yet (/readyz stays 200)
    traceback: bool = False  # unexpected: log the exception with its traceback


class Supervised(Protocol):
    """What a connection-owning listener plugs in."""

    async def connect(self) -> None:
        """Connect and subscribe; raise if that fails (the supervisor retries)."""

    async def consume(self) -> str:
        """Deliver events until the connection is lost or stop begins. Return why it ended (empty when stopping)
        to reconnect at once; raise to count a failure and back off."""

    async def disconnect(self) -> None:
        """Clean up after a failed attempt or a lost connection (not on stop: the listener closes then)."""

    def explain(self, exc: Exception) -> Problem:
        """The message to log and show in /readyz for a failed attempt."""


Wait = Callable[[float], Awaitable[None]]


class Supervisor:
    def __init__(self, name: str, supervised: Supervised, log: logging.Logger, *, wait: Wait | None = None) -> None:
        self.name = name
        self._log = log
        self.state = ListenerState.STARTING
        self.problem = ""  # the error it retries after, or why it reconnects (for /readyz); empty while running
        self.failures = 0  # failed attempts since the last successful connect
        self._supervised = supervised
        self._wait = wait or self._wait_unless_stopping
        self.stopping = asyncio.Event()
        self._first_attempt = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Run the loop in the background; return once connected or once the first failure is reported."""
        self._task = asyncio.create_task(self._run(), name=self.name)
        self._task.add_done_callback(self._run_ended)
        await self._first_attempt.wait()

    def begin_stop(self) -> None:
        self.state = ListenerState.STOPPING
        self.stopping.set()

    async def cancel(self) -> None:
        """Stop the loop (after `begin_stop()`), waiting until it has ended."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def stopped(self) -> None:
        self.state = ListenerState.STOPPED

    async def _run(self) -> None:
        last_error = ""
        while not self.stopping.is_set():
            try:
                await self._supervised.connect()
                self.state, self.problem = ListenerState.RUNNING, ""
                self.failures, last_error = 0, ""
                self._first_attempt.set()
                lost = await self._supervised.consume()
            except Exception as exc:
                self.failures += 1
                problem = self._supervised.explain(exc)
                if problem.message != last_error or self.failures % REPEAT_SAME_ERROR_EVERY == 0:
                    self._log.error(
                        "%s (attempt %d; retrying in the background)",
                        problem.message,
                        self.failures,
                        exc_info=exc if problem.traceback else None,
                    )
                last_error = self.problem = problem.message
                if problem.waiting:
                    self.state = ListenerState.WAITING
                elif self.state is not ListenerState.STARTING:
                    self.state = ListenerState.RECONNECTING
                self._first_attempt.set()
                await self._supervised.disconnect()
                await self._wait(RETRY_DELAYS[min(self.failures, len(RETRY_DELAYS)) - 1])
                continue
            if self.stopping.is_set():
                return  # the listener settles and closes
            self.state, self.problem = ListenerState.RECONNECTING, lost
            await self._supervised.disconnect()

    async def _wait_unless_stopping(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), seconds)

    def _run_ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self._log.error("Listener '%s' failed", self.name, exc_info=task.exception())
            self.state = ListenerState.FAILED
            self._first_attempt.set()


class SupervisedListener:
    """The part of the Listener contract every connection-owning listener answers from its `Supervisor` and its
    `WorkGate` (set `self._supervisor` and `self._gate` in `__init__`): state, detail, in-flight count, start."""

    _supervisor: Supervisor
    _gate: WorkGate

    def state(self) -> ListenerState:
        return self._supervisor.state

    def detail(self) -> str:
        """Why the state is not plainly "running" (shown by /readyz)."""
        return self._supervisor.problem

    @property
    def in_flight(self) -> int:
        return self._gate.in_flight

    async def start(self) -> None:
        await self._supervisor.start()  # connected and consuming, or the failure is logged and retries are scheduled
