"""AsgiFunctionApp / WsgiFunctionApp served natively: full paths, auth level, lifespan, streaming, errors."""

from __future__ import annotations

import sys

import pytest

from tests.http.conftest import HOST_KEY, BuildApp, lifespan, serve

FASTAPI_APP = """
from contextlib import asynccontextmanager

import azure.functions as func
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

EVENTS = []


@asynccontextmanager
async def lifespan(api):
    EVENTS.append("startup")
    yield {"greeting": "hello from lifespan"}
    EVENTS.append("shutdown")


api = FastAPI(lifespan=lifespan)


@api.get("/api/items/{item_id}")
async def read_item(item_id: int, request: Request, q: str | None = None) -> dict:
    return {
        "item_id": item_id,
        "q": q,
        "path": request.url.path,
        "root_path": request.scope["root_path"],
        "greeting": request.state.greeting,
        "self": str(request.url_for("read_item", item_id=item_id)),
    }


@api.post("/api/echo")
async def echo(request: Request) -> dict:
    return {"body": (await request.json())}


@api.get("/api/stream")
async def stream() -> StreamingResponse:
    async def parts():
        for n in range(3):
            yield f"part{n};".encode()
    return StreamingResponse(parts(), media_type="text/plain")


app = func.AsgiFunctionApp(app=api, http_auth_level=func.AuthLevel.FUNCTION)
"""

ON_EVENT_APP = """
import azure.functions as func
from fastapi import FastAPI

EVENTS = []
api = FastAPI()


@api.on_event("startup")
async def started() -> None:
    EVENTS.append("startup")


@api.on_event("shutdown")
def stopped() -> None:
    EVENTS.append("shutdown")


@api.get("/api/ping")
async def ping() -> dict:
    return {"events": EVENTS}


app = func.AsgiFunctionApp(app=api, http_auth_level=func.AuthLevel.ANONYMOUS)
"""

FLASK_APP = """
import azure.functions as func
from flask import Flask, jsonify, make_response, request, url_for

flask_app = Flask(__name__)


@flask_app.get("/api/hello/<name>")
def hello(name):
    return jsonify(
        name=name,
        path=request.path,
        script_root=request.script_root,
        args=request.args.to_dict(flat=False),
        url=url_for("hello", name=name, _external=True),
    )


@flask_app.post("/api/echo")
def echo():
    response = make_response(jsonify(request.get_json()), 201)
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    return response


@flask_app.get("/api/fail")
def fail():
    raise RuntimeError("flask failure")


app = func.WsgiFunctionApp(app=flask_app.wsgi_app, http_auth_level=func.AuthLevel.ANONYMOUS)
"""

RAW_WSGI_APP = """
import azure.functions as func


def wsgi(environ, start_response):
    if environ["PATH_INFO"].endswith("/broken"):
        raise ValueError("before start_response")
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"streamed ", b"in ", b"parts"]


app = func.WsgiFunctionApp(app=wsgi, http_auth_level=func.AuthLevel.ANONYMOUS)
"""

RAW_ASGI_APP = """
import azure.functions as func


async def asgi(scope, receive, send):
    if scope["type"] != "http":
        raise RuntimeError("lifespan is not supported")
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": scope["path"].encode()})


app = func.AsgiFunctionApp(app=asgi, http_auth_level=func.AuthLevel.ANONYMOUS)
"""


def events() -> list[str]:
    return list(sys.modules["function_app"].EVENTS)


async def test_fastapi_app_with_lifespan_path_params_and_auth(build_app: BuildApp) -> None:
    built = build_app(FASTAPI_APP)
    key = {"x-functions-key": HOST_KEY}
    async with serve(built.app) as client:
        assert events() == ["startup"]
        unauthorized = await client.get("/api/items/5")
        item = await client.get("/api/items/5", params={"q": "x"}, headers=key)
        echo = await client.post("/api/echo", json={"a": [1, 2]}, headers=key)
        streamed = await client.get("/api/stream", headers=key)
        missing = await client.get("/api/nowhere", headers=key)
        outside_prefix = await client.get("/items/5", headers=key)
    assert events() == ["startup", "shutdown"]
    assert unauthorized.status_code == 401
    assert item.status_code == 200
    assert item.json() == {
        "item_id": 5,
        "q": "x",
        "path": "/api/items/5",  # the full path, route prefix included, as Azure's AsgiMiddleware passes it
        "root_path": "",
        "greeting": "hello from lifespan",
        "self": "http://testserver/api/items/5",
    }
    assert echo.json() == {"body": {"a": [1, 2]}}
    assert streamed.text == "part0;part1;part2;"
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}  # FastAPI's own 404
    assert outside_prefix.status_code == 404


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_fastapi_startup_and_shutdown_handlers(build_app: BuildApp) -> None:
    built = build_app(ON_EVENT_APP)
    async with serve(built.app) as client:
        response = await client.get("/api/ping")
    assert response.json() == {"events": ["startup"]}
    assert events() == ["startup", "shutdown"]


async def test_a_failing_asgi_startup_stops_the_host(build_app: BuildApp) -> None:
    source = FASTAPI_APP.replace('EVENTS.append("startup")', 'raise RuntimeError("database unreachable")')
    built = build_app(source)
    with pytest.raises(RuntimeError, match="http_app_func.*database unreachable"):
        async with lifespan(built.app):
            pass


async def test_an_asgi_app_without_lifespan_is_still_served(build_app: BuildApp) -> None:
    async with serve(build_app(RAW_ASGI_APP).app) as client:
        response = await client.get("/api/some/where")
    assert response.text == "/api/some/where"


async def test_flask_app(build_app: BuildApp) -> None:
    async with serve(build_app(FLASK_APP).app) as client:
        hello = await client.get("/api/hello/ada", params={"x": ["1", "2"]})
        echo = await client.post("/api/echo", json={"n": 1})
        failed = await client.get("/api/fail")
        missing = await client.get("/api/none")
    assert hello.json() == {
        "name": "ada",
        "path": "/api/hello/ada",
        "script_root": "",
        "args": {"x": ["1", "2"]},
        "url": "http://testserver/api/hello/ada",
    }
    assert echo.status_code == 201 and echo.json() == {"n": 1}
    assert [c.split(";")[0] for c in echo.headers.get_list("set-cookie")] == ["a=1", "b=2"]
    assert failed.status_code == 500
    assert missing.status_code == 404


async def test_raw_wsgi_app_streams_and_fails_cleanly(build_app: BuildApp) -> None:
    built = build_app(RAW_WSGI_APP)
    async with serve(built.app) as client:
        ok = await client.get("/api/anything")
        broken = await client.get("/api/broken")
    assert ok.text == "streamed in parts" and ok.headers["content-type"] == "text/plain"
    assert broken.status_code == 500 and broken.text == "Internal Server Error"
    rendered = built.metrics.render().decode()
    assert 'funchost_invocations_total{function="http_app_func",outcome="success"} 1.0' in rendered
    assert 'funchost_invocations_total{function="http_app_func",outcome="failure"} 1.0' in rendered
