"""Each trigger's binding data: the values `{...}` expressions in input/output binding paths refer to (the
interface is described in `funchost.inputs`). Built only when a function needs it.

- **Queue** (the storage extension's QueueTriggerBindingDataProvider contract): `QueueTrigger` (the message text),
  `DequeueCount`, `Id`, `InsertionTime`, `ExpirationTime`, `NextVisibleTime`, `PopReceipt`, plus the top-level
  properties of a JSON-object payload, which override those names (QueueTriggerBinding.CreateBindingData: "binding
  data from the value type overrides the built-in binding data"; `{id}` is the payload's `id` if it has one).
- **HTTP** (HttpTriggerAttributeBindingProvider.GetRequestBindingData): the top-level properties of a JSON-object
  body, overridden by the query parameters (except `code`), overridden by the route values; then `Query` and
  `Headers` unless a name above took them
  (an HTTP-streams function's body is not read before the call, so it adds no properties).
- **RabbitMQ** (RabbitMQTriggerBinding.CreateBindingData): `ConsumerTag`, `DeliveryTag`, `Redelivered`,
  `Exchange`, `RoutingKey`, `BasicProperties` (with the .NET property names: `MessageId`, `CorrelationId`, ...),
  `Body`.
- **Kafka** (KafkaTriggerBindingStrategy.GetBindingData): one event — `Key` (UTF-8 text), `Partition`, `Topic`,
  `Timestamp`, `Offset`, `Headers`; a batch — the same names with `Array` appended, as lists.
- **Blob trigger** (BlobTriggerBinding.CreateBindingData): `BlobTrigger` (`<container>/<blob>`), `Uri`,
  `Properties` (the blob's properties under the .NET BlobProperties names: `ContentType`, `ContentLength`, `ETag`,
  `LastModified`, ...), `Metadata`, plus the path pattern's parameters (`{name}`, `{ext}`), which override those
  names (BlobPathSource.CreateBindingData).
- **Timer**: nothing of its own (only `{rand-guid}`, `{DateTime}`, `{sys.…}` bind).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping, Sequence
from typing import Any

import azure.functions as func

from funchost.bindings.blob_properties import dotnet_blob_properties
from funchost.bindings.kafka import KafkaRecordLike

# The fix named when a path's expression has no value in an invocation's binding data (inputs and outputs).
BINDING_DATA_FIX = (
    "use a name of the trigger's binding data (listed above; docs/blob.md lists each trigger's), {rand-guid} or "
    "{DateTime}, and make sure the trigger's payload has it"
)


def json_properties(body: bytes | str) -> dict[str, Any]:
    """The top-level properties of a JSON object, or nothing for any other payload."""
    text = body.strip() if isinstance(body, str) else body.strip().decode("utf-8", "replace")
    if not text.startswith("{"):
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return dict(value) if isinstance(value, dict) else {}


def queue_binding_data(
    *,
    body: bytes,
    id: str | None,
    dequeue_count: int,
    insertion_time: datetime.datetime | None,
    expiration_time: datetime.datetime | None,
    next_visible_time: datetime.datetime | None,
    pop_receipt: str | None,
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    try:  # QueueTriggerBinding leaves QueueTrigger out when the message is not valid text
        data["QueueTrigger"] = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    data.update(
        DequeueCount=dequeue_count,
        Id=id,
        InsertionTime=insertion_time,
        ExpirationTime=expiration_time,
        NextVisibleTime=next_visible_time,
        PopReceipt=pop_receipt,
    )
    return _override(data, json_properties(body) if "QueueTrigger" in data else {})


def _override(data: dict[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """`data` with `values` set over it, names compared case-insensitively (the SDK's dictionaries ignore case)."""
    if values:
        folded = {key.casefold(): key for key in data}
        for key, value in values.items():
            data.pop(folded.get(key.casefold(), key), None)
            data[key] = value
    return data


def http_binding_data(request: func.HttpRequest) -> dict[str, Any]:
    body = json_properties(request.get_body() or b"")
    return request_binding_data(body, request.params, request.route_params or {}, request.headers)


def request_binding_data(
    body: dict[str, Any], query: Mapping[str, str], route: Mapping[str, Any], headers: Mapping[str, str]
) -> dict[str, Any]:
    """HTTP binding data from its parts (an HTTP-streams request passes no body: it is not read before the call)."""
    data = _override(body, {key: value for key, value in query.items() if key.casefold() != "code"})
    data = _override(data, route)
    folded = {key.casefold() for key in data}
    if "query" not in folded:
        data["Query"] = dict(query)
    if "headers" not in folded:
        data["Headers"] = dict(headers)
    return data


def rabbitmq_binding_data(
    *,
    consumer_tag: str | None,
    delivery_tag: int | None,
    redelivered: bool,
    exchange: str | None,
    routing_key: str | None,
    properties: Mapping[str, Any],
    body: bytes,
) -> dict[str, Any]:
    """`properties`: the message's basic properties under their .NET names (`MessageId`, `Headers`, ...)."""
    return {
        "ConsumerTag": consumer_tag,
        "DeliveryTag": delivery_tag,
        "Redelivered": redelivered,
        "Exchange": exchange,
        "RoutingKey": routing_key,
        "BasicProperties": dict(properties),
        "Body": body,
    }


def _kafka_fields(record: KafkaRecordLike) -> dict[str, Any]:
    return {
        "Key": "" if record.key is None else record.key.decode("utf-8", "replace"),
        "Partition": record.partition,
        "Topic": record.topic,
        "Timestamp": datetime.datetime.fromtimestamp(max(record.timestamp, 0) / 1000, tz=datetime.UTC),
        "Offset": record.offset,
        "Headers": [{"Key": name, "Value": value} for name, value in record.headers],
    }


def kafka_binding_data(records: Sequence[KafkaRecordLike], *, many: bool) -> dict[str, Any]:
    if not many:
        return _kafka_fields(records[0])
    fields = [_kafka_fields(record) for record in records]
    names = ("Key", "Partition", "Topic", "Timestamp", "Offset", "Headers")
    return {f"{name}Array": [f[name] for f in fields] for name in names}


def blob_binding_data(*, path: str, uri: str, properties: Any, parameters: Mapping[str, str]) -> dict[str, Any]:
    """`properties`: the downloaded blob's `azure.storage.blob.BlobProperties`; `parameters`: the path pattern's
    captures (`{name}` of `uploads/{name}`)."""
    props = dotnet_blob_properties(properties)
    data = {"BlobTrigger": path, "Uri": uri, "Properties": props, "Metadata": props["Metadata"]}
    return _override(data, parameters)
