"""`HttpThrottle`: host.json `extensions.http.maxConcurrentRequests` / `maxOutstandingRequests`, enforced on
function routes as Azure's host does, and the count of outstanding HTTP function requests the scaler reads.

Azure (azure-functions-host `HttpThrottleMiddleware` + `HttpRequestQueue`, a Dataflow `ActionBlock` with
`MaxDegreeOfParallelism = maxConcurrentRequests` and `BoundedCapacity = maxOutstandingRequests`): at most
maxConcurrentRequests requests run at once and the others wait in arrival order; when running plus waiting already
reach maxOutstandingRequests, a new request is answered 429 at once with `X-FUNCTION-SCALEOUT: 1` and an empty
body. Admin requests are never throttled there; here the throttle wraps function endpoints only, so `/admin`,
the probes and `/metrics` never wait and never count. It sits in front of key checks, as Azure's middleware sits
in front of function invocation. -1 / unset = unbounded (`funchost.metadata.http_concurrency`).
"""

from __future__ import annotations

import asyncio
import collections
import logging

from starlette.types import ASGIApp, Receive, Scope, Send

from funchost.http.responses import send_status
from funchost.metadata.http_concurrency import HttpConcurrency
from funchost.metadata.http_load import LoadGauge

logger = logging.getLogger("funchost.http")

TOO_MANY = 429
OUTSTANDING_METRIC = "funchost_http_requests_outstanding"  # `outstanding` on /metrics (the in-cluster HTTP scaler)
SCALE_OUT_HEADER = (b"x-function-scaleout", b"1")  # ScriptConstants.AntaresScaleOutHeaderName


class HttpThrottle:
    """One per host; `wrap(endpoint)` puts a function endpoint behind it."""

    def __init__(self, limits: HttpConcurrency, gauge: LoadGauge | None = None) -> None:
        self.limits = limits
        self.gauge = gauge or LoadGauge()
        self.running = 0
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()
        self.rejected = 0  # 429s answered since the start

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @property
    def outstanding(self) -> int:
        """Running plus waiting HTTP function requests (what maxOutstandingRequests bounds)."""
        return self.running + len(self._waiting)

    def wrap(self, endpoint: ASGIApp) -> ASGIApp:
        async def throttled(scope: Scope, receive: Receive, send: Send) -> None:
            await self.run(endpoint, scope, receive, send)

        return throttled

    async def run(self, endpoint: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        bound = self.limits.max_outstanding_requests
        if bound is not None and self.outstanding >= bound:
            self.rejected += 1
            if self.rejected == 1 or self.rejected % 100 == 0:
                logger.info("Http request queue limit of %d has been exceeded (%d rejected so far)", bound,
                            self.rejected)  # fmt: skip
            await send_status(send, TOO_MANY, b"", [SCALE_OUT_HEADER])
            return
        await self._acquire()
        try:
            await endpoint(scope, receive, send)
        finally:
            self._release()

    async def _acquire(self) -> None:
        limit = self.limits.max_concurrent_requests
        if limit is None or (self.running < limit and not self._waiting):
            self.running += 1
            self.gauge.set(self.outstanding)
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        self.gauge.set(self.outstanding)
        try:
            await turn  # `_release` hands its slot over (running stays counted)
        except BaseException:
            if turn.done() and not turn.cancelled():
                self._release()  # the slot arrived as we were cancelled: pass it on
            else:
                self._waiting.remove(turn)
                self.gauge.set(self.outstanding)
            raise

    def _release(self) -> None:
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)  # the slot moves to the oldest waiter
                self.gauge.set(self.outstanding)
                return
        self.running -= 1
        self.gauge.set(self.outstanding)
