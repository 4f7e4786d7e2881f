"""Sending whole responses as raw ASGI messages: the lean path for function results and host errors."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import Send

_TEXT = (b"content-type", b"text/plain; charset=utf-8")
_NO_BODY = frozenset({204, 304})


async def send_response(
    send: Send, status: int, headers: Sequence[tuple[bytes, bytes]], body: bytes, *, head: bool = False
) -> None:
    """Send status, headers (plus Content-Length) and body; HEAD and 1xx/204/304 responses carry no body."""
    if status < 200 or status in _NO_BODY:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    length = (b"content-length", b"%d" % len(body))
    await send({"type": "http.response.start", "status": status, "headers": [*headers, length]})
    await send({"type": "http.response.body", "body": b"" if head else body})


async def send_status(send: Send, status: int, text: bytes = b"", headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    """A short plain-text (or empty) host response: 401, 404, 405, 413, 500."""
    await send_response(send, status, [*headers, _TEXT] if text else headers, text)
