"""`/healthz` and `/readyz` (funchost.http.health): the readiness rule per listener state and the body it reports."""

from __future__ import annotations

import pytest

from funchost.http.health import ListenerReport, readiness
from tests.http.conftest import BuildApp, serve

APP = """
import azure.functions as func

app = func.FunctionApp()


@app.route(route="hello", auth_level=func.AuthLevel.ANONYMOUS)
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("hello")
"""


async def test_probes(build_app: BuildApp) -> None:
    built = build_app(APP)
    async with serve(built.app) as client:
        healthy = await client.get("/healthz")
        ready = await client.get("/readyz")
        built.status.listeners = {"queue:work": "waiting", "timer:tick": "standby", "kafka:k": "running"}
        waiting = await client.get("/readyz")
        built.status.listeners = {"queue:work": "waiting", "rabbitmq:r": "reconnecting"}
        not_ready = await client.get("/readyz")
        built.status.state, built.status.listeners = "Stopping", {}
        draining = await client.get("/readyz")
        still_alive = await client.get("/healthz")
    assert healthy.status_code == 200 and healthy.json()["status"] == "Healthy"
    assert ready.status_code == 200 and ready.json() == {"status": "Ready", "state": "Running", "listeners": {}}
    # a listener waiting for its queue to be created leaves the instance ready; the body says which and why
    assert waiting.status_code == 200 and waiting.json()["listeners"]["queue:work"] == {
        "state": "waiting",
        "ready": True,
        "detail": "queue:work is waiting",
    }
    assert not_ready.status_code == 503 and not_ready.json()["status"] == "NotReady"
    assert not_ready.json()["listeners"]["rabbitmq:r"] == {
        "state": "reconnecting",
        "ready": False,
        "detail": "rabbitmq:r is reconnecting",
    }
    assert draining.status_code == 503 and draining.json()["state"] == "Stopping"
    assert still_alive.status_code == 200


@pytest.mark.parametrize(
    ("state", "ready"),
    [
        ("running", True),
        ("standby", True),
        ("waiting", True),
        ("starting", False),
        ("reconnecting", False),
        ("failed", False),
        ("stopping", False),
        ("stopped", False),
    ],
)
def test_readiness_rule_per_listener_state(state: str, ready: bool) -> None:
    assert readiness("Running", {"l": ListenerReport(state)}) is ready
    assert readiness("Initialized", {"l": ListenerReport(state)}) is False
