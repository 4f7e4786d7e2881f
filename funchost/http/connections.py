"""The host's HTTP/1.1 connections: uvicorn's httptools protocol with request-head limits, a head timeout and a cap
on open connections, all enforced before the ASGI app sees a request.

- **Head size and count.** A request with more than `max_header_count` headers, or more than
  `max_headers_total_size` bytes of header lines (each counted as `name: value` plus CRLF), gets 431; a request line
  over `max_request_line_size` gets 414. Bytes are counted as they arrive, so a head that keeps growing is refused
  once it is past the limits, before the parser has buffered much more than that. A typical request costs one
  comparison: only a head that could be over a limit is measured exactly.
- **Head timeout.** A connection that has not completed a request head `headers_timeout` after it opened (or after
  the head's first byte) is closed, with 408 if part of a head arrived. Checked once a second for all connections,
  as Kestrel's heartbeat does, so a request pays nothing for it. Idle keep-alive connections keep uvicorn's timeout.
- **Connection cap.** At most `cap` connections are open. When a new one would go over, the oldest connection that
  has no request being handled (it sent nothing yet, is between requests, or is still sending its head) is closed
  to make room, as nginx reuses idle connections; only when every connection is busy is the new one answered 503
  and closed at once, so descriptors never run out and idle sockets can never lock the host's probes out.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from funchost.http.connection_guard import ConnectionGuard
from funchost.http.server_limits import ServerLimits


def _raw_response(status: bytes, text: bytes) -> bytes:
    return (
        b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: "
        + str(len(text)).encode() + b"\r\nconnection: close\r\n\r\n" + text
    )  # fmt: skip


BUSY = _raw_response(b"503 Service Unavailable", b"Too many connections")
HEAD_TIMEOUT = _raw_response(b"408 Request Timeout", b"Request head not received in time")
HEAD_TOO_LARGE = _raw_response(b"431 Request Header Fields Too Large", b"Request header fields too large")
LINE_TOO_LONG = _raw_response(b"414 URI Too Long", b"Request line too long")


_data_received = HttpToolsProtocol.data_received
_on_message_begin = HttpToolsProtocol.on_message_begin
_on_headers_complete = HttpToolsProtocol.on_headers_complete


def guarded_protocol(guard: ConnectionGuard) -> type[HttpToolsProtocol]:
    """The protocol class to give `uvicorn.Config(http=...)`, bound to `guard`."""
    return type("GuardedHttpToolsProtocol", (GuardedProtocol,), {"guard": guard})


def _refusal_app(status: int, text: bytes) -> Any:
    """The ASGI app uvicorn runs instead of the host's for a complete head over a limit (the connection closes)."""
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]

    async def refuse(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": text})

    return refuse


_REFUSE_APPS = {
    431: _refusal_app(431, b"Request header fields too large"),
    414: _refusal_app(414, b"Request line too long"),
}


class GuardedProtocol(HttpToolsProtocol):
    guard: ClassVar[ConnectionGuard]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_tick = -1  # the sweep tick at which this connection began waiting for a head; -1: not waiting
        self._in_head = False  # some bytes of a head arrived, and it is not complete
        self._head_bytes = 0  # bytes of the current head that arrived after the chunk it began in
        self._first_chunk = 0  # size of the chunk the current head began in
        self._chunk = 0
        self._admitted = False
        self._refused = False

    @property
    def idle(self) -> bool:
        """No request is being handled: closing it loses nothing the host has started."""
        cycle = self.cycle
        return cycle is None or (cycle.response_complete and not self.pipeline)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        guard = self.guard
        if not guard.admit(self):
            transport.write(BUSY)
            transport.close()
            return
        self._admitted = True
        guard.start(self.loop)
        super().connection_made(transport)
        self.head_tick = guard.tick

    def connection_lost(self, exc: Exception | None) -> None:
        if self._admitted:
            self.guard.open.pop(self, None)
            super().connection_lost(exc)

    # The three methods below run for every request: the base class is called directly (no super()) and attributes
    # are read once, which keeps what the limits add to a request to about a microsecond (bench/http.py --profile).

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        self._chunk = size = len(data)
        if self._in_head:
            self._head_bytes += size
        _data_received(self, data)
        if self._in_head and self._head_bytes > self.guard.abort_at:
            limit = self.guard.limits.max_request_line_size
            self._refuse(414 if len(self.url) > limit else 431)

    def on_message_begin(self) -> None:
        _on_message_begin(self)
        self.head_tick = self.guard.tick
        self._in_head = True
        self._head_bytes = 0
        self._first_chunk = self._chunk

    def on_headers_complete(self) -> None:
        self._in_head = False
        self.head_tick = -1
        guard = self.guard
        if len(self.headers) > guard.max_header_count:
            self._answer_instead(431)
        elif self._head_bytes + self._first_chunk > guard.measure_above and (status := self._over(guard.limits)):
            self._answer_instead(status)
        else:
            _on_headers_complete(self)

    def _over(self, limits: ServerLimits) -> int | None:
        """The exact measure, for a head that may be over a limit: 414, 431 or None."""
        if len(self.url) + 12 + len(self.parser.get_method()) > limits.max_request_line_size:  # "M URL HTTP/1.1\r\n"
            return 414
        if sum(len(name) + len(value) + 4 for name, value in self.headers) > limits.max_headers_total_size:
            return 431
        return None

    def _answer_instead(self, status: int) -> None:
        """Let uvicorn answer this complete head with a refusal instead of running the host's app for it."""
        self.guard.refused[status] += 1
        app, self.app = self.app, _REFUSE_APPS[status]
        try:
            _on_headers_complete(self)
        finally:
            self.app = app

    def handle_websocket_upgrade(self) -> None:
        self.guard.open.pop(self, None)  # the connection now belongs to the WebSocket protocol
        super().handle_websocket_upgrade()

    def head_timed_out(self) -> None:
        if self._in_head:
            self._refuse(408)
        elif not self.transport.is_closing():
            self.transport.close()

    def _refuse(self, status: int) -> None:
        """Answer a head that cannot be read on (too large, too slow) and close the connection."""
        self._refused, self._in_head, self.head_tick = True, False, -1
        self.guard.refused[status] += 1
        if self.cycle is None or self.cycle.response_complete:  # nothing else is being written on it
            response = {414: LINE_TOO_LONG, 431: HEAD_TOO_LARGE, 408: HEAD_TIMEOUT}[status]
            self.transport.write(response)
        self.transport.close()
