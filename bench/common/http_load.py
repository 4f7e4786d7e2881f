"""A small closed-loop HTTP/1.1 load generator on raw asyncio streams (wrk is not installed everywhere), and a TCP
relay that stands in for a proxy hop.

`ramp(port, path, steps)`: `steps` is a list of (seconds, clients); each client holds one keep-alive connection
and sends the next GET as soon as the previous answer is read, clients are added or stopped at each step. Every
request is recorded as (sent at, latency, status); a refused/reset connection is status 0 (a lost request) and the
client reconnects. `relay(listen_port, to_port)` copies bytes both ways, one upstream connection per client (what
an interceptor does, minus its routing).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field


@dataclass
class Record:
    requests: list[tuple[float, float, int]] = field(default_factory=list)  # (sent at, latency s, status)

    @property
    def lost(self) -> int:
        return sum(1 for _, _, status in self.requests if status == 0)


async def get_once(port: int, path: str, within: float = 30.0) -> tuple[float, int]:
    """One GET on a fresh connection: (latency s, status; 0 when refused, reset or cut short)."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(within):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                writer.write(_request(path, close=True))
                status = await _response(reader)
            finally:
                writer.close()
    except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
        status = 0
    return time.perf_counter() - started, status


async def ramp(port: int, path: str, steps: Sequence[tuple[float, int]]) -> Record:
    record = Record()
    clients: list[asyncio.Task[None]] = []
    for seconds, count in steps:
        while len(clients) < count:
            clients.append(asyncio.create_task(_client(port, path, record)))
        while len(clients) > count:
            clients.pop().cancel()
        await asyncio.sleep(seconds)
    for client in clients:
        client.cancel()
    await asyncio.gather(*clients, return_exceptions=True)
    return record


async def _client(port: int, path: str, record: Record) -> None:
    request = _request(path)
    while True:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            record.requests.append((time.time(), 0.0, 0))
            await asyncio.sleep(0.05)
            continue
        try:
            while True:
                sent, started = time.time(), time.perf_counter()
                writer.write(request)
                status = await _response(reader)
                record.requests.append((sent, time.perf_counter() - started, status))
        except (OSError, asyncio.IncompleteReadError, ValueError):
            record.requests.append((time.time(), 0.0, 0))
        finally:
            writer.close()


def _request(path: str, close: bool = False) -> bytes:
    connection = b"close" if close else b"keep-alive"
    return b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: %s\r\n\r\n" % (path.encode(), connection)


async def _response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


@contextlib.asynccontextmanager
async def relay(listen_port: int, to_port: int) -> AsyncIterator[None]:
    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", to_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer))

    server = await asyncio.start_server(handle, "127.0.0.1", listen_port)
    try:
        yield
    finally:
        server.close()
