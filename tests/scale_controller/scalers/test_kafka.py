"""Kafka scaler against the real Kafka-protocol broker (tansu): the metric equals the consumer group's real lag.

Broker caveat (tansu 0.6): ListOffsets(latest) — what the scaler reads as each partition's high watermark, correct
on Apache Kafka — is wrong on tansu when a producer batches several records into one request. These tests
therefore produce one record per request (`send_and_wait`), so the broker's end offsets are right; they do not
encode the bug.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import TopicPartition

from funchost.errors import ConfigurationError
from funchost.metadata.broker_settings import KafkaSettings
from scale_controller.scalers.base import ScalerError
from scale_controller.scalers.kafka import KafkaScaler
from scale_controller.scalers.kafka_lag import LagRules

pytestmark = pytest.mark.kafka


@dataclass
class Topic:
    servers: str
    name: str
    group: str

    async def produce(self, counts: dict[int, int]) -> None:
        """`counts[partition]` records per partition, one produce request each (see the module docstring)."""
        producer = AIOKafkaProducer(bootstrap_servers=self.servers)
        await producer.start()
        try:
            for partition, count in counts.items():
                for i in range(count):
                    await producer.send_and_wait(self.name, f"r{i}".encode(), partition=partition)
        finally:
            await producer.stop()

    async def commit(self, offsets: dict[int, int]) -> None:
        """Commit offsets for the group, as a consumer that processed the records before them does."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.servers, group_id=self.group, enable_auto_commit=False)
        await consumer.start()
        try:
            consumer.assign([TopicPartition(self.name, p) for p in offsets])
            await consumer.commit({TopicPartition(self.name, p): o for p, o in offsets.items()})
        finally:
            await consumer.stop()

    def scaler(self, rules: LagRules, **kwargs: object) -> KafkaScaler:
        settings = KafkaSettings(
            topic=self.name, broker_list_setting="Brokers", bootstrap_servers=self.servers, consumer_group=self.group
        )
        return KafkaScaler(settings=settings, rules=rules, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
async def topic(kafka: str, unique_name: str) -> AsyncIterator[Topic]:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(unique_name, num_partitions=3, replication_factor=1)])
    finally:
        await admin.close()
    yield Topic(kafka, unique_name, f"{unique_name}-group")


async def lag(topic: Topic, rules: LagRules, **kwargs: object) -> tuple[float, bool]:
    scaler = topic.scaler(rules, **kwargs)
    try:
        measurement = await scaler.measure()
    finally:
        await scaler.aclose()
    assert measurement.target == rules.lag_threshold
    return measurement.value, measurement.active


async def test_lag_is_what_the_group_has_not_committed(topic: Topic) -> None:
    await topic.produce({0: 20, 1: 10, 2: 7})
    scaler = topic.scaler(LagRules(1000, "earliest"))
    try:
        first = await scaler.measure()  # no commits, earliest: every record waits
        assert (first.value, first.active) == (37, True)
        await topic.commit({0: 15, 1: 10})
        second = await scaler.measure()  # the same connection sees the new commits: 5 + 0 + 7
        assert (second.value, second.active) == (12, True)
        await topic.commit({0: 20, 2: 7})
        assert (await scaler.measure()).value == 0
    finally:
        await scaler.aclose()


async def test_missing_commits_follow_the_offset_reset_policy(topic: Topic) -> None:
    await topic.produce({0: 5, 1: 3})  # partition 2 stays empty
    assert await lag(topic, LagRules(1000, "earliest")) == (8, True)
    assert await lag(topic, LagRules(1000, "latest")) == (3, True)  # 1 per partition without a commit
    assert await lag(topic, LagRules(1000, "latest", scale_to_zero_on_invalid_offset=True)) == (0, False)
    assert await lag(topic, LagRules(1000, "earliest", scale_to_zero_on_invalid_offset=True)) == (0, False)


async def test_partition_cap_and_its_options(topic: Topic) -> None:
    await topic.produce({0: 6, 1: 4})
    await topic.commit({0: 0, 1: 0, 2: 0})
    assert await lag(topic, LagRules(1)) == (3, True)  # 10 waiting, target 1: capped at 3 partitions × 1
    assert await lag(topic, LagRules(1, allow_idle_consumers=True)) == (10, True)
    assert await lag(topic, LagRules(1, limit_to_partitions_with_lag=True)) == (2, True)  # partition 2 is idle
    assert await lag(topic, LagRules(2), partition_limitation=(0,)) == (2, True)  # only partition 0: 6 → cap 1 × 2


async def test_activation_threshold(topic: Topic) -> None:
    await topic.produce({0: 3})
    await topic.commit({0: 0, 1: 0, 2: 0})
    assert await lag(topic, LagRules(1000), activation=3) == (3, False)  # strictly greater, as KEDA
    assert await lag(topic, LagRules(1000), activation=2) == (3, True)


async def test_exclude_persistent_lag_remembers_offsets_between_polls(topic: Topic) -> None:
    await topic.produce({0: 4, 1: 2})
    await topic.commit({0: 1, 1: 0, 2: 0})
    scaler = topic.scaler(LagRules(1000, exclude_persistent_lag=True))
    try:
        assert (await scaler.measure()).value == 5  # first poll: nothing remembered, all lag counts
        stuck = await scaler.measure()  # no consumer moved: the lag is persistent, but the function stays active
        assert (stuck.value, stuck.active) == (0, True)
        await topic.commit({1: 2})
        assert (await scaler.measure()).value == 0  # partition 1 moved and is caught up; partition 0 still stuck
    finally:
        await scaler.aclose()


async def test_missing_topic_and_unreachable_broker_are_scaler_errors(topic: Topic, unique_name: str) -> None:
    missing = Topic(topic.servers, f"{unique_name}-missing", topic.group)
    with pytest.raises(ScalerError, match=f"topic '{missing.name}' does not exist"):
        await lag(missing, LagRules(10))
    down = Topic("127.0.0.1:1", topic.name, topic.group)
    with pytest.raises(ScalerError, match=r"127\.0\.0\.1:1.*start the broker"):
        await lag(down, LagRules(10))


def test_sasl_and_tls_use_the_triggers_own_client_options() -> None:
    """The scaler connects as the function's consumer does: the same protocol / SASL / TLS mapping."""
    settings = KafkaSettings(
        topic="t", broker_list_setting="B", bootstrap_servers="x:9093", protocol="sasl_ssl",
        authentication_mode="plain", username="$ConnectionString", password="Endpoint=sb://example/",
    )  # fmt: skip
    options = KafkaScaler(settings=settings, rules=LagRules(10), function="f").security_options
    assert (options["security_protocol"], options["sasl_mechanism"]) == ("SASL_SSL", "PLAIN")
    assert options["sasl_plain_username"] == "$ConnectionString" and "ssl_context" in options


def test_unusable_security_settings_are_refused_naming_the_property() -> None:
    settings = KafkaSettings(
        topic="t", broker_list_setting="B", bootstrap_servers="x:9092", protocol="sasl_ssl", authentication_mode="plain"
    )
    with pytest.raises(ConfigurationError, match="Function 'f'.*(username|password)"):
        KafkaScaler(settings=settings, rules=LagRules(10), function="f")


async def test_tls_options_reach_the_connection(topic: Topic) -> None:
    """Protocol Ssl against the test broker's plaintext listener fails the handshake; and on the wire, a listener on
    a free port sees a TLS ClientHello (record type 22, version 3.x) from the Ssl scaler where the plaintext one
    sends a Kafka request (a 4-byte length): the TLS options are applied to the connection, not just accepted."""
    settings = KafkaSettings(
        topic=topic.name, broker_list_setting="B", bootstrap_servers=topic.servers, consumer_group=topic.group,
        protocol="ssl",
    )  # fmt: skip
    scaler = KafkaScaler(settings=settings, rules=LagRules(10), function="f")
    try:
        with pytest.raises(ScalerError, match="cannot read the lag"):
            await scaler.measure()
    finally:
        await scaler.aclose()
    first = {protocol: await _first_bytes_sent(topic, protocol) for protocol in ("ssl", "plaintext")}
    assert first["ssl"][:2] == b"\x16\x03", first
    assert first["plaintext"][:2] == b"\x00\x00" and first["plaintext"] != first["ssl"], first


async def _first_bytes_sent(topic: Topic, protocol: str) -> bytes:
    """The first bytes a scaler with `protocol` writes to a listener that answers nothing and hangs up."""
    received: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        data = await reader.read(5)
        if not received.done():
            received.set_result(data)
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = KafkaSettings(
        topic=topic.name, broker_list_setting="B", bootstrap_servers=f"127.0.0.1:{port}", consumer_group=topic.group,
        protocol=protocol,
    )  # fmt: skip
    scaler = KafkaScaler(settings=settings, rules=LagRules(10), function="f")
    try:
        with pytest.raises(ScalerError):
            await scaler.measure()
    finally:
        await scaler.aclose()
        server.close()
        await server.wait_closed()
    assert received.done(), f"the {protocol} scaler never connected"
    return received.result()
