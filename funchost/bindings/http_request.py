"""An ASGI request → the `azure.functions.HttpRequest` an HTTP function receives, built on first use.

The values are those of the RpcHttp message the Functions host sends (RpcMessageConversionExtensions.ToRpcHttp):
URL `scheme://host/path?query`, header names lower-cased and repeated values joined with ",", empty header and
query values left out, route values as decoded strings; the body is passed as bytes so `req.get_body()`,
`get_json()`, `form` and `files` work for any content type. The object is the Python worker's own class,
`azure.functions.http.HttpRequest`.

Building it (decoding headers and query, the URL, azure-functions' header mapping and read-only views) is most of
what the host does per request beyond calling the function, and many functions never read their request, or read
it only on some paths. Like Starlette's `Request`, `LazyHttpRequest` keeps the scope and does that work on first
access: each public member of the worker's class (`method`, `url`, `headers`, `params`, `route_params`,
`get_body()`, `get_json()`, `form`, `files`; a test fails if azure-functions adds one) first runs the class's real
`__init__` and then turns the object into an instance of that class, so from then on every access costs what it
costs on the worker. The build holds a lock: two threads reading one request at once (a sync function that hands it
to another thread) both see it whole.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote

from azure.functions import http as func_http

_build_lock = threading.Lock()  # the build reads no lazy member, so it cannot re-enter


def to_http_request(scope: Mapping[str, Any], body: bytes, route_params: Mapping[str, str]) -> func_http.HttpRequest:
    """The `func.HttpRequest` for an ASGI HTTP scope and its (already read) body, built when first read."""
    return LazyHttpRequest(scope, body, route_params)


class LazyHttpRequest(func_http.HttpRequest):
    """The worker's request class with its `__init__` deferred to first use; then it becomes that class."""

    def __init__(self, scope: Mapping[str, Any], body: bytes, route_params: Mapping[str, str]) -> None:
        # Deliberately no super().__init__() here: _built() runs it on first use (see the module docstring).
        self._funchost_pending = (scope, body, route_params)

    def _built(self) -> func_http.HttpRequest:
        with _build_lock:
            if type(self) is LazyHttpRequest:  # not yet built (by another thread that held the lock before us)
                func_http.HttpRequest.__init__(self, **request_arguments(*self._funchost_pending))
                del self._funchost_pending  # only once built: a build that raised is tried again on the next read
                self.__class__ = func_http.HttpRequest  # type: ignore[assignment]  # same layout: allowed
        return self

    # Every public member of azure.functions.http.HttpRequest (tests/bindings/test_http_request.py checks the list).

    @property
    def url(self) -> str:
        return self._built().url  # type: ignore[no-any-return]

    @property
    def method(self) -> str:
        return self._built().method  # type: ignore[no-any-return]

    @property
    def headers(self) -> Mapping[str, str]:
        return self._built().headers  # type: ignore[no-any-return]

    @property
    def params(self) -> Mapping[str, str]:
        return self._built().params  # type: ignore[no-any-return]

    @property
    def route_params(self) -> Mapping[str, str]:
        return self._built().route_params  # type: ignore[no-any-return]

    @property
    def form(self) -> Any:
        return self._built().form

    @property
    def files(self) -> Any:
        return self._built().files

    def get_body(self) -> bytes:
        return self._built().get_body()

    def get_json(self) -> Any:
        return self._built().get_json()


def request_arguments(scope: Mapping[str, Any], body: bytes, route_params: Mapping[str, str]) -> dict[str, Any]:
    """The keyword arguments of `azure.functions.http.HttpRequest` for this request."""
    headers = request_headers(scope)
    return {
        "method": scope["method"],
        "url": request_url(scope, headers),
        "headers": headers,
        "params": query_params(scope.get("query_string", b"")),
        "route_params": route_params,  # the request keeps a read-only view of it; nothing else changes it
        "body_type": "bytes",
        "body": body,
    }


def request_headers(scope: Mapping[str, Any]) -> dict[str, str]:
    """Header names lower-cased, empty values dropped, repeated values joined with "," — in linear time: the values
    of a repeated name are collected and joined once (joining them one by one copies the growing string each time,
    which costs seconds of CPU for a request that repeats a header 100,000 times)."""
    headers: dict[str, str] = {}
    repeated: dict[str, list[str]] | None = None
    for raw_name, raw_value in scope["headers"]:
        if not raw_value:
            continue  # the host drops empty header values (IgnoreEmptyValuedRpcHttpHeaders)
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        if name not in headers:
            headers[name] = value
            continue
        if repeated is None:
            repeated = {}
        values = repeated.get(name)
        if values is None:
            repeated[name] = [headers[name], value]
        else:
            values.append(value)
    if repeated is not None:
        for name, values in repeated.items():
            headers[name] = ",".join(values)
    return headers


def query_params(query_string: bytes) -> dict[str, str]:
    """Query parameters; repeated names joined with "," and case-insensitively merged (the first spelling is kept),
    empty values dropped."""
    if not query_string:
        return {}
    params: dict[str, str] = {}
    spelling: dict[str, str] = {}  # lower-cased name → the name as first seen
    for field in query_string.decode("latin-1").split("&"):
        name, _, value = field.partition("=")
        if not value:
            continue  # no "=" or an empty value: left out (parse_qsl's keep_blank_values=False, tested equal)
        name = _decoded(name)
        key = spelling.setdefault(name.lower(), name)
        value = _decoded(value)
        params[key] = f"{params[key]},{value}" if key in params else value
    return params


def _decoded(part: str) -> str:
    """A form-encoded name or value: '+' is a space, then %XX escapes as UTF-8 (invalid sequences replaced)."""
    if "+" in part:
        part = part.replace("+", " ")
    return unquote(part) if "%" in part else part


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
