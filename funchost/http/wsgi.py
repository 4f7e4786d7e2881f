"""Serving a WSGI app (Flask, Django…) from the ASGI host: the app runs in a worker thread, its output streams back.

The environ is the one Azure's `WsgiMiddleware` builds: `SCRIPT_NAME` "" and `PATH_INFO` the full URL path,
route prefix included. The request body is read first (it is bounded by the body limit); the response is sent
chunk by chunk as the app yields it, with the thread waiting for each send (back-pressure).
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from collections.abc import Callable, Iterable
from typing import Any

from starlette.types import Scope, Send

logger = logging.getLogger("funchost.http.wsgi")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def build_environ(scope: Scope, body: bytes) -> dict[str, Any]:
    host, port = _server(scope)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": scope["path"].encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": host,
        "SERVER_PORT": port,
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }
    if scope.get("client"):
        environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = scope["client"][0], str(scope["client"][1])
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        if name in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
            continue  # the body is read and de-chunked already: its length is known exactly
        key = "CONTENT_TYPE" if name == "CONTENT_TYPE" else f"HTTP_{name}"
        value = raw_value.decode("latin-1")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


def _server(scope: Scope) -> tuple[str, str]:
    for name, value in scope["headers"]:
        if name == b"host":
            host, _, port = value.decode("latin-1").partition(":")
            return host, port or ("443" if scope.get("scheme") == "https" else "80")
    server = scope.get("server") or ("localhost", 80)
    return str(server[0]), str(server[1])


class WsgiResponder:
    """Runs one WSGI call in a thread and relays `start_response` and body chunks to the ASGI `send`."""

    def __init__(self, loop: asyncio.AbstractEventLoop, send: Send) -> None:
        self.loop = loop
        self._send = send
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.started = False  # response headers went out
        self._have_headers = False

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info is not None and self.started:
            raise exc_info[1].with_traceback(exc_info[2])
        self.status = int(status.split(" ", 1)[0])
        self.headers = [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in headers]
        self._have_headers = True
        return self._write

    def run(self, app: WsgiApp, environ: dict[str, Any]) -> None:
        result = app(environ, self.start_response)
        try:
            for chunk in result:
                if chunk:
                    self._write(chunk)
            self._relay({"type": "http.response.body", "body": b"", "more_body": False}, start=True)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    def _write(self, chunk: bytes) -> None:
        self._relay({"type": "http.response.body", "body": bytes(chunk), "more_body": True}, start=True)

    def _relay(self, message: dict[str, Any], *, start: bool) -> None:
        if start and not self.started:
            if not self._have_headers:
                raise RuntimeError("the WSGI app produced a body before calling start_response()")
            self.started = True
            self._call({"type": "http.response.start", "status": self.status, "headers": self.headers})
        self._call(message)

    def _call(self, message: dict[str, Any]) -> None:
        asyncio.run_coroutine_threadsafe(_sent(self._send, message), self.loop).result()


async def _sent(send: Send, message: dict[str, Any]) -> None:
    await send(message)
