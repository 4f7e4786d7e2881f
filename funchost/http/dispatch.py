"""`FunctionDispatch`: pure-ASGI middleware that serves every function route from the precomputed `RouteTable`.

It sits in front of the host's own routes, so a function request costs one table lookup and no Starlette routing.
It matches the percent-encoded path (an encoded `/` stays inside its segment), hands the route values to the
function's endpoint as `scope["path_params"]`, answers 405 with `Allow` when only the method is wrong, and never
claims the host's own paths (`/admin…`, `/healthz`, `/readyz`, `/metrics`): those fall through to the host routes,
so they win over catch-all functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from starlette.types import ASGIApp, Receive, Scope, Send

from funchost.http.responses import send_status
from funchost.http.routing import RouteTable, is_host_path


class FunctionDispatch:
    def __init__(self, app: ASGIApp, *, table: RouteTable, endpoints: Mapping[str, ASGIApp]) -> None:
        self.app = app  # the host's own routes, and the 404 for everything else
        self.table = table
        self.endpoints = dict(endpoints)  # function name → endpoint (wrapped in key auth unless anonymous)

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
            found = self.table.match_templates(path, scope["method"])
        if found.entry is not None:
            scope["path_params"] = found.values
            await self.endpoints[found.entry.function](scope, receive, send)
        elif found.allowed:
            allow = ", ".join(sorted(found.allowed)).encode("latin-1")
            await send_status(send, 405, b"Method Not Allowed", [(b"allow", allow)])
        else:
            await self.app(scope, receive, send)


def _raw_path(scope: Scope) -> str:
    raw: bytes | None = scope.get("raw_path")
    path = raw.split(b"?", 1)[0].decode("latin-1") if raw else quote(scope["path"], safe="/")
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path
