"""`/metrics` is guarded like the admin API: the master key, unless the client is on the loopback address; the probes
stay open. Clients connect through httpx's ASGI transport, which sets the client address the server would see."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from starlette.types import ASGIApp

from tests.http.conftest import HOST_KEY, MASTER, BuildApp, lifespan

APP = """
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
    built = build_app(APP)
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
    built = build_app(APP)
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
