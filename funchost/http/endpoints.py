"""The ASGI endpoints behind function routes: decorated functions, native ASGI apps and WSGI apps.

- `FunctionEndpoint`: read the body (bounded), build `func.HttpRequest`, invoke, send the HTTP output. Invocation
  failures and timeouts answer 500 with a generic body; the invoker has logged the traceback.
- `AsgiEndpoint`: pass the request to the user's ASGI app as Azure's AsgiMiddleware would (full path, root_path
  as the server gave it, the app's own lifespan state), with the body limit applied while it streams.
- `WsgiEndpoint`: the same for WSGI apps, run in a worker thread.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Mapping
from concurrent.futures import Executor
from types import MappingProxyType
from typing import Any

from starlette.types import Receive, Scope, Send

from funchost.bindings.binding_data import http_binding_data
from funchost.bindings.http_request import to_http_request
from funchost.bindings.http_response import EMPTY_OK, NO_CONTENT, HttpOutputError, HttpResponseData, to_http_response
from funchost.errors import InvocationError
from funchost.http.lifespan import AppLifespan
from funchost.http.limits import BodyLimit, bodyless, read_body_or_reply
from funchost.http.responses import send_response, send_status
from funchost.http.wsgi import WsgiApp, WsgiResponder, build_environ
from funchost.invocation import FunctionInvoker
from funchost.metrics import HostMetrics

logger = logging.getLogger("funchost.http")

SERVER_ERROR = b"Internal Server Error"
# Keys the host adds to the scope (and the host's own lifespan state): a native app gets the server's scope without
# them, plus its own lifespan state.
_HOST_SCOPE_KEYS = frozenset({"app", "router", "route", "endpoint", "path_params", "state"})
_NO_ROUTE_VALUES: Mapping[str, str] = MappingProxyType({})


class FunctionEndpoint:
    def __init__(
        self,
        invoker: FunctionInvoker,
        *,
        trigger: str,
        http_output: str | None,
        max_body: int,
    ) -> None:
        self.invoker = invoker
        self.name = invoker.name
        self.trigger = trigger
        self.http_output = http_output
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b"" if bodyless(scope) else await read_body_or_reply(scope, receive, send, self.max_body)
        if body is None:
            return
        request = to_http_request(scope, body, scope.get("path_params") or _NO_ROUTE_VALUES)
        try:
            data = functools.partial(http_binding_data, request) if self.invoker.needs_binding_data else None
            outputs = await self.invoker.invoke({self.trigger: request}, binding_data=data)  # sends other outputs
            status, headers, response_body = self._response(outputs)
        except InvocationError:
            await send_status(send, 500, SERVER_ERROR)  # what happened is logged, never sent to the client
            return
        await send_response(send, status, headers, response_body, head=scope["method"] == "HEAD")

    def _response(self, outputs: Mapping[str, Any]) -> HttpResponseData:
        if self.http_output is None:
            return NO_CONTENT  # no http output binding at all: 204, as the Functions host answers since 2.x
        value = outputs.get(self.http_output)
        if value is None and self.http_output != "$return":
            return EMPTY_OK  # an Out[HttpResponse] that was never set: the host answers 200 with no body
        try:
            return to_http_response(value)
        except HttpOutputError as exc:
            logger.error(
                "Function '%s': %s, so the request failed with 500 (as on Azure). Fix: return func.HttpResponse(...)"
                " or a str from an HTTP function",
                self.name,
                exc,
            )
            raise InvocationError(str(exc)) from exc


class _Recorder:
    """Counts a native app's requests as invocations of its generated function, like the invoker does."""

    def __init__(self, name: str, metrics: HostMetrics) -> None:
        metrics.register_function(name)
        self.in_flight = metrics.in_flight.labels(name)
        self.duration = metrics.duration.distribution(name)
        self.outcomes = {o: metrics.invocations.labels(name, o) for o in ("success", "failure")}

    async def run(self, call: Awaitable[bool | None]) -> None:
        """Await `call`; it failed if it raised or returned False."""
        started, outcome = time.perf_counter(), "failure"
        self.in_flight.inc()
        try:
            if await call is not False:
                outcome = "success"
        finally:
            self.in_flight.dec()
            self.duration.observe(time.perf_counter() - started)
            self.outcomes[outcome].inc()


class AsgiEndpoint:
    def __init__(self, name: str, lifespan: AppLifespan, *, max_body: int, metrics: HostMetrics) -> None:
        self.name = name
        self.lifespan = lifespan  # owns the app and its lifespan state
        self.app = BodyLimit(lifespan.app, max_body)
        self.recorder = _Recorder(name, metrics)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        child = {key: value for key, value in scope.items() if key not in _HOST_SCOPE_KEYS}
        child["state"] = self.lifespan.state.copy()
        await self.recorder.run(self.app(child, receive, send))


class WsgiEndpoint:
    def __init__(
        self, name: str, app: WsgiApp, *, max_body: int, metrics: HostMetrics, executor: Executor | None = None
    ) -> None:
        self.name = name
        self.app = app
        self.max_body = max_body
        self.executor = executor
        self.recorder = _Recorder(name, metrics)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await read_body_or_reply(scope, receive, send, self.max_body)
        if body is None:
            return
        await self.recorder.run(self._call(scope, body, send))

    async def _call(self, scope: Scope, body: bytes, send: Send) -> bool:
        loop = asyncio.get_running_loop()
        responder = WsgiResponder(loop, send)
        try:
            await loop.run_in_executor(self.executor, responder.run, self.app, build_environ(scope, body))
        except Exception:
            if responder.started:
                raise  # too late for a 500: the server aborts the response and logs the error
            logger.exception("The WSGI app of function '%s' failed", self.name)
            await send_status(send, 500, SERVER_ERROR)
            return False
        return True
