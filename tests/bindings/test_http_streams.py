"""The FastAPI request a stream function receives and its return value as a response, as the worker's catch-all
FastAPI route answers it."""

from __future__ import annotations

import sys
from types import ModuleType

import azure.functions as func
import pytest
from starlette.types import Message

from funchost.bindings.http_streams import HttpStreamOutputError, to_stream_request, to_stream_response
from tests.support.http_streams import EXTENSION, fastapi_extension  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("fastapi_extension")


def extension() -> ModuleType:
    return sys.modules[EXTENSION]  # imported by the fixture


def scope(path: str = "/api/items/7") -> dict[str, object]:
    return {
        "type": "http",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"q=x",
        "headers": [(b"host", b"example.org"), (b"content-type", b"text/plain")],
        "scheme": "http",
        "server": ("example.org", 80),
        "http_version": "1.1",
        "path_params": {},
    }


async def test_the_request_is_the_extensions_type_with_route_values_and_a_lazy_body() -> None:
    ext = extension()
    messages: list[Message] = [
        {"type": "http.request", "body": b"one ", "more_body": True},
        {"type": "http.request", "body": b"two", "more_body": False},
    ]
    received: list[Message] = []

    async def receive() -> Message:
        received.append(messages.pop(0))
        return received[-1]

    request = to_stream_request(scope(), receive, {"id": "7"})
    assert isinstance(request, ext.Request)
    assert request.path_params == {"id": "7"}
    assert request.query_params["q"] == "x" and request.url.path == "/api/items/7"
    assert received == []  # nothing read until the function reads
    assert [chunk async for chunk in request.stream()] == [b"one ", b"two", b""]


def test_a_response_is_sent_as_it_is() -> None:
    ext = extension()
    response = ext.StreamingResponse(iter([b"a"]), media_type="text/event-stream")
    assert to_stream_response(response) is response


@pytest.mark.parametrize(
    ("value", "body"),
    [({"a": [1, 2]}, b'{"a":[1,2]}'), ("hi", b'"hi"'), (None, b"null"), (3, b"3"), ([True], b"[true]")],
)
def test_other_values_are_json_as_fastapi_encodes_them(value: object, body: bytes) -> None:
    ext = extension()
    response = to_stream_response(value)
    assert isinstance(response, ext.JSONResponse)
    assert response.status_code == 200 and response.body == body


def test_a_func_http_response_is_refused() -> None:
    with pytest.raises(HttpStreamOutputError, match="returned a func.HttpResponse"):
        to_stream_response(func.HttpResponse("x"))


def test_a_value_fastapi_cannot_encode_is_refused() -> None:
    with pytest.raises(HttpStreamOutputError, match=r"its return value \(object\) is neither a FastAPI response"):
        to_stream_response(object())
