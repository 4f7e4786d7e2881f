"""`ConnectionGuard`: what all HTTP connections of one server share — the limits, the open connections oldest
first (for the connection cap), the once-a-second sweep that closes heads past `requestHeadersTimeout`, and a log
line every 10 s saying what the limits refused. The protocol that consults it is `funchost/http/connections.py`.
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import TYPE_CHECKING

from funchost.http.server_limits import ServerLimits

if TYPE_CHECKING:
    from funchost.http.connections import GuardedProtocol

SWEEP_SECONDS = 1.0
REPORT_TICKS = 10  # sweeps between two reports of what was refused
logger = logging.getLogger("funchost.http")


class ConnectionGuard:
    """What all connections of one server share: the limits, the open connections (oldest first) and the clock."""

    def __init__(self, limits: ServerLimits, cap: int) -> None:
        self.limits = limits
        self.cap = cap
        self.open: dict[GuardedProtocol, None] = {}  # insertion order = age
        self.tick = 0
        self.refused = {431: 0, 414: 0, 408: 0, 503: 0}  # responses (or closes) by status, since start
        self.evicted = 0  # idle connections closed to make room
        self._reported: tuple[int, ...] = (0, 0, 0, 0, 0)
        self._timeout_ticks = math.ceil(limits.headers_timeout / SWEEP_SECONDS)
        self.abort_at = limits.max_request_line_size + limits.max_headers_total_size  # refuse a head still growing
        self.max_header_count = limits.max_header_count
        self.measure_above = min(limits.max_request_line_size, limits.max_headers_total_size)  # measure it exactly
        self._timer: asyncio.TimerHandle | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is None:
            self._timer = loop.call_later(SWEEP_SECONDS, self._sweep, loop)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def admit(self, connection: GuardedProtocol) -> bool:
        if len(self.open) >= self.cap:
            idle = next((c for c in self.open if c.idle), None)
            if idle is None:
                self.refused[503] += 1
                return False
            del self.open[idle]
            self.evicted += 1
            idle.transport.close()
        self.open[connection] = None
        return True

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        self.tick += 1
        expired = self.tick - self._timeout_ticks - 1  # a head begun at tick t had at least (now - t - 1) s
        for connection in [c for c in self.open if 0 <= c.head_tick <= expired]:
            connection.head_timed_out()
        if self.tick % REPORT_TICKS == 0:
            self._report()
        self._timer = loop.call_later(SWEEP_SECONDS, self._sweep, loop)

    def _report(self) -> None:
        """One log line for what the limits refused since the last report (at most every REPORT_TICKS s)."""
        now = (*self.refused.values(), self.evicted)
        if now == self._reported:
            return
        too_large, too_long, timed_out, busy, evicted = (a - b for a, b in zip(now, self._reported, strict=True))
        self._reported = now
        logger.warning(
            "HTTP limits in the last %d s: %d heads over the header limits (431), %d request lines too long (414), "
            "%d heads not received in time (408/closed), %d connections refused with every one busy (503), "
            "%d idle connections closed to make room (%d open, cap %d)",
            REPORT_TICKS,
            too_large,
            too_long,
            timed_out,
            busy,
            evicted,
            len(self.open),
            self.cap,
        )
