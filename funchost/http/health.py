"""Probes and metrics: `GET /healthz` (liveness), `GET /readyz` (readiness), `GET /metrics` (Prometheus).

Liveness answers 200 for as long as the process serves requests, also while it drains; readiness answers 200 only
when the host reports itself ready (every listener up), else 503 with each listener's state. Functions in error do
not make the host unready (the others serve, as on Azure); /readyz lists them under `functionErrors`.
`/metrics` serves the host's registry; HTTP requests count as invocations of their function
(`funchost_invocations_in_flight` etc.), native ASGI/WSGI apps included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from funchost.metadata.function_errors import FunctionError
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


def health_routes(status: HostStatus, metrics: HostMetrics, errors: Sequence[FunctionError] = ()) -> list[Route]:
    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "Healthy", "state": status.state})

    async def readyz(request: Request) -> Response:
        ready, listeners = status.ready()
        body: dict[str, object] = {
            "status": "Ready" if ready else "NotReady",
            "state": status.state,
            "listeners": dict(listeners),
        }
        if errors:
            body["functionErrors"] = {error.name: error.message for error in errors}
        return JSONResponse(body, status_code=200 if ready else 503)

    async def prometheus(request: Request) -> Response:
        return Response(metrics.render(), media_type=metrics.content_type)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", prometheus, methods=["GET"]),
    ]
