"""Probes and metrics: `GET /healthz` (liveness), `GET /readyz` (readiness), `GET /metrics` (Prometheus).

Liveness answers 200 for as long as the process serves requests, also while it drains; readiness answers 200 only
when the host reports itself ready (every listener up), else 503 with each listener's state. `/metrics` serves the
host's registry; HTTP requests count as invocations of their function (`funchost_invocations_in_flight` etc.),
native ASGI/WSGI apps included.

`/metrics` is guarded as the admin API is: a request needs the master key (`x-functions-key` or `?code=`), except
one from the loopback address (127.0.0.0/8, ::1) — the local scale controller and benchmarks, a `kubectl
port-forward` into the pod. Behind the Service or a Route a scrape therefore needs the key (Prometheus:
`params: {code: [<master key>]}`); without a master key only loopback clients get the metrics. The probes stay open:
the kubelet calls them without a key.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from funchost.http.auth import request_key
from funchost.http.keys import key_matches
from funchost.metrics import HostMetrics


class HostStatus(Protocol):
    """What the HTTP side reads from the host: its state ("Running", "Stopping"…), id, and listener readiness."""

    @property
    def state(self) -> str: ...

    @property
    def instance_id(self) -> str: ...

    def ready(self) -> tuple[bool, Mapping[str, str]]:
        """(all listeners ready, listener name → state)."""
        ...


def from_loopback(request: Request) -> bool:
    """Whether the client is this machine (this pod): a loopback address. An unknown client (a Unix socket) is not."""
    client = request.client
    if client is None:
        return False
    try:
        address = ipaddress.ip_address(client.host.split("%", 1)[0])
    except ValueError:
        return False
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None  # a dual-stack socket
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def health_routes(status: HostStatus, metrics: HostMetrics, master: tuple[bytes, ...] = ()) -> list[Route]:
    """The probes, and `/metrics` for loopback clients or a request with one of the `master` keys."""

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "Healthy", "state": status.state})

    async def readyz(request: Request) -> Response:
        ready, listeners = status.ready()
        body = {"status": "Ready" if ready else "NotReady", "state": status.state, "listeners": dict(listeners)}
        return JSONResponse(body, status_code=200 if ready else 503)

    async def prometheus(request: Request) -> Response:
        if not from_loopback(request):
            key = request_key(request.scope)
            if key is None or not key_matches(key, master):
                return Response(status_code=401)
        return Response(metrics.render(), media_type=metrics.content_type)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", prometheus, methods=["GET"]),
    ]
