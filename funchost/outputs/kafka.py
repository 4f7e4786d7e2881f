"""The `kafka` output binding: every value the function set becomes one record on the binding's topic, sent
through one producer shared by all bindings with the same brokers and security (started on first use,
replaced after a failure), and acknowledged by the brokers (acks=all) before the invocation counts as done.

Values, as Azure delivers them to the extension (Output/KafkaProducerAsyncCollector.cs; the Functions host adds
each element of a list or of a JSON-array string separately): a list → one record per item; `str` → its UTF-8
text; `bytes` → as is; `dict` → JSON. A string or dict with the extension's event shape (`Offset, Partition,
Topic, Timestamp, Value, Headers`) sends `Value` with its `Key` and `Headers` (header values as UTF-8), so an
app can set the record key — the Python worker has no other way to pass one.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from funchost.brokers.kafka import client_options, describe_error
from funchost.errors import InvocationError
from funchost.metadata.broker_settings import KafkaSettings
from funchost.metadata.host_config import HostConfig
from funchost.metadata.kafka_security import KafkaSecurity, kafka_security

ENVELOPE_KEYS = ("Offset", "Partition", "Topic", "Timestamp", "Value", "Headers")
LINGER_MS = 5  # KafkaAttribute.LingerMs default


@dataclass(frozen=True)
class OutRecord:
    value: bytes
    key: bytes | None = None
    headers: tuple[tuple[str, bytes], ...] = ()


def _text(value: Any) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else json.dumps(value).encode("utf-8")


def _from_mapping(item: dict[str, Any]) -> OutRecord:
    if not all(key in item for key in ENVELOPE_KEYS):
        return OutRecord(json.dumps(item).encode("utf-8"))
    key = item.get("Key")
    headers = tuple((str(h["Key"]), _text(h.get("Value") or "")) for h in item.get("Headers") or ())
    return OutRecord(_text(item["Value"]), None if key is None else _text(key), headers)


def _from_item(item: Any) -> OutRecord:
    if isinstance(item, bytes | bytearray):
        return OutRecord(bytes(item))
    if isinstance(item, dict):
        return _from_mapping(item)
    if isinstance(item, str):
        if item.lstrip().startswith("{"):
            try:
                parsed = json.loads(item)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict) and all(key in parsed for key in ENVELOPE_KEYS):
                return _from_mapping(parsed)
        return OutRecord(item.encode("utf-8"))
    if isinstance(item, int | float | bool):
        return OutRecord(json.dumps(item).encode("utf-8"))
    raise TypeError(
        f"a Kafka output value must be str, bytes, dict or a list of them, not {type(item).__name__}. Fix: set a "
        "str (e.g. json.dumps(...)) or bytes"
    )


def records_for(value: Any) -> list[OutRecord]:
    """The records for the value a function set on a `kafka` output binding."""
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            value = parsed
    if isinstance(value, list | tuple):
        return [_from_item(item) for item in value]
    return [_from_item(value)]


class _Shared:
    """One producer for every binding with the same brokers and security, in one event loop."""

    producers: dict[tuple[asyncio.AbstractEventLoop, str, KafkaSecurity], AIOKafkaProducer] = {}
    locks: dict[tuple[asyncio.AbstractEventLoop, str, KafkaSecurity], asyncio.Lock] = {}
    users: dict[tuple[str, KafkaSecurity], int] = {}


class KafkaOutput:
    def __init__(self, settings: KafkaSettings, host_config: HostConfig) -> None:
        self._settings = settings
        self._where = f"Kafka output binding (topic '{settings.topic}', brokers {settings.bootstrap_servers})"
        self._security = kafka_security(settings, self._where)
        self._options = client_options(self._security, self._where)
        self._key = (settings.bootstrap_servers, self._security)
        _Shared.users[self._key] = _Shared.users.get(self._key, 0) + 1

    async def send(self, value: Any) -> None:
        records = records_for(value)
        if not records:
            return
        producer = await self._producer()
        try:
            pending = [
                await producer.send(self._settings.topic, r.value, key=r.key, headers=list(r.headers) or None)
                for r in records
            ]
            await asyncio.gather(*pending)  # at-least-once: every record acknowledged before the invocation ends
        except KafkaError as exc:
            await self._discard(producer)
            raise self._failure(exc) from exc

    async def aclose(self) -> None:
        users = _Shared.users.get(self._key, 0) - 1
        _Shared.users[self._key] = max(users, 0)
        if users <= 0:
            slot = (asyncio.get_running_loop(), *self._key)
            _Shared.locks.pop(slot, None)
            producer = _Shared.producers.pop(slot, None)
            if producer is not None:
                await producer.stop()

    async def _producer(self) -> AIOKafkaProducer:
        slot = (asyncio.get_running_loop(), *self._key)
        async with _Shared.locks.setdefault(slot, asyncio.Lock()):
            producer = _Shared.producers.get(slot)
            if producer is not None:
                return producer
            producer = AIOKafkaProducer(
                bootstrap_servers=self._settings.bootstrap_servers, acks="all", linger_ms=LINGER_MS, **self._options
            )
            try:
                await producer.start()
            except (KafkaError, OSError) as exc:
                await producer.stop()
                raise self._failure(exc) from exc
            _Shared.producers[slot] = producer
            return producer

    async def _discard(self, producer: AIOKafkaProducer) -> None:
        slot = (asyncio.get_running_loop(), *self._key)
        if _Shared.producers.get(slot) is producer:
            del _Shared.producers[slot]
        try:
            await producer.stop()
        except KafkaError:
            pass

    def _failure(self, exc: BaseException) -> InvocationError:
        setting = self._settings.broker_list_setting
        message = (
            f"{self._where} failed: {describe_error(exc)}. Fix: check the brokerList setting '{setting}' and "
            "that the brokers are reachable; the invocation fails, so its input is retried"
        )
        return InvocationError(message)  # logged once by the output dispatcher
