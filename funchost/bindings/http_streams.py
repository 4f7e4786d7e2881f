"""HTTP streams: the FastAPI `Request` a stream function receives, and its return value as an ASGI response.

The request is the extension's registered request type built on the live ASGI scope and `receive`, so
`req.stream()` reads the body as the client sends it; the route values are its `path_params`, as the worker's
`RequestSynchronizer` sets them. The return value is answered as the worker's catch-all FastAPI route answers it: a
Starlette/FastAPI `Response` (`StreamingResponse` included) is sent as it is, anything else is encoded by FastAPI's
`jsonable_encoder` into a `JSONResponse` with status 200 (`None` becomes `null`). A `func.HttpResponse` is refused
(FastAPI would answer its attributes as JSON).

The types come from the extension the app imported (`azurefunctions.extensions.base` trackers), so funchost
itself depends on neither FastAPI nor the extension.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from azure.functions import _abc as func_abc
from starlette.responses import Response
from starlette.types import Receive, Scope

from funchost.errors import FunchostError
from funchost.metadata.http_streams import EXTENSION_BASE


class HttpStreamOutputError(FunchostError, TypeError):
    """A stream function returned a value FastAPI cannot encode as JSON."""


def _base() -> ModuleType:
    base = sys.modules.get(EXTENSION_BASE)
    if base is None:
        raise RuntimeError("HTTP streams are served only after the app imported azurefunctions.extensions.http")
    return base


def to_stream_request(scope: Scope, receive: Receive, route_values: Mapping[str, str]) -> Any:
    """The extension's request (a FastAPI `Request`) on this scope; the body is read only when the function reads
    it."""
    base = _base()
    scope["path_params"] = {}  # the request's own, filled by the extension's synchronizer
    request = base.RequestTrackerMeta.get_request_type()(scope, receive)
    base.RequestTrackerMeta.get_synchronizer().sync_route_params(request, dict(route_values))
    return request


def to_stream_response(value: object) -> Response:
    """The ASGI response for a stream function's return value, as FastAPI builds it."""
    if isinstance(value, Response):
        return value
    if isinstance(value, func_abc.HttpResponse):  # FastAPI would encode its attributes as JSON: refuse instead
        raise HttpStreamOutputError(
            "it returned a func.HttpResponse, but in an HTTP-streams app an HTTP function returns a FastAPI response"
        )
    from fastapi.encoders import jsonable_encoder  # present whenever the extension is: it depends on FastAPI

    try:
        content = jsonable_encoder(value)
    except (TypeError, ValueError) as exc:
        raise HttpStreamOutputError(
            f"its return value ({type(value).__name__}) is neither a FastAPI response nor encodable as JSON ({exc})"
        ) from exc
    json_response: type[Response] = _base().ResponseTrackerMeta.get_response_type(_base().ResponseLabels.JSON)
    return json_response(content)
