"""Probes and metrics: `GET /healthz` (liveness), `GET /readyz` (readiness), `GET /metrics` (Prometheus).

Liveness answers 200 for as long as the process serves requests, also while it drains. Readiness (`readiness()`)
means "this instance does the work it was started for": 200 while the host is Running (HTTP served) and every
trigger listener is `running`, `standby` (a timer another instance holds the lease for) or `waiting` (its broker or
storage answers, but the queue it consumes does not exist yet — deploying in any order must not leave the
instance unready for ever, and routing traffic away would not create the queue). 503 while the host starts or
drains, and while a listener cannot reach its broker or storage (`starting`, `reconnecting`, `failed`): that
instance cannot do its work until the outage ends, and says so. The body reports each listener's state, whether it
counts as ready and why (docs/http.md, docs/troubleshooting.md). Functions in error do not make the host
unready (the others serve, as on Azure); /readyz lists them under `functionErrors`.

`/metrics` serves the host's registry; HTTP requests count as invocations of their function
(`funchost_invocations_in_flight` etc.), native ASGI/WSGI apps included.

`/metrics` is guarded as the admin API is: a request needs the master key (`x-functions-key` or `?code=`), except
one from the loopback address (127.0.0.0/8, ::1) — the local scale controller and benchmarks, a `kubectl
port-forward` into the pod. Behind the Service or a Route a scrape therefore needs the key (Prometheus:
`params: {code: [<master key>]}`); without a master key only loopback clients get the metrics. The probes stay open:
the kubelet calls them without a key.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from funchost.http.auth import request_key
from funchost.http.keys import key_matches
from funchost.metadata.function_errors import FunctionError
from funchost.metrics import HostMetrics

READY_LISTENER_STATES = frozenset({"running", "standby", "waiting"})  # values of funchost.triggers.base.ListenerState
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


def health_routes(
    status: HostStatus,
    metrics: HostMetrics,
    master: tuple[bytes, ...] = (),
    errors: Sequence[FunctionError] = (),
) -> list[Route]:
    """The probes (with the functions in `errors` listed), and `/metrics` for loopback clients or a request with one
    of the `master` keys."""

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "Healthy", "state": status.state})

    async def readyz(request: Request) -> Response:
        state, listeners = status.state, status.listener_reports()
        ready = readiness(state, listeners)
        body: dict[str, object] = {
            "status": "Ready" if ready else "NotReady",
            "state": state,
            "listeners": {name: report.to_json() for name, report in listeners.items()},
        }
        if errors:
            body["functionErrors"] = {error.name: error.message for error in errors}
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
