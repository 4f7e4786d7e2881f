"""Azure Storage Queue conversions: message text ↔ body bytes (messageEncoding), the value a `queueTrigger`
parameter receives (`func.QueueMessage`, `str` or `bytes`, as the Python worker allows), and the message bodies a
`queue` output value becomes.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from azure.functions import _abc as func_abc
from azure.functions.queue import QueueMessage

from funchost.bindings.trigger_parameters import ParameterRule
from funchost.errors import FunchostError

TriggerKind = Literal["message", "str", "bytes"]
_WHITESPACE = str.maketrans("", "", " \t\r\n")


class MessageDecodingError(FunchostError, ValueError):
    """A message's text is not valid under messageEncoding (Azure moves it straight to the poison queue)."""


class QueueOutputError(FunchostError, TypeError):
    """A function set a queue output value that cannot become queue messages."""


_PARAMETER: ParameterRule[TriggerKind] = ParameterRule(
    "queueTrigger",
    func_abc.QueueMessage,
    "message",
    {str: "str", bytes: "bytes"},
    "annotate it as func.QueueMessage, str or bytes (e.g. '{parameter}: func.QueueMessage'), and call get_json() on "
    "the message for JSON bodies",
)


def trigger_kind(function: str, parameter: str, annotation: Any) -> TriggerKind:
    """What a queueTrigger parameter receives. Worker rule (azure_functions_worker/functions.py): `str`/`bytes`
    use the generic binding; anything else must pass `QueueMessageInConverter.check_input_type_annotation`."""
    return _PARAMETER.kind(function, parameter, annotation)


def decode_body(text: str, encoding: str) -> bytes:
    """The body bytes of a stored message text. Base64 is strict (padding, alphabet) as .NET's decoder is."""
    if encoding == "none":
        return text.encode("utf-8")
    try:
        return base64.b64decode(text.translate(_WHITESPACE), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MessageDecodingError(f"message text is not valid base64 ({exc})") from None


def encode_body(body: bytes, encoding: str) -> str:
    """The message text to store for `body` under messageEncoding."""
    if encoding != "none":
        return base64.b64encode(body).decode("ascii")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise QueueOutputError(
            "host.json extensions.queues.messageEncoding is 'none', so a message must be UTF-8 text, but the "
            "function set bytes that are not UTF-8. Fix: set text, or use messageEncoding 'base64' (the default)"
        ) from None


def trigger_value(
    kind: TriggerKind,
    *,
    id: str,
    body: bytes,
    dequeue_count: int,
    expiration_time: datetime | None,
    insertion_time: datetime | None,
    time_next_visible: datetime | None,
    pop_receipt: str | None,
) -> QueueMessage | str | bytes:
    """The argument for the trigger parameter; `str` decodes like .NET's `ToValidUTF8String` (U+FFFD)."""
    if kind == "bytes":
        return body
    if kind == "str":
        return body.decode("utf-8", errors="replace")
    return QueueMessage(  # type: ignore[no-untyped-call]  # the library's constructor is unannotated
        id=id,
        body=body,
        dequeue_count=dequeue_count,
        expiration_time=expiration_time,
        insertion_time=insertion_time,
        time_next_visible=time_next_visible,
        pop_receipt=pop_receipt,
    )


def output_bodies(value: Any) -> list[bytes]:
    """Message bodies for a `queue` output value: one message per item of a list (as the Functions host adds
    each element of a JSON array), str/bytes as given, a QueueMessage's body, dicts and nested lists as JSON."""
    if isinstance(value, str | bytes | bytearray | dict | func_abc.QueueMessage):
        return [_one_body(value)]
    if isinstance(value, Iterable):
        return [_one_body(item) for item in value]
    return [_one_body(value)]


def _one_body(item: Any) -> bytes:
    if isinstance(item, str):
        return item.encode("utf-8")
    if isinstance(item, bytes | bytearray):
        return bytes(item)
    if isinstance(item, func_abc.QueueMessage):
        body = item.get_body()
        return body if isinstance(body, bytes) else body.encode("utf-8")
    if isinstance(item, dict | list | tuple):
        try:
            return json.dumps(item).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise QueueOutputError(f"a queue output value could not be serialised as JSON: {exc}") from None
    raise QueueOutputError(
        f"a queue output value is {type(item).__name__}; expected str, bytes, func.QueueMessage, dict, "
        "or a list of those (one message each). Fix: convert it, e.g. str(value) or json.dumps(value)"
    )
