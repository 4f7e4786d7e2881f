"""host.json maxConcurrentRequests / maxOutstandingRequests on a real uvicorn server over TCP: requests past the
concurrency wait in order, requests past the outstanding bound get 429 at once, host paths are never throttled,
and the published load (what the local HTTP scaler reads) follows running + waiting."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import uvicorn

from funchost.http.throttle import HttpThrottle
from funchost.metadata.http_concurrency import HttpConcurrency
from funchost.metadata.http_load import LoadGauge, read_load
from tests.http.conftest import MASTER, BuildApp
from tests.http.test_served import free_port

APP = """
import asyncio

import azure.functions as func

app = func.FunctionApp()
GATE = asyncio.Event()
ORDER: list[str] = []


@app.route(route="hold", auth_level=func.AuthLevel.ANONYMOUS)
async def hold(req: func.HttpRequest) -> func.HttpResponse:
    ORDER.append(req.params.get("n", ""))
    await GATE.wait()
    return func.HttpResponse("done")
"""
HOST_JSON = {"version": "2.0", "extensions": {"http": {"maxConcurrentRequests": 2, "maxOutstandingRequests": 4}}}


@asynccontextmanager
async def served(app: object) -> AsyncIterator[httpx.AsyncClient]:
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        await until(lambda: server.started)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        await task


async def until(predicate: Callable[[], bool]) -> None:
    for _ in range(6000):  # bounded: 30 s
        if predicate():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition not reached")


async def test_requests_wait_past_the_concurrency_and_get_429_past_the_outstanding_bound(
    build_app: BuildApp, tmp_path: Path
) -> None:
    load = tmp_path / "worker.load"
    throttle = HttpThrottle(HttpConcurrency(2, 4), LoadGauge(load))
    built = build_app(APP, host_json=HOST_JSON, throttle=throttle)
    async with served(built.app) as client:
        module = sys.modules["function_app"]
        first = [asyncio.create_task(client.get("/api/hold", params={"n": str(n)})) for n in range(4)]
        await until(lambda: throttle.outstanding == 4)
        assert (throttle.running, throttle.waiting, read_load(load)) == (2, 2, 4)
        assert len(module.ORDER) == 2  # only two run; two wait
        over = await client.get("/api/hold", params={"n": "x"})
        assert over.status_code == 429
        assert over.headers["x-function-scaleout"] == "1"
        assert over.content == b""
        # the host's own paths are not function routes: never throttled, never counted
        probe = await client.get("/healthz")
        status = await client.get("/admin/host/status", params={"code": MASTER})
        assert (probe.status_code, status.status_code, throttle.outstanding) == (200, 200, 4)
        module.GATE.set()
        answers = await asyncio.gather(*first)
    assert [a.status_code for a in answers] == [200] * 4
    assert sorted(module.ORDER[:2]) == ["0", "1"] and module.ORDER[2:] == ["2", "3"]  # waiters run in order
    assert (throttle.outstanding, read_load(load), throttle.rejected) == (0, 0, 1)


async def test_unbounded_by_default_counts_without_waiting(build_app: BuildApp) -> None:
    throttle = HttpThrottle(HttpConcurrency())
    built = build_app(APP, throttle=throttle)
    async with served(built.app) as client:
        module = sys.modules["function_app"]
        calls = [asyncio.create_task(client.get("/api/hold", params={"n": str(n)})) for n in range(6)]
        await until(lambda: len(module.ORDER) == 6)
        assert (throttle.running, throttle.waiting, throttle.gauge.value) == (6, 0, 6)
        module.GATE.set()
        assert {a.status_code for a in await asyncio.gather(*calls)} == {200}
    assert throttle.outstanding == 0


async def test_the_host_builds_its_throttle_from_host_json(build_app: BuildApp) -> None:
    built = build_app(APP, host_json={"version": "2.0", "extensions": {"http": {"maxOutstandingRequests": 1}}})
    async with served(built.app) as client:
        module = sys.modules["function_app"]
        held = asyncio.create_task(client.get("/api/hold"))
        await until(lambda: len(module.ORDER) == 1)
        assert (await client.get("/api/hold")).status_code == 429
        module.GATE.set()
        assert (await held).status_code == 200


async def test_a_waiter_that_gives_up_leaves_its_place_and_the_slot_goes_on() -> None:
    throttle = HttpThrottle(HttpConcurrency(1, None))
    release = asyncio.Event()
    served: list[str] = []

    def endpoint(name: str) -> Callable[..., Awaitable[None]]:
        async def run(scope: object, receive: object, send: object) -> None:
            served.append(name)
            await release.wait()

        return run

    first = asyncio.create_task(throttle.run(endpoint("first"), {}, None, None))  # type: ignore[arg-type]
    second = asyncio.create_task(throttle.run(endpoint("second"), {}, None, None))  # type: ignore[arg-type]
    third = asyncio.create_task(throttle.run(endpoint("third"), {}, None, None))  # type: ignore[arg-type]
    await until(lambda: throttle.waiting == 2)
    second.cancel()  # e.g. the server cancelled the request task
    await until(lambda: throttle.waiting == 1)
    release.set()
    await asyncio.gather(first, third)
    assert served == ["first", "third"]
    assert (throttle.running, throttle.waiting, throttle.gauge.value) == (0, 0, 0)
