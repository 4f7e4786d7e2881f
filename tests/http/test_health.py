"""`/healthz`, `/readyz` and `/metrics` (funchost.http.health): the readiness rule per listener state and the body it
reports; `/metrics` guarded like the admin API (the master key, unless the client is on loopback) while the probes
stay open. The metrics clients connect through httpx's ASGI transport, which sets the client address the server sees."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from starlette.types import ASGIApp

from funchost.http.health import ListenerReport, readiness
from tests.http.conftest import HOST_KEY, MASTER, BuildApp, lifespan, serve

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


ANONYMOUS_APP = """
import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="hello")
def hello(req: func.HttpRequest) -> str:
    return "hi"
"""


@asynccontextmanager
async def client_from(app: ASGIApp, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app, client=(address, 40123))
    async with lifespan(app), httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.mark.parametrize("address", ["10.244.1.7", "192.168.0.2", "2001:db8::5", "::ffff:10.0.0.1"])
async def test_metrics_from_another_machine_need_the_master_key(build_app: BuildApp, address: str) -> None:
    built = build_app(ANONYMOUS_APP)
    async with client_from(built.app, address) as client:
        anonymous = await client.get("/metrics")
        host_key = await client.get("/metrics", headers={"x-functions-key": HOST_KEY})
        wrong = await client.get("/metrics", params={"code": "guess"})
        header = await client.get("/metrics", headers={"x-functions-key": MASTER})
        query = await client.get("/metrics", params={"code": MASTER})  # Prometheus: params: {code: [...]}
        probes = [(await client.get(path)).status_code for path in ("/healthz", "/readyz")]
    assert (anonymous.status_code, host_key.status_code, wrong.status_code) == (401, 401, 401)
    assert anonymous.content == b""  # nothing of the registry
    assert header.status_code == query.status_code == 200
    assert "funchost_invocations_in_flight" in header.text
    assert probes == [200, 200]  # the kubelet calls them without a key


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
async def test_metrics_from_loopback_need_no_key(build_app: BuildApp, address: str) -> None:
    built = build_app(ANONYMOUS_APP)
    async with client_from(built.app, address) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200 and "funchost_invocations_total" in response.text


async def test_without_a_master_key_only_loopback_gets_metrics(build_app: BuildApp, tmp_path: Path) -> None:
    empty = tmp_path / "no-keys"
    empty.mkdir()  # a mounted keys Secret without host.master
    env = {
        "FUNCHOST_HOST_KEY": HOST_KEY,
        "AzureWebJobsSecretStorageType": "kubernetes",
        "FUNCHOST_SECRETS_PATH": str(empty),
    }
    built = build_app(APP, keys_env=env)
    assert built.keys.master is None
    async with client_from(built.app, "10.0.0.9") as remote, client_from(built.app, "127.0.0.1") as local:
        assert (await remote.get("/metrics", params={"code": ""})).status_code == 401
        assert (await local.get("/metrics")).status_code == 200
