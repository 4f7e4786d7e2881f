"""Kafka records → what a `kafkaTrigger` parameter receives (`func.KafkaEvent`, a list of them, `str` or `bytes`).

What Azure hands a Python function, traced through the Kafka extension and the Python worker:

- The body. For out-of-process workers the extension binds the trigger as `string` unless `dataType` is
  `binary` (then `byte[]`), and its string converter serializes the *whole event* to JSON when the value is a
  string (Trigger/KafkaEventDataConvertManager.cs `ConvertToString`): `{"Offset", "Partition", "Topic",
  "Timestamp", "Value", "Headers", "Key"}` with header values base64-encoded (Newtonsoft's byte[] form). So
  `get_body()` is that JSON envelope for dataType string/unset and the raw value for dataType binary — the
  worker's own e2e app does `json.loads(event.get_body())["Value"]`.
- Metadata (Trigger/KafkaTriggerBindingStrategy.cs `GetBindingData`): `Key, Partition, Topic, Timestamp, Offset,
  Headers`, or `…Array` for cardinality many; `azure.functions.kafka.KafkaTriggerConverter` reads the same keys.
  Timestamps are the record's UTC time in .NET's ISO form (`2022-04-09T03:20:06.591Z`).
- Annotations (azure_functions_worker/functions.py): `str`/`bytes` use the generic binding (the body as sent:
  text for string/unset, bytes for binary); otherwise only `KafkaEvent` or an iterable of it is accepted.
  Cardinality many always yields a list. The key is the record key decoded as UTF-8 (newer extension versions
  put it in the envelope too).
"""

from __future__ import annotations

import base64
import functools
import json
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import azure.functions as func
from azure.functions import meta

from funchost.errors import FunctionDefinitionError


class KafkaRecordLike(Protocol):
    """The fields of a consumed record (aiokafka's `ConsumerRecord` has them)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def timestamp(self) -> int: ...  # milliseconds since the epoch
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


TriggerValue = Callable[[Sequence[KafkaRecordLike]], Any]


@functools.lru_cache(maxsize=1024)
def dotnet_timestamp(milliseconds: int) -> str:
    """UTC time as Newtonsoft writes a DateTime: fraction without trailing zeros, 'Z' suffix. (Cached: records
    fetched together mostly share their millisecond.)"""
    moment = datetime.fromtimestamp(max(milliseconds, 0) / 1000, tz=UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{moment.microsecond:06d}".rstrip("0")
    return f"{text}.{fraction}Z" if fraction else f"{text}Z"


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", errors="replace")


def _headers(record: KafkaRecordLike) -> list[dict[str, str | None]]:
    return [
        {"Key": name, "Value": None if value is None else base64.b64encode(value).decode("ascii")}
        for name, value in record.headers
    ]


class _Fields:
    """A record's converted fields, each computed once for the body, the event and the metadata."""

    __slots__ = ("record", "key", "timestamp", "headers")

    def __init__(self, record: KafkaRecordLike) -> None:
        self.record = record
        self.key = _text(record.key)
        self.timestamp = dotnet_timestamp(record.timestamp)
        self.headers = _headers(record) if record.headers else []

    def envelope(self) -> str:
        record = self.record
        return json.dumps(
            {
                "Offset": record.offset,
                "Partition": record.partition,
                "Topic": record.topic,
                "Timestamp": self.timestamp,
                "Value": _text(record.value),
                "Headers": self.headers,
                "Key": self.key,
            },
            separators=(",", ":"),
        )

    def body(self, data_type: str | None) -> str | bytes:
        return (self.record.value or b"") if _binary(data_type) else self.envelope()

    def event(self, data_type: str | None, metadata: Mapping[str, meta.Datum]) -> func.KafkaEvent:
        raw = self.body(data_type)
        record = self.record
        return func.KafkaEvent(
            body=raw.encode("utf-8") if isinstance(raw, str) else raw,
            trigger_metadata=metadata,
            key=self.key,
            offset=record.offset,
            partition=record.partition,
            topic=record.topic,
            timestamp=self.timestamp,
            headers=self.headers,
        )


def envelope(record: KafkaRecordLike) -> str:
    """The JSON the extension sends for a string-typed trigger (KafkaEventData serialized by Newtonsoft)."""
    return _Fields(record).envelope()


def _binary(data_type: str | None) -> bool:
    return (data_type or "").lower() == "binary"


def body(record: KafkaRecordLike, data_type: str | None) -> str | bytes:
    return (record.value or b"") if _binary(data_type) else envelope(record)


class _LazyMetadata(Mapping[str, meta.Datum]):
    """Trigger metadata built on first use: most functions never read `event.metadata`, and its JSON is a large
    share of the conversion cost of an event (a third of a batch's)."""

    __slots__ = ("_build", "_data", "_size")

    def __init__(self, build: Callable[[], dict[str, meta.Datum]], size: int) -> None:
        self._build = build
        self._data: dict[str, meta.Datum] | None = None
        self._size = size

    def _get(self) -> dict[str, meta.Datum]:
        if self._data is None:
            self._data = self._build()
        return self._data

    def __getitem__(self, name: str) -> meta.Datum:
        return self._get()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return self._size


def _single_metadata(fields: _Fields) -> dict[str, meta.Datum]:
    record = fields.record
    return {
        "Key": meta.Datum(fields.key, "string"),
        "Partition": meta.Datum(record.partition, "int"),
        "Topic": meta.Datum(record.topic, "string"),
        "Timestamp": meta.Datum(json.dumps(fields.timestamp), "json"),
        "Offset": meta.Datum(record.offset, "int"),
        "Headers": meta.Datum(json.dumps(fields.headers), "json"),
    }


def _batch_metadata(fields: Sequence[_Fields]) -> dict[str, meta.Datum]:
    columns: dict[str, list[Any]] = {
        "KeyArray": [f.key for f in fields],
        "PartitionArray": [f.record.partition for f in fields],
        "TopicArray": [f.record.topic for f in fields],
        "TimestampArray": [f.timestamp for f in fields],
        "OffsetArray": [f.record.offset for f in fields],
        "HeadersArray": [f.headers for f in fields],
    }
    return {name: meta.Datum(json.dumps(values), "json") for name, values in columns.items()}


def kafka_event(record: KafkaRecordLike, data_type: str | None) -> func.KafkaEvent:
    fields = _Fields(record)
    return fields.event(data_type, _LazyMetadata(lambda: _single_metadata(fields), 6))


def kafka_events(records: Sequence[KafkaRecordLike], data_type: str | None) -> list[func.KafkaEvent]:
    """A batch: every event shares the batch's `…Array` metadata, as in the Functions host."""
    fields = [_Fields(record) for record in records]
    metadata = _LazyMetadata(lambda: _batch_metadata(fields), 6)
    return [f.event(data_type, metadata) for f in fields]


def _is_event_list(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    iterable = isinstance(origin, type) and issubclass(origin, Iterable) and origin not in (str, bytes)
    return iterable and len(args) == 1 and args[0] is func.KafkaEvent


def trigger_value(
    function_name: str, annotation: Any, parameter: str, cardinality: str, data_type: str | None
) -> TriggerValue:
    """The converter for the trigger parameter's annotation (`IndexedFunction.annotations`, None when it has
    none); `FunctionDefinitionError` when the worker would refuse to load the function (or would fail on every
    batch)."""
    many = cardinality == "many"
    if annotation in (str, bytes):
        if many:
            raise FunctionDefinitionError(
                function_name,
                f"parameter '{parameter}' is annotated {annotation.__name__} but the Kafka trigger has cardinality "
                "many (a batch of events)",
                "annotate it as typing.List[func.KafkaEvent], or set cardinality to one",
            )
        return lambda records: body(records[0], data_type)
    if annotation is None or annotation is func.KafkaEvent or _is_event_list(annotation):
        if many:
            return lambda records: kafka_events(records, data_type)
        return lambda records: kafka_event(records[0], data_type)
    raise FunctionDefinitionError(
        function_name,
        f"parameter '{parameter}' of the Kafka trigger is annotated {annotation!r}",
        "annotate it as func.KafkaEvent, typing.List[func.KafkaEvent] (cardinality many), str or bytes",
    )
