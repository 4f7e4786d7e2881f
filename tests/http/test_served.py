"""The app on a real uvicorn server over TCP: requests with keys work, and no key ever reaches the output."""

from __future__ import annotations

import asyncio
import logging
import socket

import httpx
import pytest
import uvicorn

from funchost.http.redact import redact
from tests.http.conftest import BuildApp

APP = """
import logging

import azure.functions as func
from fastapi import FastAPI

api = FastAPI()


@api.get("/api/native/ping")
async def ping() -> dict:
    return {"pong": True}


app = func.FunctionApp()


@app.route(route="guarded")
def guarded(req: func.HttpRequest) -> func.HttpResponse:
    logging.info("guarded called")
    return func.HttpResponse("guarded")


@app.route(route="ops", auth_level=func.AuthLevel.ADMIN)
def ops(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("ops")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_started_host_never_prints_a_key(
    build_app: BuildApp, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    built = build_app(APP, keys_env={})  # keys generated into the project's .funchost/keys.json
    keys = [built.keys.master, built.keys.function_key("guarded"), *built.keys.keys.host.values()]
    port = free_port()
    config = uvicorn.Config(built.app, host="127.0.0.1", port=port, log_config=None, access_log=True, lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(1000):
            if server.started:
                break
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            by_query = await client.get("/api/guarded", params={"code": built.keys.function_key("guarded")})
            by_header = await client.get("/api/ops", headers={"x-functions-key": str(built.keys.master)})
            rejected = await client.get("/api/ops", params={"code": built.keys.function_key("guarded")})
            status = await client.get("/admin/host/status", params={"code": built.keys.master})
    finally:
        server.should_exit = True
        await task
    assert (by_query.status_code, by_header.status_code, rejected.status_code, status.status_code) == (
        200,
        200,
        401,
        200,
    )
    captured = capfd.readouterr()
    host_records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]  # not the client's
    output = "\n".join(f"{r.name} {r.getMessage()}" for r in host_records) + captured.out + captured.err
    assert "GET /api/guarded?code=*** HTTP/1.1" in output  # the access log ran, redacted
    for key in keys:
        assert key and key not in output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/api/f?code=abc", "/api/f?code=***"),
        ("/api/f?x=1&CODE=abc&y=2", "/api/f?x=1&CODE=***&y=2"),
        ("/api/f?unicode=1", "/api/f?unicode=1"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected
