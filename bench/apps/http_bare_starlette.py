"""Benchmark baseline: the same three endpoints as `http_ping/`, as a bare Starlette app on uvicorn.

Run: `python bench/apps/http_bare_starlette.py PORT [auto|asyncio|uvloop]`. uvicorn is configured as funchost configures
it in `funchost/host.py` (`uvicorn.Config` defaults: `http="auto"`, i.e. httptools when installed; no logging, no
access log, no Server header, lifespan on, one worker); the loop is chosen by the second argument.
"""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def ping_async(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


async def ping_reads(request: Request) -> PlainTextResponse:
    return PlainTextResponse(request.query_params.get("name", "") if request.headers.get("host") else "no host")


def ping_sync(request: Request) -> PlainTextResponse:  # Starlette runs it in its (anyio) threadpool
    return PlainTextResponse("ok")


app = Starlette(
    routes=[
        Route("/api/async", ping_async, methods=["GET"]),
        Route("/api/reads", ping_reads, methods=["GET"]),
        Route("/api/sync", ping_sync, methods=["GET"]),
    ]
)


def main() -> None:
    port = int(sys.argv[1])
    loop = sys.argv[2] if len(sys.argv) > 2 else "auto"
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        loop=loop,
        log_config=None,
        access_log=False,
        lifespan="on",
        server_header=False,
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
