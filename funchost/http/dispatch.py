"""`FunctionDispatch`: pure-ASGI middleware that serves every function route from the precomputed `RouteTable`.

It sits in front of the host's own routes, so a function request costs one table lookup and no Starlette routing.
It matches the percent-encoded path (an encoded `/` stays inside its segment), hands the route values to the
function's endpoint as `scope["path_params"]`, answers 405 with `Allow` when only the method is wrong, and never
claims the host's own paths (`/admin…`, `/healthz`, `/readyz`, `/metrics`): those fall through to the host routes,
so they win over catch-all functions. A regex constraint that needs longer than 1 ms is decided off the loop
(funchost/http/regex_constraint.py); one that runs out of time answers 500.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import quote

from starlette.types import ASGIApp, Receive, Scope, Send

from funchost.http.regex_constraint import RegexTimeout, SlowMatch, SlowRegexMatcher
from funchost.http.responses import send_status
from funchost.http.routing import RouteMatch, RouteTable, is_host_path
from funchost.http.server_limits import DEFAULT_REGEX_TIMEOUT

logger = logging.getLogger("funchost.http")


class FunctionDispatch:
    def __init__(
        self,
        app: ASGIApp,
        *,
        table: RouteTable,
        endpoints: Mapping[str, ASGIApp],
        slow_regex: SlowRegexMatcher | None = None,
    ) -> None:
        self.app = app  # the host's own routes, and the 404 for everything else
        self.table = table
        self.endpoints = dict(endpoints)  # function name → endpoint (wrapped in key auth unless anonymous)
        self.slow_regex = slow_regex or SlowRegexMatcher(DEFAULT_REGEX_TIMEOUT)  # regex checks needing over 1 ms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = _raw_path(scope)
        found = self.table.match_literal(path, scope["method"])
        if found is None:
            if is_host_path(path):
                await self.app(scope, receive, send)
                return
            try:
                found = self.table.match_templates(path, scope["method"])
            except SlowMatch as slow:
                matched = await self._match_slowly(path, scope["method"], slow)
                if matched is None:
                    await send_status(send, 500, b"Internal Server Error")
                    return
                found = matched
        if found.entry is not None:
            scope["path_params"] = found.values
            await self.endpoints[found.entry.function](scope, receive, send)
        elif found.allowed:
            allow = ", ".join(sorted(found.allowed)).encode("latin-1")
            await send_status(send, 405, b"Method Not Allowed", [(b"allow", allow)])
        else:
            await self.app(scope, receive, send)

    async def _match_slowly(self, path: str, method: str, slow: SlowMatch) -> RouteMatch | None:
        """The match, with regex constraints that needed longer decided off the loop; None if one timed out."""
        try:
            return await self.slow_regex.match(lambda: self.table.match_templates(path, method), slow)
        except RegexTimeout as exc:
            logger.error("%s %s: %s", method, path if len(path) <= 100 else path[:100] + "…", exc)
            return None


def _raw_path(scope: Scope) -> str:
    raw: bytes | None = scope.get("raw_path")
    path = raw.split(b"?", 1)[0].decode("latin-1") if raw else quote(scope["path"], safe="/")
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path
