"""`StreamEndpoint`: an HTTP-streams function (FastAPI `Request` in, FastAPI response out), nothing buffered.

The function gets the request before a byte of the body is read and reads it (`req.stream()`) as it arrives; its
response is sent as the response object streams it (a `StreamingResponse` chunk by chunk). As the Python worker's
catch-all route does, the invocation is the function call: functionTimeout and the invocation metrics cover the
call, and the response streams after it returned (non-HTTP outputs are sent before it starts).

The body limit (`BodyLimit`, host.json `maxRequestBodySize`) applies while the body streams: a declared
Content-Length over the limit is answered 413 before the function runs; a body that grows past it raises inside the
function's read and the client gets 413, or, if the function had already started its response, the connection is
cut. Invocation failures answer 500 with a generic body, as FastAPI does; the invoker has logged the traceback. A
client that leaves while the response streams ends it quietly (the response's generator is cancelled or closed).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from types import MappingProxyType

from starlette.datastructures import Headers, QueryParams
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from funchost.bindings.binding_data import request_binding_data
from funchost.bindings.http_streams import HttpStreamOutputError, to_stream_request, to_stream_response
from funchost.errors import InvocationError
from funchost.http.limits import BodyLimit, BodyTooLarge
from funchost.http.responses import send_status
from funchost.invocation import FunctionInvoker

logger = logging.getLogger("funchost.http")

SERVER_ERROR = b"Internal Server Error"
_NO_ROUTE_VALUES: Mapping[str, str] = MappingProxyType({})


def _binding_data(scope: Scope) -> dict[str, object]:
    query = QueryParams(scope.get("query_string", b""))
    route = scope.get("path_params") or _NO_ROUTE_VALUES
    return request_binding_data({}, dict(query.items()), route, dict(Headers(scope=scope).items()))


def stream_endpoint(invoker: FunctionInvoker, *, trigger: str, max_body: int) -> BodyLimit:
    """The endpoint of a stream function, with the body limit applied while the body streams."""
    return BodyLimit(StreamEndpoint(invoker, trigger=trigger, max_body=max_body), max_body)


class StreamEndpoint:
    def __init__(self, invoker: FunctionInvoker, *, trigger: str, max_body: int) -> None:
        self.invoker = invoker
        self.name = invoker.name
        self.trigger = trigger
        self.max_body = max_body  # enforced by the BodyLimit around this endpoint; named in the log here

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = to_stream_request(scope, receive, scope.get("path_params") or _NO_ROUTE_VALUES)
        try:
            data = functools.partial(_binding_data, scope) if self.invoker.needs_binding_data else None
            outputs = await self.invoker.invoke({self.trigger: request}, binding_data=data)  # sends other outputs
            response = to_stream_response(outputs.get("$return"))
        except HttpStreamOutputError as exc:
            logger.error(
                "Function '%s': %s, so the request failed with 500. Fix: return a Response, StreamingResponse, "
                "JSONResponse... from azurefunctions.extensions.http.fastapi, or a JSON-encodable value",
                self.name,
                exc,
            )
            await send_status(send, 500, SERVER_ERROR)
            return
        except InvocationError as exc:
            if isinstance(exc.__cause__, BodyTooLarge):
                logger.warning(
                    "Function '%s': the request body grew past maxRequestBodySize (%d bytes) while the function read "
                    "it, so the request got 413. Fix: raise extensions.http.maxRequestBodySize in host.json",
                    self.name,
                    self.max_body,
                )
            await send_status(send, 500, SERVER_ERROR)  # what happened is logged, never sent to the client
            return  # (after a 413 the BodyLimit around us drops this 500)
        try:
            await response(scope, receive, send)
        except BodyTooLarge:
            raise  # BodyLimit answers 413 or, once the response started, lets the server cut the connection
        except ClientDisconnect:  # raised by Starlette's responses on ASGI 2.4 servers when the client left
            logger.debug("Function '%s': the client left while its response was being sent", self.name)
        except Exception:
            logger.exception("Function '%s': its response failed while it was being sent", self.name)
            raise
