"""HTTP-streams functions served over ASGI in-process: request details, responses, failures, the body limit, and
plain functions beside the extension when stream mode is off. (Memory bounds and real sockets:
tests/compat/test_http_streams.py.)"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator

import pytest
from starlette.types import Message

from funchost.metadata.http_streams import INIT_INDEXING
from tests.http.conftest import BuildApp, serve
from tests.support.http_streams import fastapi_extension  # noqa: F401  (fixture)

STREAMS = {INIT_INDEXING: "1"}
pytestmark = pytest.mark.usefixtures("fastapi_extension")
APP = """
import asyncio

import azure.functions as func
from azurefunctions.extensions.http.fastapi import JSONResponse, PlainTextResponse, Request, StreamingResponse

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="echo/{name}", methods=["POST"])
async def echo(req: Request, context) -> JSONResponse:
    body = b"".join([chunk async for chunk in req.stream()])
    return JSONResponse(
        {
            "name": req.path_params["name"],
            "q": req.query_params.get("q"),
            "path": req.url.path,
            "header": req.headers.get("x-custom"),
            "body": body.decode(),
            "function": context.function_name,
        },
        status_code=201,
        headers={"x-answer": "42"},
    )


@app.route(route="nothing")
async def nothing(req: Request):
    return None


@app.route(route="text")
def text(req: Request) -> PlainTextResponse:
    return PlainTextResponse("plain", status_code=202)


@app.route(route="old")
def old(req):
    return func.HttpResponse("old style")


@app.route(route="broken-stream")
async def broken_stream(req: Request) -> StreamingResponse:
    async def chunks():
        yield b"first"
        raise RuntimeError("the generator broke")

    return StreamingResponse(chunks())


@app.route(route="swallow", methods=["POST"])
async def swallow(req: Request) -> JSONResponse:
    try:
        async for _ in req.stream():
            pass
    except Exception:
        return JSONResponse({"swallowed": True})
    return JSONResponse({"swallowed": False})


@app.route(route="slow")
async def slow(req: Request) -> JSONResponse:
    await asyncio.sleep(3600)
"""


async def test_the_request_carries_route_query_headers_body_and_context(build_app: BuildApp) -> None:
    built = build_app(APP, env=STREAMS)
    async with serve(built.app) as client:
        response = await client.post("/api/echo/ada?q=x", content=b"hello", headers={"x-custom": "c"})
    assert response.status_code == 201 and response.headers["x-answer"] == "42"
    assert response.json() == {
        "name": "ada",
        "q": "x",
        "path": "/api/echo/ada",
        "header": "c",
        "body": "hello",
        "function": "echo",
    }


async def test_none_is_null_and_responses_keep_their_status(build_app: BuildApp) -> None:
    built = build_app(APP, env=STREAMS)
    async with serve(built.app) as client:
        nothing = await client.get("/api/nothing")
        text = await client.get("/api/text")
    assert nothing.status_code == 200 and nothing.text == "null"
    assert text.status_code == 202 and text.text == "plain"


async def test_a_func_http_response_is_a_500_with_the_fix_logged(
    build_app: BuildApp, caplog: pytest.LogCaptureFixture
) -> None:
    built = build_app(APP, env=STREAMS)
    async with serve(built.app) as client:
        with caplog.at_level(logging.ERROR, logger="funchost.http"):
            response = await client.get("/api/old")
    assert response.status_code == 500 and response.text == "Internal Server Error"
    assert "Function 'old': it returned a func.HttpResponse" in caplog.text and "Fix: return a Response" in caplog.text


async def test_a_response_failing_while_it_streams_is_logged_with_the_function(
    build_app: BuildApp, caplog: pytest.LogCaptureFixture
) -> None:
    built = build_app(APP, env=STREAMS)
    async with serve(built.app, raise_app_exceptions=False) as client:
        with caplog.at_level(logging.ERROR, logger="funchost.http"):
            response = await client.get("/api/broken-stream")
    assert response.status_code == 200  # the response had started: the client sees it cut short
    assert "Function 'broken_stream': its response failed while it was being sent" in caplog.text


async def test_a_client_leaving_on_an_asgi_2_4_server_is_not_an_error(
    build_app: BuildApp, caplog: pytest.LogCaptureFixture
) -> None:
    """ASGI 2.4 servers (uvicorn reports 2.3 today) raise OSError from send once the client left."""
    built = build_app(APP.replace("raise RuntimeError", "yield b'more'  #"), env=STREAMS)
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            raise OSError("the client went away")
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/broken-stream",
        "raw_path": b"/api/broken-stream",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1),
    }
    with caplog.at_level(logging.DEBUG, logger="funchost.http"):
        await built.app(scope, receive, send)
    assert [m["type"] for m in sent] == ["http.response.start"]
    assert "Function 'broken_stream': the client left while its response was being sent" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_body_over_the_limit_is_413_even_if_the_function_catches_it(
    build_app: BuildApp, caplog: pytest.LogCaptureFixture
) -> None:
    built = build_app(
        APP, env=STREAMS, host_json={"version": "2.0", "extensions": {"http": {"maxRequestBodySize": 10}}}
    )

    async def body() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"12345"

    async with serve(built.app) as client:
        chunked = await client.post("/api/swallow", content=body())
        declared = await client.post("/api/echo/x", content=b"x" * 11)
        fits = await client.post("/api/echo/x", content=b"x" * 10)
    assert chunked.status_code == 413 and chunked.text == "Request body too large"
    assert declared.status_code == 413
    assert fits.status_code == 201
    async with serve(built.app) as client:
        with caplog.at_level(logging.WARNING, logger="funchost.http"):
            failed = await client.post("/api/echo/x", content=body())  # the function does not catch it
    assert failed.status_code == 413
    assert "Function 'echo': the request body grew past maxRequestBodySize (10 bytes)" in caplog.text
    assert "Fix: raise extensions.http.maxRequestBodySize in host.json" in caplog.text


async def test_function_timeout_covers_the_call(build_app: BuildApp) -> None:
    built = build_app(APP, env=STREAMS, timeout=0.05)
    async with serve(built.app) as client:
        response = await client.get("/api/slow")
    assert response.status_code == 500


@pytest.mark.skipif(sys.version_info >= (3, 13), reason="from Python 3.13 the import alone turns streams on")
async def test_plain_functions_beside_the_extension_work_when_stream_mode_is_off(build_app: BuildApp) -> None:
    source = """
import azure.functions as func
import azurefunctions.extensions.http.fastapi

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

@app.route(route="plain")
def plain(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(f"plain {req.params.get('q')}")
"""
    built = build_app(source)
    assert [f.http_stream for f in built.loaded.functions] == [False]
    async with serve(built.app) as client:
        response = await client.get("/api/plain?q=1")
    assert response.status_code == 200 and response.text == "plain 1"
