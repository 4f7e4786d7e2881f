"""The admin API (master key), probes and metrics, and that function routes never shadow them."""

from __future__ import annotations

import asyncio

import pytest

from tests.http.conftest import HOST_KEY, MASTER, BuildApp, serve

APP = """
import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="items/{id:int}", methods=["GET", "POST"])
def items(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("item")


@app.schedule(schedule="0 */5 * * * *", arg_name="timer")
def tick(timer: func.TimerRequest) -> None:
    pass


@app.route(route="{*anything}")
def fallback(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("fallback")
"""
ADMIN = {"x-functions-key": MASTER}
NO_PREFIX = {"version": "2.0", "extensions": {"http": {"routePrefix": ""}}}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/host/status"),
        ("GET", "/admin/functions"),
        ("GET", "/admin/functions/tick"),
        ("POST", "/admin/functions/tick"),
    ],
)
@pytest.mark.parametrize("key", [None, "wrong", HOST_KEY])
async def test_admin_api_needs_the_master_key(build_app: BuildApp, method: str, path: str, key: str | None) -> None:
    headers = {"x-functions-key": key} if key else {}
    async with serve(build_app(APP).app) as client:
        response = await client.request(method, path, headers=headers, json={"input": ""})
    assert response.status_code == 401
    assert response.text.startswith("401 Unauthorized. The admin API has auth level 'admin': it needs the master key.")
    assert ("not one that unlocks it" if key else "No key was sent") in response.text
    assert "`funchost keys list`" in response.text and MASTER not in response.text and HOST_KEY not in response.text


async def test_host_status(build_app: BuildApp) -> None:
    built = build_app(APP)
    async with serve(built.app) as client:
        response = await client.get("/admin/host/status", headers=ADMIN)
        by_query = await client.get("/admin/host/status", params={"code": MASTER})
        ping = await client.get("/admin/host/ping")
    doc = response.json()
    assert response.status_code == 200 and by_query.status_code == 200 and ping.status_code == 200
    assert doc["state"] == "Running" and doc["instanceId"] == built.status.instance_id
    assert doc["id"] == built.root.name and doc["version"] and isinstance(doc["processUptime"], int)


async def test_function_listing(build_app: BuildApp) -> None:
    async with serve(build_app(APP).app) as client:
        listing = (await client.get("/admin/functions", headers=ADMIN)).json()
        one = await client.get("/admin/functions/ITEMS", headers=ADMIN)
        unknown = await client.get("/admin/functions/nope", headers=ADMIN)
    by_name = {f["name"]: f for f in listing}
    assert set(by_name) == {"items", "tick", "fallback"}
    assert by_name["items"]["invoke_url_template"] == "http://testserver/api/items/{id:int}"
    assert by_name["tick"]["invoke_url_template"] is None
    assert [b["type"] for b in by_name["tick"]["config"]["bindings"]] == ["timerTrigger"]
    assert by_name["items"]["isDisabled"] is False and by_name["items"]["language"] == "python"
    assert one.json()["name"] == "items"
    assert unknown.status_code == 404


async def test_run_a_non_http_function(build_app: BuildApp) -> None:
    built = build_app(APP)
    async with serve(built.app) as client:
        accepted = await client.post("/admin/functions/tick", headers=ADMIN, json={"input": "payload"})
        structured = await client.post("/admin/functions/TICK", headers=ADMIN, json={"input": {"a": 1}})
        empty = await client.post("/admin/functions/tick", headers=ADMIN, json={})
        http_function = await client.post("/admin/functions/items", headers=ADMIN, json={"input": ""})
        unknown = await client.post("/admin/functions/nope", headers=ADMIN, json={"input": ""})
        not_json = await client.post("/admin/functions/tick", headers=ADMIN, content=b"input=1")
        await asyncio.sleep(0)
    assert accepted.status_code == 202 and structured.status_code == 202 and empty.status_code == 202
    assert built.triggered == [("tick", "payload"), ("tick", '{"a": 1}'), ("tick", "")]
    assert http_function.status_code == 400 and "HTTP function" in http_function.json()["error"]
    assert unknown.status_code == 404
    assert not_json.status_code == 400


async def test_metrics(build_app: BuildApp) -> None:
    built = build_app(APP)
    async with serve(built.app) as client:
        await client.get("/api/items/1")
        response = await client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'funchost_invocations_total{function="items",outcome="success"} 1.0' in text
    assert 'funchost_invocations_in_flight{function="items"} 0.0' in text


@pytest.mark.parametrize("host_json", [None, NO_PREFIX])
async def test_host_paths_win_over_catch_all_functions(
    build_app: BuildApp, host_json: dict[str, object] | None
) -> None:
    built = build_app(APP, host_json=host_json)
    prefix = "" if host_json else "/api"
    async with serve(built.app) as client:
        assert (await client.get("/healthz")).json()["status"] == "Healthy"
        assert (await client.post("/metrics")).status_code == 405
        assert (await client.get("/admin/host/status", headers=ADMIN)).status_code == 200
        assert (await client.get("/admin/unknown/thing", headers=ADMIN)).status_code == 404
        assert (await client.get("/admin")).status_code == 404
        assert (await client.get(f"{prefix}/somewhere/else")).text == "fallback"


async def test_functions_in_error_are_listed_with_their_error(build_app: BuildApp) -> None:
    """Azure lists every function's metadata and answers /admin/functions/{name}/status with its errors."""
    broken = APP + (
        '\n@app.route(route="broken")\ndef broken(req: func.HttpRequest, extra: str) -> func.HttpResponse:\n'
        "    return func.HttpResponse('never')\n"
    )
    async with serve(build_app(broken).app) as client:
        listed = {f["name"]: f for f in (await client.get("/admin/functions", headers=ADMIN)).json()}
        one = (await client.get("/admin/functions/BROKEN", headers=ADMIN)).json()
        status = (await client.get("/admin/functions/broken/status", headers=ADMIN)).json()
        healthy = (await client.get("/admin/functions/tick/status", headers=ADMIN)).json()
        host = (await client.get("/admin/host/status", headers=ADMIN)).json()
        ready = (await client.get("/readyz")).json()
        run = await client.post("/admin/functions/broken", headers=ADMIN, json={"input": ""})
        served = await client.get("/api/broken")
    assert set(listed) == {"items", "tick", "fallback", "broken"} and "error" not in listed["tick"]
    assert listed["broken"]["error"].startswith("parameter 'extra' is declared in Python") and one == listed["broken"]
    assert listed["broken"]["config"]["bindings"][0]["route"] == "broken"
    assert status == {"errors": [listed["broken"]["error"]]} and healthy == {"errors": []}
    assert host["functionErrors"] == {"broken": listed["broken"]["error"]}
    assert ready["functionErrors"] == {"broken": listed["broken"]["error"]}
    assert run.status_code == 404 and served.text == "fallback"  # not routed: the catch-all answers
