"""RabbitMQ conversions: a message body → the trigger parameter's declared type, and output values → message
bodies (the connection, its URL descriptions and TLS options are funchost/brokers/rabbitmq.py).

Trigger bodies follow the extension's value provider (Trigger/BasicDeliverEventArgsValueProvider.cs in
Azure/azure-functions-rabbitmq-extension): `bytes` gets the raw body, `str` the UTF-8 text, any other supported
type the JSON-decoded body. azure-functions has no RabbitMQ converter, so an unannotated parameter gets `str`
(`bytes` with dataType binary), like the Python worker's generic binding.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Callable
from typing import Any

from funchost.errors import FunchostError, FunctionDefinitionError

BodyConverter = Callable[[bytes], Any]
JSON_TYPES: tuple[type, ...] = (dict, list, int, float, bool)
SUPPORTED = "str, bytes, or a JSON type (dict, list, int, float, bool)"


class BodyConversionError(FunchostError, ValueError):
    """A delivered message cannot be converted to the parameter's type (a failed invocation, retried)."""


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyConversionError(f"the body is not UTF-8 text ({exc}); annotate the parameter as bytes") from None


def _json_of(expected: type) -> BodyConverter:
    def convert(body: bytes) -> Any:
        try:
            value = json.loads(_text(body))
        except json.JSONDecodeError as exc:
            raise BodyConversionError(f"the body is not JSON ({exc}); the parameter is a {expected.__name__}") from None
        if expected is float and type(value) is int:
            return float(value)  # a JSON number without a fraction is still a valid float
        # bool is an int subclass in Python but its own kind in JSON: compare exact kinds.
        if type(value) is not expected:
            raise BodyConversionError(
                f"the body is JSON {type(value).__name__}, but the parameter is annotated {expected.__name__}"
            )
        return value

    return convert


def _unwrap_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return members[0]
    return annotation


def body_converter(function_name: str, annotation: Any, parameter: str, data_type: str | None) -> BodyConverter:
    """The converter for the trigger parameter's annotation (`IndexedFunction.annotations`, None when it has
    none); `FunctionDefinitionError` if it is unsupported."""
    annotation = _unwrap_optional(annotation)
    if annotation is None or annotation is Any:
        binary = (data_type or "").lower() == "binary"
        return bytes if binary else _text
    if annotation is bytes:
        return bytes
    if annotation is str:
        return _text
    origin = typing.get_origin(annotation) or annotation
    if isinstance(origin, type) and origin in JSON_TYPES:
        return _json_of(origin)
    shown = getattr(annotation, "__name__", None) or str(annotation)
    raise FunctionDefinitionError(
        function_name,
        f"the rabbitMQTrigger parameter '{parameter}' is annotated '{shown}', which a RabbitMQ message cannot be "
        "converted to",
        f"annotate it as {SUPPORTED}",
    )


def requeue_count(headers: typing.Mapping[str, Any] | None, name: str) -> int:
    """The integer value of the requeue-count header (absent or unreadable = 0), as Convert.ToInt32 reads it."""
    value = (headers or {}).get(name)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    try:
        return int(value) if value is not None else 0
    except (TypeError, ValueError):
        return 0


def _encode_one(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    try:
        return json.dumps(value).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"a {type(value).__name__} cannot be sent as a RabbitMQ message ({exc}); set str, bytes, "
            "a JSON-serializable dict/list/number, or a list of those (one message each)"
        ) from None


def output_bodies(value: Any) -> list[bytes]:
    """The message bodies for an output value: one per list item, otherwise one (str/bytes as is, else JSON)."""
    if isinstance(value, list | tuple):
        return [_encode_one(item) for item in value]
    return [_encode_one(value)]
