"""Scale from zero on the first connection: while the app has 0 workers, the controller's event loop watches the
listening socket it owns; a connection waiting to be accepted makes it readable, and the loop ticks at once
instead of at the next poll (the scaler then sees the backlog, and `decide` activates to 1 — the standby worker
is promoted and accepts the connection the kernel held in its accept queue; nothing is refused or lost).

Readability is level-triggered, so the watch is removed when it fires and set again only after a tick that left
(or brought) the app at 0 workers.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Sequence

from scale_controller.decision import Decision, Reading


class ZeroWake:
    def __init__(self, listener: socket.socket, wake: Callable[[], None]) -> None:
        self.listener = listener
        self.wake = wake
        self.armed = False
        self.wakes = 0  # how often a connection woke the loop

    def after_tick(self, readings: Sequence[Reading], decision: Decision | None) -> None:
        """The loop's `on_tick`: watch while the app is at 0 workers."""
        if decision is not None and decision.desired == 0:
            self.arm()

    def arm(self) -> None:
        if not self.armed:
            asyncio.get_running_loop().add_reader(self.listener.fileno(), self._readable)
            self.armed = True

    def disarm(self) -> None:
        if self.armed:
            asyncio.get_running_loop().remove_reader(self.listener.fileno())
            self.armed = False

    def _readable(self) -> None:
        self.disarm()
        self.wakes += 1
        self.wake()
