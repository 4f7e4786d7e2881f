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
    bodyless = status in _NO_BODY or status < 200
    all_headers = list(headers)
    if not bodyless:
        all_headers.append((b"content-length", str(len(body)).encode("latin-1")))
    await send({"type": "http.response.start", "status": status, "headers": all_headers})
    await send({"type": "http.response.body", "body": b"" if bodyless or head else body})


async def send_status(send: Send, status: int, text: bytes = b"", headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    """A short plain-text (or empty) host response: 401, 404, 405, 413, 500."""
    await send_response(send, status, [*headers, _TEXT] if text else list(headers), text)
