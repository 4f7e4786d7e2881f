"""LocalProcessTarget given a listening socket (what `funchost up` does), with real `funchost start --fd` workers
of an HTTP-only app over real TCP: a connection made at 0 workers waits in the accept queue and is answered by the
next worker; scale-in finishes the in-flight request on a keep-alive connection and then closes that connection;
the worker publishes its in-flight count in its load file."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from funchost.host import bind_socket
from funchost.metadata.http_load import read_load
from scale_controller.targets.local import LocalProcessTarget
from tests.support.apps import write_app
from tests.support.hostproc import free_port
from tests.support.waiting import until

APP = """
import asyncio

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="slow")
async def slow(req: func.HttpRequest) -> func.HttpResponse:
    await asyncio.sleep(float(req.params.get("s", "0")))
    return func.HttpResponse("done")
"""


@pytest.fixture
async def target(tmp_path: Path) -> AsyncIterator[LocalProcessTarget]:
    root = write_app(tmp_path / "app", APP)
    listener = bind_socket("127.0.0.1", free_port())
    local = LocalProcessTarget(
        root, listener.getsockname()[1], {}, host="127.0.0.1", grace_seconds=20, log_dir=tmp_path / "logs",
        listener=listener,
    )  # fmt: skip
    yield local
    await local.aclose()
    listener.close()


async def request(port: int, path: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: t\r\nConnection: keep-alive\r\n\r\n".encode())
    await writer.drain()
    return reader, writer


async def answer(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    async with asyncio.timeout(30):
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(
            next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
        )
        return head, await reader.readexactly(length)


async def test_a_connection_at_zero_waits_for_the_next_worker(target: LocalProcessTarget) -> None:
    assert await target.current() == 0
    reader, writer = await request(target.port, "/api/slow")  # nobody accepts yet: the kernel queues it
    await target.scale_to(1)
    head, body = await answer(reader)
    assert head.startswith(b"HTTP/1.1 200") and body == b"done"
    writer.close()


async def test_scale_in_finishes_the_request_then_closes_the_keep_alive_connection(
    target: LocalProcessTarget,
) -> None:
    await target.scale_to(1)
    reader, writer = await request(target.port, "/api/slow?s=1.5")
    load = target.load_files()[0]
    await until(lambda: read_load(load) == 1, what="the worker to count its in-flight request")
    await target.scale_to(0)  # SIGTERM while the request runs
    head, body = await answer(reader)
    assert head.startswith(b"HTTP/1.1 200") and body == b"done"
    assert b"connection: close" in head.lower()
    async with asyncio.timeout(30):
        assert await reader.read() == b""  # closed after its response
    writer.close()
    waiting = socket.create_connection(("127.0.0.1", target.port))  # still accepted by the kernel: not refused
    waiting.close()
