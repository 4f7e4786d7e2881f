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


def bodyless(scope: Scope) -> bool:
    """An HTTP/1.x request without Content-Length (or with 0) and without Transfer-Encoding has no body (RFC 9112
    §6.3): there is nothing to receive. Endpoints check this before they start reading."""
    if scope.get("http_version") not in _NO_BODY_WITHOUT_FRAMING:
        return False
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value != b"0"):
            return False
    return True


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The whole body; `BodyTooLarge` as soon as it is known to exceed `limit` bytes."""
    if bodyless(scope):
        return b""
    length = declared_length(scope)
    if length is not None and length > limit:
        raise BodyTooLarge
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
