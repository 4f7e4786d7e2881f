"""Probes and metrics: `GET /healthz` (liveness), `GET /readyz` (readiness), `GET /metrics` (Prometheus).

Liveness answers 200 for as long as the process serves requests, also while it drains. Readiness (`readiness()`)
means "this instance does the work it was started for": 200 while the host is Running (HTTP served) and every
trigger listener is `running`, `standby` (a timer another instance holds the lease for) or `waiting` (its broker or
storage answers, but the queue it consumes does not exist yet — deploying in any order must not leave the
instance unready for ever, and routing traffic away would not create the queue). 503 while the host starts or
drains, and while a listener cannot reach its broker or storage (`starting`, `reconnecting`, `failed`): that
instance cannot do its work until the outage ends, and says so. The body reports each listener's state, whether it
counts as ready and why (docs/http.md, docs/troubleshooting.md).

`/metrics` serves the host's registry; HTTP requests count as invocations of their function
(`funchost_invocations_in_flight` etc.), native ASGI/WSGI apps included.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from funchost.metrics import HostMetrics

READY_LISTENER_STATES = frozenset({"running", "standby", "waiting"})
"""Listener states that leave the instance ready; anything else (starting, reconnecting, failed, stopping…) does not."""
RUNNING = "Running"


@dataclass(frozen=True)
class ListenerReport:
    """One trigger listener as /readyz shows it."""

    state: str
    detail: str = ""
    """Why it is in that state (e.g. the queue it waits for, the error it retries after); never a secret."""

    @property
    def ready(self) -> bool:
        return self.state in READY_LISTENER_STATES

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"state": self.state, "ready": self.ready}
        if self.detail:
            doc["detail"] = self.detail
        return doc


def readiness(host_state: str, listeners: Mapping[str, ListenerReport]) -> bool:
    """The one readiness rule: the host is Running and no listener is in a not-ready state."""
    return host_state == RUNNING and all(report.ready for report in listeners.values())


class HostStatus(Protocol):
    """What the HTTP side reads from the host: its state ("Running", "Stopping"…), id, and its listeners."""

    @property
    def state(self) -> str: ...

    @property
    def instance_id(self) -> str: ...

    def listener_reports(self) -> Mapping[str, ListenerReport]:
        """Listener name (e.g. "queue:work") → its state and why."""
        ...


def health_routes(status: HostStatus, metrics: HostMetrics) -> list[Route]:
    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "Healthy", "state": status.state})

    async def readyz(request: Request) -> Response:
        state, listeners = status.state, status.listener_reports()
        ready = readiness(state, listeners)
        body = {
            "status": "Ready" if ready else "NotReady",
            "state": state,
            "listeners": {name: report.to_json() for name, report in listeners.items()},
        }
        return JSONResponse(body, status_code=200 if ready else 503)

    async def prometheus(request: Request) -> Response:
        return Response(metrics.render(), media_type=metrics.content_type)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", prometheus, methods=["GET"]),
    ]
