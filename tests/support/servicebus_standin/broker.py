"""The stand-in's server: ONE TCP port on 127.0.0.1 that speaks AMQP 1.0 (a connection starting with `AMQP`) and the
administration API over HTTPS (a TLS ClientHello) or plain HTTP — so the single connection string
`Endpoint=sb://127.0.0.1:<port>/;…;UseDevelopmentEmulator=true` serves both the messaging clients (which keep the
port and skip TLS for the development emulator) and the administration client (which always uses https://<host:port>).

`Broker` runs on the caller's event loop; `StandIn` (in `__init__`) runs one on a thread of its own for sync code."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiohttp import web

from .admin import AdminApi
from .connection import Connection
from .namespace import Namespace
from .nodes import Nodes

PEEK_TIMEOUT = 30.0


class Broker:
    def __init__(
        self,
        config: Mapping[str, Any] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        certificate: tuple[Path, Path] | None = None,
    ) -> None:
        self.namespace = Namespace.from_config(config)
        self.nodes = Nodes(self)
        self.admin = AdminApi(self.namespace)
        self.connections: set[Connection] = set()
        self.host, self.port = host, port
        self.certificate = certificate
        self._ssl: ssl.SSLContext | None = None
        self._socket: socket.socket | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._http_transports: set[asyncio.BaseTransport] = set()
        self._http: web.Server | None = None

    async def start(self) -> None:
        self._http = web.Server(self.admin.handle)
        if self.certificate is not None:
            self._ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self._ssl.load_cert_chain(*self.certificate)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(64)
        sock.setblocking(False)
        self._socket, self.port = sock, sock.getsockname()[1]
        self._spawn(self._accept())

    def _spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _accept(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._socket is not None
        while True:
            client, _ = await loop.sock_accept(self._socket)
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._spawn(self._route(client))

    async def _route(self, client: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        try:
            first = await asyncio.wait_for(_peek(loop, client), PEEK_TIMEOUT)
        except (TimeoutError, OSError):
            client.close()
            return
        if first == b"A":
            reader, writer = await asyncio.open_connection(sock=client)
            connection = Connection(self, reader, writer)
            self.connections.add(connection)
            await connection.run()
        elif self._http is None:
            client.close()
        else:
            tls = self._ssl if first == b"\x16" else None
            transport, _ = await loop.connect_accepted_socket(self._http, client, ssl=tls)
            self._http_transports = {t for t in self._http_transports if not t.is_closing()} | {transport}

    def drop_connections(self) -> int:
        """Cut every AMQP connection, as a network failure would (entities, messages and locks stay); the number cut."""
        dropped = list(self.connections)
        for connection in dropped:
            connection.writer.transport.abort()
        return len(dropped)

    async def stop(self) -> None:
        if self._socket is not None:
            self._socket.close()
        for connection in list(self.connections):
            with contextlib.suppress(Exception):
                connection.writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.shutdown(1.0)
        for transport in self._http_transports:
            if isinstance(transport, asyncio.Transport):
                transport.abort()  # a TLS close would need the loop to run on


async def _peek(loop: asyncio.AbstractEventLoop, client: socket.socket) -> bytes:
    """The first byte the client sent, left in the socket for whoever serves the connection."""
    ready = loop.create_future()

    def readable() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(client.fileno(), readable)
    try:
        await ready
    finally:
        loop.remove_reader(client.fileno())
    return client.recv(1, socket.MSG_PEEK)
