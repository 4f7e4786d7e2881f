"""ConnectionGuard on its own: the cap evicts the oldest idle connection, refuses only when all are busy, and reports
what the limits refused. (End to end, over real sockets: tests/http/test_connections.py.)"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from funchost.http.connection_guard import ConnectionGuard
from funchost.http.server_limits import ServerLimits


class Transport:
    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


class Connection:
    """What the guard reads of a connection: `idle`, `head_tick`, `transport`."""

    def __init__(self, idle: bool) -> None:
        self.idle = idle
        self.head_tick = -1
        self.transport = Transport()


def admit(guard: ConnectionGuard, connection: Any) -> bool:
    return guard.admit(connection)


def test_at_the_cap_the_oldest_idle_connection_makes_room() -> None:
    guard = ConnectionGuard(ServerLimits(), cap=3)
    busy, old_idle, young_idle = Connection(False), Connection(True), Connection(True)
    for connection in (busy, old_idle, young_idle):
        assert admit(guard, connection)
    newcomer = Connection(True)
    assert admit(guard, newcomer)
    assert old_idle.transport.closed and not young_idle.transport.closed and not busy.transport.closed
    assert list(guard.open) == [busy, young_idle, newcomer] and guard.evicted == 1


def test_when_every_connection_is_busy_the_newcomer_is_refused() -> None:
    guard = ConnectionGuard(ServerLimits(), cap=2)
    first, second = Connection(False), Connection(False)
    assert admit(guard, first) and admit(guard, second)
    assert not admit(guard, Connection(True))
    assert guard.refused[503] == 1 and list(guard.open) == [first, second]


def test_what_was_refused_is_reported_once(caplog: pytest.LogCaptureFixture) -> None:
    guard = ConnectionGuard(ServerLimits(), cap=10)
    guard.refused[431] += 3
    guard.refused[408] += 1
    with caplog.at_level(logging.WARNING, "funchost.http"):
        guard._report()
        guard._report()  # nothing new: no second line
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1
    assert "3 heads over the header limits (431)" in lines[0] and "1 heads not received in time" in lines[0]
