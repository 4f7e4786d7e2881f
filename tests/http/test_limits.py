"""Request body limits: 413 on Content-Length before reading, and while counting a chunked body."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from funchost.http.limits import BodyLimit, BodyTooLarge, bodyless, read_body
from tests.http.conftest import BuildApp, serve

LIMITED = {"version": "2.0", "extensions": {"http": {"maxRequestBodySize": 1024}}}

APP = """
import azure.functions as func
from fastapi import FastAPI, Request

api = FastAPI()

@api.post("/api/native/upload")
async def upload(request: Request) -> dict:
    return {"size": len(await request.body())}

app = func.AsgiFunctionApp(app=api, http_auth_level=func.AuthLevel.ANONYMOUS)
"""

FUNCTION_APP = """
import azure.functions as func
app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

@app.route(route="upload", methods=["POST"])
def upload(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(str(len(req.get_body())))
"""

WSGI_APP = """
import azure.functions as func
from flask import Flask, request

flask_app = Flask(__name__)

@flask_app.post("/api/upload")
def upload():
    return str(len(request.get_data()))

app = func.WsgiFunctionApp(app=flask_app.wsgi_app, http_auth_level=func.AuthLevel.ANONYMOUS)
"""


async def chunks(total: int, size: int = 256) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


@pytest.mark.parametrize(
    ("source", "path"), [(FUNCTION_APP, "/api/upload"), (APP, "/api/native/upload"), (WSGI_APP, "/api/upload")]
)
async def test_bodies_over_the_limit_get_413(build_app: BuildApp, source: str, path: str) -> None:
    built = build_app(source, host_json=LIMITED)
    async with serve(built.app) as client:
        small = await client.post(path, content=b"x" * 1024)
        declared = await client.post(path, content=b"x" * 1025)
        streamed = await client.post(path, content=chunks(4096))
        streamed_small = await client.post(path, content=chunks(1000))
    assert small.status_code == 200 and "1024" in small.text
    assert declared.status_code == 413
    assert streamed.status_code == 413
    assert streamed_small.status_code == 200 and "1000" in streamed_small.text


async def test_function_is_not_invoked_for_a_refused_body(build_app: BuildApp) -> None:
    built = build_app(FUNCTION_APP, host_json=LIMITED)
    async with serve(built.app) as client:
        assert (await client.post("/api/upload", content=b"x" * 2000)).status_code == 413
    rendered = built.metrics.render().decode()
    assert 'funchost_invocations_total{function="upload",outcome="success"} 0.0' in rendered


def _scope(length: int | None) -> Scope:
    headers = [(b"content-length", str(length).encode())] if length is not None else []
    return {"type": "http", "method": "POST", "headers": headers}


async def _never(*_: Any) -> Message:
    raise AssertionError("the body must not be read")


async def test_declared_length_is_refused_without_reading() -> None:
    with pytest.raises(BodyTooLarge):
        await read_body(_scope(10_000), _never, 100)


async def test_body_limit_middleware_answers_413_before_calling_the_app() -> None:
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError("the app must not run")

    async def send(message: Message) -> None:
        sent.append(message)

    await BodyLimit(app, 100)(_scope(101), _never, send)
    assert sent[0]["status"] == 413


async def test_body_limit_middleware_cuts_off_a_streamed_body_once() -> None:
    sent: list[Message] = []
    messages = iter([{"type": "http.request", "body": b"x" * 80, "more_body": True}] * 3)

    async def receive() -> Message:
        return next(messages)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            while (await receive()).get("more_body"):
                pass
        except BodyTooLarge:
            await send({"type": "http.response.start", "status": 500, "headers": []})  # an app's error handler
            await send({"type": "http.response.body", "body": b"oops"})
            raise

    async def send(message: Message) -> None:
        sent.append(message)

    await BodyLimit(app, 100)(_scope(None), receive, send)
    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] == [413]


async def test_an_http1_request_without_length_or_chunking_has_no_body_to_read() -> None:
    scope = {"type": "http", "method": "GET", "http_version": "1.1", "headers": [(b"host", b"x")]}
    assert await read_body(scope, _never, 100) == b""  # RFC 9112 §6.3: no framing headers, no body


@pytest.mark.parametrize(
    ("version", "headers"),
    [("1.1", [(b"transfer-encoding", b"chunked")]), ("1.1", [(b"content-length", b"4")]), ("2", [])],
)
async def test_a_framed_or_non_http1_body_is_read(version: str, headers: list[tuple[bytes, bytes]]) -> None:
    async def receive() -> Message:
        return {"type": "http.request", "body": b"data", "more_body": False}

    scope = {"type": "http", "method": "POST", "http_version": version, "headers": headers}
    assert await read_body(scope, receive, 100) == b"data"


@pytest.mark.parametrize(
    ("version", "headers", "expected"),
    [
        ("1.1", [(b"host", b"x")], True),
        ("1.0", [(b"content-length", b"0")], True),
        ("1.1", [(b"content-length", b"4")], False),
        ("1.1", [(b"transfer-encoding", b"chunked")], False),
        ("2", [], False),  # HTTP/2 frames the body itself: it may come without either header
    ],
)
def test_which_requests_endpoints_skip_reading(
    version: str, headers: list[tuple[bytes, bytes]], expected: bool
) -> None:
    assert bodyless({"type": "http", "http_version": version, "headers": headers}) is expected
