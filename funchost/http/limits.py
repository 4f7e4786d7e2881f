"""Request body limits (host.json `extensions.http.maxRequestBodySize`): 413 without buffering an oversized body.

A declared `Content-Length` over the limit is refused before a byte is read; a chunked body is counted while it
streams. `read_body()` is for endpoints that need the whole body (functions, WSGI apps); `BodyLimit` is the pure-ASGI
middleware for native ASGI apps, which read the body themselves.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from funchost.http.responses import send_status

_NO_BODY_WITHOUT_FRAMING = frozenset({"1.0", "1.1"})


class BodyTooLarge(Exception):
    """The request body is larger than the limit."""


class ClientDisconnected(Exception):
    """The client went away before sending the whole body."""


def declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _framing(scope: Scope) -> tuple[int | None, bool]:
    """(Content-Length, chunked?) of the request, from one pass over its headers."""
    length: int | None = None
    chunked = False
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                length = None
        elif name == b"transfer-encoding":
            chunked = True
    return length, chunked


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The whole body; `BodyTooLarge` as soon as it is known to exceed `limit` bytes."""
    length, chunked = _framing(scope)
    if length is not None and length > limit:
        raise BodyTooLarge
    if (length is None or length == 0) and not chunked and scope.get("http_version") in _NO_BODY_WITHOUT_FRAMING:
        return b""  # HTTP/1.x: no Content-Length and no Transfer-Encoding means no body (RFC 9112 §6.3)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def read_body_or_reply(scope: Scope, receive: Receive, send: Send, limit: int) -> bytes | None:
    """The whole body, or None after answering 413 (too large) or when the client went away."""
    try:
        return await read_body(scope, receive, limit)
    except BodyTooLarge:
        await send_too_large(send)
    except ClientDisconnected:
        pass
    return None


async def send_too_large(send: Send) -> None:
    await send_status(send, 413, b"Request body too large")


class BodyLimit:
    """Pure-ASGI middleware: 413 for bodies over `limit`, checked on Content-Length and while streaming."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        length = declared_length(scope)
        if length is not None and length > self.limit:
            await send_too_large(send)
            return
        guard = _Guard(self.limit, receive, send)
        try:
            await self.app(scope, guard.receive, guard.send)
        except Exception:
            if guard.answered:
                return  # the app failed because we cut its body off; the client already has its 413
            if not guard.exceeded or guard.started:
                raise
            await send_too_large(send)


class _Guard:
    def __init__(self, limit: int, receive: Receive, send: Send) -> None:
        self.limit = limit
        self.size = 0
        self._receive = receive
        self._send = send
        self.started = False  # the app began its response
        self.exceeded = False
        self.answered = False  # we sent the 413 ourselves

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.size += len(message.get("body", b""))
            if self.size > self.limit:
                self.exceeded = True
                if not self.started:
                    await send_too_large(self._send)
                    self.answered = True
                raise BodyTooLarge
        return message

    async def send(self, message: Message) -> None:
        if self.answered:
            return  # whatever the app sends after its body was refused goes nowhere
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)
