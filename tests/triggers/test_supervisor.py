"""Supervisor: connect/consume with retries, the states it passes through, the first-attempt event, the
de-duplicated error log and cancellation on stop. The supervised connection is a scripted in-process object (the
supervisor's own behaviour is under test, not a broker's); the back-off wait is recorded instead of slept."""

from __future__ import annotations

import asyncio
import logging

import pytest

from funchost.triggers.base import ListenerState
from funchost.triggers.supervisor import REPEAT_SAME_ERROR_EVERY, RETRY_DELAYS, Problem, Supervisor
from tests.support.waiting import until

LOG = logging.getLogger("tests.supervisor")


class Scripted:
    """connect() raises the scripted errors in turn, then succeeds; consume() ends as `lose` says."""

    def __init__(self, errors: list[Exception], *, waiting: bool = False) -> None:
        self.errors = errors
        self.waiting = waiting
        self.supervisor: Supervisor | None = None
        self.states_at_connect: list[ListenerState] = []
        self.disconnects = 0
        self.consuming = asyncio.Event()
        self.lose = asyncio.Event()
        self.lost_reason = "the connection was lost"
        self.consume_error: Exception | None = None
        self.cancelled = False

    async def connect(self) -> None:
        assert self.supervisor is not None
        self.states_at_connect.append(self.supervisor.state)
        if self.errors:
            raise self.errors.pop(0)

    async def consume(self) -> str:
        self.consuming.set()
        try:
            await self.lose.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        self.lose.clear()
        self.consuming.clear()
        if self.consume_error is not None:
            error, self.consume_error = self.consume_error, None
            raise error
        return self.lost_reason

    async def disconnect(self) -> None:
        self.disconnects += 1

    def explain(self, exc: Exception) -> Problem:
        return Problem(f"cannot reach the broker: {exc}", waiting=self.waiting)


def supervise(scripted: Scripted) -> tuple[Supervisor, list[float]]:
    waits: list[float] = []

    async def wait(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(0)

    supervisor = Supervisor("test:fn", scripted, LOG, wait=wait)
    scripted.supervisor = supervisor
    return supervisor, waits


def retry_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOG.name and "retrying in the background" in r.message]


async def test_fails_twice_then_connects(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, LOG.name)
    scripted = Scripted([OSError("refused"), OSError("refused")])
    supervisor, waits = supervise(scripted)
    await supervisor.start()  # returns at the first failure, with the problem reported
    assert supervisor.failures >= 1 and supervisor.problem == "cannot reach the broker: refused"
    await scripted.consuming.wait()
    assert scripted.states_at_connect == [ListenerState.STARTING] * 3  # never reconnecting before the first success
    assert supervisor.state is ListenerState.RUNNING and supervisor.problem == "" and supervisor.failures == 0
    assert waits == [RETRY_DELAYS[0], RETRY_DELAYS[1]]
    assert retry_lines(caplog) == ["cannot reach the broker: refused (attempt 1; retrying in the background)"]
    assert scripted.disconnects == 2
    supervisor.begin_stop()
    assert supervisor.state is ListenerState.STOPPING
    await supervisor.cancel()
    assert scripted.cancelled
    supervisor.stopped()
    assert supervisor.state == "stopped"  # the wire value /readyz shows


async def test_same_error_is_logged_once_then_every_nth_attempt_and_a_changed_error_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, LOG.name)
    errors: list[Exception] = [OSError("refused") for _ in range(REPEAT_SAME_ERROR_EVERY + 1)]
    scripted = Scripted([*errors, OSError("no route")])
    supervisor, waits = supervise(scripted)
    await supervisor.start()
    await scripted.consuming.wait()
    assert retry_lines(caplog) == [
        "cannot reach the broker: refused (attempt 1; retrying in the background)",
        f"cannot reach the broker: refused (attempt {REPEAT_SAME_ERROR_EVERY}; retrying in the background)",
        f"cannot reach the broker: no route (attempt {REPEAT_SAME_ERROR_EVERY + 2}; retrying in the background)",
    ]
    assert waits[:4] == list(RETRY_DELAYS) and set(waits[4:]) == {RETRY_DELAYS[-1]}  # then every 5 s
    supervisor.begin_stop()
    await supervisor.cancel()


async def test_lost_connection_reconnects_at_once_and_a_consume_error_backs_off() -> None:
    scripted = Scripted([])
    supervisor, waits = supervise(scripted)
    await supervisor.start()
    await scripted.consuming.wait()
    scripted.errors = [OSError("refused")]
    scripted.lose.set()  # consume() returns: lost, reconnect without waiting
    await until(lambda: len(scripted.states_at_connect) == 3 and scripted.consuming.is_set(), what="consuming again")
    reconnecting = ListenerState.RECONNECTING
    assert scripted.states_at_connect == [ListenerState.STARTING, reconnecting, reconnecting]
    assert supervisor.state is ListenerState.RUNNING
    assert waits == [RETRY_DELAYS[0]]  # only the failed connect waited
    scripted.consume_error = OSError("reset")
    scripted.lose.set()  # consume() raises: a failure, counted and backed off
    await until(lambda: len(scripted.states_at_connect) == 4 and scripted.consuming.is_set(), what="reconnected")
    assert waits == [RETRY_DELAYS[0], RETRY_DELAYS[0]]  # the count restarted at the successful connect
    supervisor.begin_stop()
    await supervisor.cancel()


async def test_waiting_when_the_listener_says_so() -> None:
    scripted = Scripted([LookupError("no queue")] * 3, waiting=True)
    supervisor, _ = supervise(scripted)
    await supervisor.start()
    assert supervisor.state is ListenerState.WAITING
    await scripted.consuming.wait()
    assert scripted.states_at_connect[1:] == [ListenerState.WAITING] * 3
    supervisor.begin_stop()
    await supervisor.cancel()


async def test_a_loop_that_dies_is_failed_and_start_returns(caplog: pytest.LogCaptureFixture) -> None:
    class Broken(Scripted):
        async def disconnect(self) -> None:
            raise RuntimeError("cleanup bug")

    scripted = Broken([OSError("refused")])
    supervisor, _ = supervise(scripted)
    await supervisor.start()
    await until(lambda: supervisor.state is ListenerState.FAILED, what="failed")
    assert any(r.getMessage() == "Listener 'test:fn' failed" and r.exc_info for r in caplog.records)
