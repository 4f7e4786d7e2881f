"""Received Service Bus messages → what a `serviceBusTrigger` parameter receives (`func.ServiceBusMessage`, a list
of them, `str` or `bytes`).

The trigger metadata is built under the names `azure.functions.servicebus.ServiceBusMessageInConverter` reads
(`MessageId`, `SessionId`, `DeliveryCount`, `EnqueuedTimeUtc`, `SequenceNumber`, `LockToken`, `CorrelationId`,
`ContentType`, `ApplicationProperties` / `UserProperties`, `DeadLetterSource`, ...; the `…Array` forms for
cardinality many), and the message is then built by that converter itself, so every property is exactly what the
Python worker gives the function. `DeliveryCount` is .NET's (1 on the first delivery: the AMQP header the Python
SDK reports counts the earlier attempts, so it is + 1 here). Times are UTC ISO strings, `TimeToLive` is
`HH:MM:SS`, the body is the message's bytes (Datum `bytes`, `collection_bytes` for a batch — the worker's batch
path then fills only the body and `application_properties` of each message, as on Azure).

A parameter of the SDK-type binding package (`azurefunctions.extensions.bindings.servicebus`) annotated
`ServiceBusReceivedMessage` gets the received `azure.servicebus.ServiceBusReceivedMessage` itself.

Annotations (azure_functions_worker/functions.py): `str`/`bytes` use the generic binding (cardinality one only);
otherwise `func.ServiceBusMessage` or an iterable of it.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import azure.functions as func
from azure.functions import meta
from azure.functions.servicebus import ServiceBusMessageInConverter

from funchost.errors import FunctionDefinitionError

TriggerValue = Callable[[Sequence[Any]], Any]

# Metadata name → attribute of ServiceBusReceivedMessage, and how the value is written.
_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("ContentType", "content_type", "string"),
    ("CorrelationId", "correlation_id", "string"),
    ("DeadLetterErrorDescription", "dead_letter_error_description", "string"),
    ("DeadLetterReason", "dead_letter_reason", "string"),
    ("DeadLetterSource", "dead_letter_source", "string"),
    ("DeliveryCount", "delivery_count", "count"),
    ("EnqueuedSequenceNumber", "enqueued_sequence_number", "int"),
    ("EnqueuedTimeUtc", "enqueued_time_utc", "time"),
    ("ExpiresAtUtc", "expires_at_utc", "time"),
    ("Label", "subject", "string"),
    ("LockedUntil", "locked_until_utc", "time"),
    ("LockToken", "lock_token", "string"),
    ("MessageId", "message_id", "string"),
    ("PartitionKey", "partition_key", "string"),
    ("ReplyTo", "reply_to", "string"),
    ("ReplyToSessionId", "reply_to_session_id", "string"),
    ("ScheduledEnqueueTimeUtc", "scheduled_enqueue_time_utc", "time"),
    ("SequenceNumber", "sequence_number", "int"),
    ("SessionId", "session_id", "string"),
    ("State", "state", "int"),
    ("Subject", "subject", "string"),
    ("TimeToLive", "time_to_live", "span"),
    ("To", "to", "string"),
    ("TransactionPartitionKey", "transaction_partition_key", "string"),
)


def _text(value: Any) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)


def properties(message: Any) -> dict[str, Any]:
    """Application properties with text keys and JSON-able values (bytes as text, times as ISO strings)."""
    out: dict[str, Any] = {}
    for key, value in (message.application_properties or {}).items():
        if isinstance(value, bytes):
            value = _text(value)
        elif isinstance(value, datetime):
            value = value.isoformat()
        elif not isinstance(value, (str, int, float, bool, type(None))):
            value = str(value)
        out[_text(key)] = value
    return out


def _value(message: Any, attribute: str, kind: str) -> Any:
    value = getattr(message, attribute, None)
    if value is None:
        return None
    if kind == "time":
        assert isinstance(value, datetime)
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if kind == "span":
        assert isinstance(value, timedelta)
        seconds = int(value.total_seconds())
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    if kind == "count":  # the AMQP header counts earlier attempts; .NET's DeliveryCount is that + 1
        return int(value) + 1
    if kind == "int":
        return int(value)
    return str(value)


def body(message: Any) -> bytes:
    data = message.body
    return data if isinstance(data, bytes) else b"".join(bytes(part) for part in data)


def metadata(message: Any) -> dict[str, meta.Datum]:
    """The trigger metadata of one message (cardinality one)."""
    props = json.dumps(properties(message))
    found: dict[str, meta.Datum] = {
        "ApplicationProperties": meta.Datum(props, "json"),
        "UserProperties": meta.Datum(props, "json"),
    }
    for name, attribute, kind in _FIELDS:
        value = _value(message, attribute, kind)
        if value is not None:
            found[name] = meta.Datum(value, "int" if kind in ("int", "count") else "string")
    return found


def batch_metadata(messages: Sequence[Any]) -> dict[str, meta.Datum]:
    """The `…Array` metadata of a batch (cardinality many)."""
    props = [properties(m) for m in messages]
    found = {
        "ApplicationPropertiesArray": meta.Datum(json.dumps(props), "json"),
        "UserPropertiesArray": meta.Datum(json.dumps(props), "json"),
    }
    for name, attribute, kind in _FIELDS:
        found[f"{name}Array"] = meta.Datum(json.dumps([_value(m, attribute, kind) for m in messages]), "json")
    return found


def service_bus_message(message: Any) -> func.ServiceBusMessage:
    converted = ServiceBusMessageInConverter.decode(
        meta.Datum(body(message), "bytes"), trigger_metadata=metadata(message)
    )
    assert isinstance(converted, func.ServiceBusMessage)
    return converted


def service_bus_messages(messages: Sequence[Any]) -> list[func.ServiceBusMessage]:
    data = meta.Datum(SimpleNamespace(bytes=[body(m) for m in messages]), "collection_bytes")
    converted = ServiceBusMessageInConverter.decode(data, trigger_metadata=batch_metadata(messages))
    assert isinstance(converted, list)
    return [m for m in converted if isinstance(m, func.ServiceBusMessage)]


def _is_message_list(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    iterable = isinstance(origin, type) and issubclass(origin, Iterable) and origin not in (str, bytes)
    return iterable and len(args) == 1 and isinstance(args[0], type) and issubclass(args[0], func.ServiceBusMessage)


def trigger_value(function_name: str, annotation: Any, parameter: str, cardinality: str) -> TriggerValue:
    """The converter for the trigger parameter's annotation; `FunctionDefinitionError` when the worker would refuse
    the function."""
    many = cardinality == "many"
    if annotation is str or annotation is bytes:
        if many:
            raise FunctionDefinitionError(
                function_name,
                f"parameter '{parameter}' is annotated {annotation.__name__} but the Service Bus trigger has "
                "cardinality many (a batch of messages)",
                "annotate it as typing.List[func.ServiceBusMessage], or set cardinality to one",
            )
        if annotation is bytes:
            return lambda messages: body(messages[0])
        return lambda messages: body(messages[0]).decode("utf-8", errors="replace")
    single = isinstance(annotation, type) and issubclass(annotation, func.ServiceBusMessage)
    if annotation is None or single or _is_message_list(annotation):
        if many:
            return service_bus_messages
        return lambda messages: service_bus_message(messages[0])
    raise FunctionDefinitionError(
        function_name,
        f"parameter '{parameter}' of the Service Bus trigger is annotated {annotation!r}",
        "annotate it as func.ServiceBusMessage, typing.List[func.ServiceBusMessage] (cardinality many), str or bytes",
    )


SDK_TYPES_MODULE = "azurefunctions.extensions.bindings.servicebus"  # the SDK-type binding package


def is_sdk_type(annotation: Any, name: str) -> bool:
    """`annotation` is the SDK-type package's class `name` (ServiceBusReceivedMessage, ServiceBusMessageActions)."""
    return (
        isinstance(annotation, type)
        and annotation.__name__ == name
        and str(getattr(annotation, "__module__", "")).startswith(SDK_TYPES_MODULE)
    )


def _is_sdk_message_list(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    iterable = isinstance(origin, type) and issubclass(origin, Iterable) and origin not in (str, bytes)
    return iterable and len(args) == 1 and is_sdk_type(args[0], "ServiceBusReceivedMessage")


def sdk_trigger_value(annotation: Any, cardinality: str) -> TriggerValue | None:
    """For a parameter of the SDK-type binding: the received `azure.servicebus.ServiceBusReceivedMessage` itself
    (what the package's converter gives), a list of them for cardinality many; None for any other annotation."""
    if is_sdk_type(annotation, "ServiceBusReceivedMessage") or _is_sdk_message_list(annotation):
        if cardinality == "many":
            return list
        return lambda messages: messages[0]
    return None
