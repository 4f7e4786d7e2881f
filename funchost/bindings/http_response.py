"""A function's HTTP output → status, headers and body, as the Python worker's `HttpResponseConverter.encode` does.

The output must be a `func.HttpResponse` or a `str`; anything else fails the invocation, as it does on Azure.
Content-Length and Transfer-Encoding set by the function are dropped (the host computes its own), and a response
without a Content-Type gets the worker's default from its mimetype and charset.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from azure.functions import _abc as func_abc
from azure.functions import _http as func_base_http
from werkzeug.datastructures import Headers

from funchost.bindings.http_cookies import azure_set_cookies
from funchost.errors import FunchostError

TEXT_PLAIN = b"text/plain; charset=utf-8"
_SKIPPED_RESPONSE_HEADERS = frozenset({"content-length", "transfer-encoding"})


class HttpOutputError(FunchostError, TypeError):
    """A function produced a value the HTTP output binding cannot send."""


# A response ready to send: (status, raw header pairs with repeats kept, e.g. Set-Cookie, body). A plain tuple, as
# one is built for every request and a NamedTuple costs six times as much to build.
HttpResponseData = tuple[int, Sequence[tuple[bytes, bytes]], bytes]

# What the Functions host answers when an HTTP function sets no response (FunctionInvocationMiddleware: OkResult).
EMPTY_OK: HttpResponseData = (200, (), b"")
NO_CONTENT: HttpResponseData = (204, (), b"")


def to_http_response(value: object) -> HttpResponseData:
    """Encode a function's HTTP output as the Python worker does (`func.HttpResponse` or `str`)."""
    # The exact type first: `isinstance` against the ABC costs more than the rest of the check.
    if type(value) is func_base_http.HttpResponse or isinstance(value, func_abc.HttpResponse):
        return _from_http_response(value)
    if isinstance(value, str):
        return 200, [(b"content-type", TEXT_PLAIN)], value.encode("utf-8")
    raise HttpOutputError(
        f"an HTTP output must be a func.HttpResponse or a str, got {type(value).__name__}"
        + (" (the function returned None)" if value is None else "")
    )


def _from_http_response(response: func_abc.HttpResponse) -> HttpResponseData:
    status = response.status_code
    if type(status) is not int:
        status = int(status)
    if not 100 <= status <= 599:
        raise HttpOutputError(f"HTTP status code {status} is not between 100 and 599")
    headers: list[tuple[bytes, bytes]] = []
    has_type = False
    cookies: list[str] = []
    source = response.headers
    if source:  # most responses set no header of their own
        for name, value in source if isinstance(source, Headers) else source.items():
            lowered = name.lower()
            if lowered in _SKIPPED_RESPONSE_HEADERS:
                continue  # recomputed from the body
            if lowered == "set-cookie":
                cookies.append(str(value))
                continue
            has_type = has_type or lowered == "content-type"
            headers.append((_header_bytes(name), _header_bytes(str(value))))
        if cookies:
            try:
                headers += [(b"set-cookie", _header_bytes(cookie)) for cookie in azure_set_cookies(cookies)]
            except ValueError as exc:
                raise HttpOutputError(str(exc)) from None
    if not has_type:
        headers.append((b"content-type", _content_type(response.mimetype, response.charset)))
    body = response.get_body()
    if type(body) is not bytes:
        body = bytes(body) if body is not None else b""
    return status, headers, body


@functools.lru_cache(maxsize=64)
def _content_type(mimetype: str, charset: str) -> bytes:
    """The Content-Type the worker sends for a response without one (charset only for text/*)."""
    return _header_bytes(f"{mimetype}; charset={charset}" if mimetype.startswith("text/") else mimetype)


def _header_bytes(text: str) -> bytes:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")
