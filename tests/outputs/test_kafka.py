"""The `kafka` output binding: value → records (pure), and real sends to the Kafka-protocol broker — one shared
producer per brokers+security, acknowledged before send() returns, a clear error and a fresh producer after a
failure. Records are read back with a group-less consumer (no end offsets: see
tests/triggers/kafka/test_listener.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import ConsumerRecord, TopicPartition

from funchost.errors import InvocationError
from funchost.metadata.broker_settings import KafkaSettings
from funchost.metadata.host_config import HostConfig, load_host_config
from funchost.outputs.kafka import KafkaOutput, OutRecord, _Shared, records_for
from tests.support.hostproc import free_port
from tests.support.private_tansu import PrivateTansu

ENVELOPE = {"Offset": 364, "Partition": 0, "Topic": "x", "Timestamp": "2022-04-09T03:20:06.591Z"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("hello", [OutRecord(b"hello")]),
        (b"\x00\xff", [OutRecord(b"\x00\xff")]),
        ({"id": 1}, [OutRecord(b'{"id": 1}')]),
        (["one", b"two", {"n": 3}], [OutRecord(b"one"), OutRecord(b"two"), OutRecord(b'{"n": 3}')]),
        ('["one", "two"]', [OutRecord(b"one"), OutRecord(b"two")]),  # the host splits a JSON-array string
        ('{"id": 1}', [OutRecord(b'{"id": 1}')]),  # a JSON object without the event shape is sent as is
        (7, [OutRecord(b"7")]),
        (
            {**ENVELOPE, "Value": "v", "Key": "k", "Headers": [{"Key": "test", "Value": "python"}]},
            [OutRecord(b"v", b"k", (("test", b"python"),))],
        ),
        (json.dumps([{**ENVELOPE, "Value": "one", "Headers": []}]), [OutRecord(b"one")]),
    ],
)
def test_records_for(value: Any, expected: list[OutRecord]) -> None:
    assert records_for(value) == expected


def test_unsupported_values_say_what_to_send() -> None:
    with pytest.raises(TypeError, match="must be str, bytes, dict or a list of them, not object"):
        records_for(object())


@pytest.fixture
def host_config(tmp_path: Path) -> HostConfig:
    return load_host_config(tmp_path, {})


def settings(bootstrap: str, topic: str) -> KafkaSettings:
    return KafkaSettings(topic=topic, broker_list_setting="KafkaBrokerList", bootstrap_servers=bootstrap)


async def create_topic(bootstrap: str, topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()


async def read(bootstrap: str, topic: str, count: int) -> list[ConsumerRecord[bytes, bytes]]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, 0)])
        records: list[ConsumerRecord[bytes, bytes]] = []
        for _ in range(20):
            fetched = await consumer.getmany(timeout_ms=500)
            records += [r for batch in fetched.values() for r in batch]
            if len(records) >= count:
                break
        return records
    finally:
        await consumer.stop()


@pytest.mark.kafka
async def test_sends_every_value_as_a_record_through_one_shared_producer(
    kafka: str, unique_name: str, host_config: HostConfig
) -> None:
    await create_topic(kafka, unique_name)
    first = KafkaOutput(settings(kafka, unique_name), host_config)
    second = KafkaOutput(settings(kafka, unique_name), host_config)
    try:
        await first.send(["a", b"b", {"c": 3}])
        await second.send({**ENVELOPE, "Value": "d", "Key": "key-d", "Headers": [{"Key": "h", "Value": "v"}]})
        assert len([p for slot, p in _Shared.producers.items() if slot[1] == kafka]) == 1
    finally:
        await first.aclose()
        await second.aclose()
    assert not [slot for slot in _Shared.producers if slot[1] == kafka], "the last user closes the producer"
    records = await read(kafka, unique_name, 4)
    assert [r.value for r in records] == [b"a", b"b", b'{"c": 3}', b"d"]
    assert (records[3].key, list(records[3].headers)) == (b"key-d", [("h", b"v")])


@pytest.mark.kafka
async def test_unreachable_brokers_fail_the_invocation_then_a_new_producer_connects(
    unique_name: str, host_config: HostConfig
) -> None:
    port = free_port()
    output = KafkaOutput(settings(f"127.0.0.1:{port}", unique_name), host_config)
    try:
        with pytest.raises(InvocationError) as caught:
            await output.send("lost?")
        message = str(caught.value)
        assert f"brokers 127.0.0.1:{port}" in message and "brokerList setting 'KafkaBrokerList'" in message
        with PrivateTansu(port):
            await create_topic(f"127.0.0.1:{port}", unique_name)
            await output.send("delivered")  # a fresh producer, now that the broker answers
            assert [r.value for r in await read(f"127.0.0.1:{port}", unique_name, 1)] == [b"delivered"]
    finally:
        await output.aclose()
