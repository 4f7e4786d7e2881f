"""What a value set on a `serviceBus` output binding becomes: the `ServiceBusMessage`s to send.

As on Azure, where the Python worker hands the host a str or bytes (azure.functions `ServiceBusMessageOutConverter`)
and the host adds each element of a JSON-array string separately to the extension's collector, whose converters
(Microsoft.Azure.WebJobs.Extensions.ServiceBus) make a string or byte array the message body as is and serialize
any other object as JSON (content type `application/json`):

- `str` → a UTF-8 body; a string holding a JSON array → one message per element (strings as text, the rest JSON);
- `bytes` → the body as is; a number, bool, list item or plain dict → JSON with content type `application/json`;
- a list or tuple → one message per item, sent as batches;
- a dict with a `body` key and only message-property keys (below, any letter case) → one message with those
  properties — funchost's way to set what .NET apps set on a `ServiceBusMessage`; an
  `azure.servicebus.ServiceBusMessage` is sent as it is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.servicebus import ServiceBusMessage

from funchost.errors import InvocationError
from funchost.metadata.timespan import parse_timedelta

JSON = "application/json"


class ServiceBusOutputValueError(InvocationError, TypeError):
    """A value set on a `serviceBus` output binding cannot become a Service Bus message."""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _time_to_live(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    return parse_timedelta(str(value))


def _enqueue_time(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _properties(value: Any) -> dict[str | bytes, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"must be an object of names to values, not {type(value).__name__}")
    return {str(key): item for key, item in value.items()}


# Message property (folded) → ServiceBusMessage keyword and how to read the value.
PROPERTIES: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "messageid": ("message_id", _text),
    "sessionid": ("session_id", _text),
    "correlationid": ("correlation_id", _text),
    "contenttype": ("content_type", _text),
    "subject": ("subject", _text),
    "label": ("subject", _text),  # the Track-1 name of Subject
    "to": ("to", _text),
    "replyto": ("reply_to", _text),
    "replytosessionid": ("reply_to_session_id", _text),
    "partitionkey": ("partition_key", _text),
    "timetolive": ("time_to_live", _time_to_live),
    "scheduledenqueuetime": ("scheduled_enqueue_time_utc", _enqueue_time),
    "scheduledenqueuetimeutc": ("scheduled_enqueue_time_utc", _enqueue_time),
    "applicationproperties": ("application_properties", _properties),
    "userproperties": ("application_properties", _properties),
}


def is_envelope(item: Mapping[Any, Any]) -> bool:
    keys = {str(key).casefold() for key in item}
    return "body" in keys and keys <= {"body", *PROPERTIES}


def _json(value: Any) -> ServiceBusMessage:
    try:
        return ServiceBusMessage(json.dumps(value), content_type=JSON)
    except (TypeError, ValueError) as exc:
        raise ServiceBusOutputValueError(
            f"a Service Bus output value of type {type(value).__name__} is not JSON-serializable ({exc}). Fix: set "
            "a str, bytes, or a JSON-serializable dict or list"
        ) from None


def _body(value: Any) -> ServiceBusMessage:
    if isinstance(value, str | bytes):
        return ServiceBusMessage(value)
    if isinstance(value, bytearray | memoryview):
        return ServiceBusMessage(bytes(value))
    return _json(value)


def _envelope(item: Mapping[Any, Any]) -> ServiceBusMessage:
    message = _body(next(value for key, value in item.items() if str(key).casefold() == "body"))
    for key, value in item.items():
        folded = str(key).casefold()
        if folded == "body" or value is None:
            continue
        attribute, read = PROPERTIES[folded]
        try:
            setattr(message, attribute, read(value))
        except (TypeError, ValueError) as exc:
            raise ServiceBusOutputValueError(
                f"the Service Bus message property '{key}' = {value!r} is invalid ({exc}). Fix: see "
                "docs/servicebus.md (Service Bus output binding) for each property's form"
            ) from None
    return message


def _message(item: Any) -> ServiceBusMessage:
    if isinstance(item, ServiceBusMessage):
        return item
    if isinstance(item, Mapping) and is_envelope(item):
        return _envelope(item)
    return _body(item)


def _json_array(value: str) -> list[Any] | None:
    if not value.lstrip().startswith("["):
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    return parsed if isinstance(parsed, list) else None


def messages_for(value: Any) -> list[ServiceBusMessage]:
    """The messages for the value a function set on a `serviceBus` output binding (None / [] send nothing)."""
    if value is None:
        return []
    if isinstance(value, str):
        items = _json_array(value)
        if items is None:
            return [ServiceBusMessage(value)]
        return [ServiceBusMessage(item) if isinstance(item, str) else _json(item) for item in items]
    if isinstance(value, list | tuple):
        return [_message(item) for item in value if item is not None]
    return [_message(value)]
