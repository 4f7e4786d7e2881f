"""HTTP conversions: an ASGI request → `azure.functions.HttpRequest`, a function's HTTP output → status/headers/body.

Requests are built as the Functions host builds its RpcHttp message (RpcMessageConversionExtensions.ToRpcHttp):
URL `scheme://host/path?query`, header names lower-cased and repeated values joined with ",", empty query values
left out, route values as decoded strings; the body is passed as bytes so `req.get_body()`, `get_json()`, `form`
and `files` work for any content type. Outputs follow the Python worker's `HttpResponseConverter.encode`: a
`func.HttpResponse` or a `str`; anything else fails the invocation, as it does on Azure.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, quote

from azure.functions import _abc as func_abc
from azure.functions import _http as func_base_http
from azure.functions import http as func_http
from werkzeug.datastructures import Headers

TEXT_PLAIN = b"text/plain; charset=utf-8"
_SKIPPED_RESPONSE_HEADERS = frozenset({"content-length", "transfer-encoding"})


class HttpOutputError(TypeError):
    """A function produced a value the HTTP output binding cannot send."""


# A response ready to send: (status, raw header pairs with repeats kept, e.g. Set-Cookie, body). A plain tuple, as
# one is built for every request and a NamedTuple costs six times as much to build.
HttpResponseData = tuple[int, Sequence[tuple[bytes, bytes]], bytes]

# What the Functions host answers when an HTTP function sets no response (FunctionInvocationMiddleware: OkResult).
EMPTY_OK: HttpResponseData = (200, (), b"")


def to_http_request(scope: Mapping[str, Any], body: bytes, route_params: Mapping[str, str]) -> func_http.HttpRequest:
    """Build the `func.HttpRequest` a function receives from an ASGI HTTP scope and its (already read) body."""
    headers = request_headers(scope)
    return func_http.HttpRequest(
        method=scope["method"],
        url=request_url(scope, headers),
        headers=headers,
        params=query_params(scope.get("query_string", b"")),
        route_params=route_params,  # the request keeps a read-only view of it; nothing else changes it
        body_type="bytes",
        body=body,
    )


def request_headers(scope: Mapping[str, Any]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        if not raw_value:
            continue  # the host drops empty header values (IgnoreEmptyValuedRpcHttpHeaders)
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    return headers


def query_params(query_string: bytes) -> dict[str, str]:
    """Query parameters; repeated names joined with "," and case-insensitively merged, empty values dropped."""
    if not query_string:
        return {}
    merged: dict[str, tuple[str, list[str]]] = {}
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=False):
        _, values = merged.setdefault(name.lower(), (name, []))
        values.append(value)
    return {name: ",".join(values) for name, values in merged.values()}


def request_url(scope: Mapping[str, Any], headers: Mapping[str, str]) -> str:
    host = headers.get("host")
    if not host:
        server = scope.get("server") or ("localhost", None)
        host = server[0] if server[1] in (None, 80, 443) else f"{server[0]}:{server[1]}"
    raw_path = scope.get("raw_path")
    if raw_path:
        path = raw_path.split(b"?", 1)[0].decode("latin-1")
    else:
        path = quote(scope["path"], safe="/:@!$&'()*+,;=")
    query = scope.get("query_string", b"")
    suffix = "?" + query.decode("latin-1") if query else ""
    return f"{scope.get('scheme', 'http')}://{host}{path}{suffix}"


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
    source = response.headers
    if source:  # most responses set no header of their own
        for name, value in source if isinstance(source, Headers) else source.items():
            lowered = name.lower()
            if lowered in _SKIPPED_RESPONSE_HEADERS:
                continue  # recomputed from the body
            has_type = has_type or lowered == "content-type"
            headers.append((_header_bytes(name), _header_bytes(str(value))))
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
