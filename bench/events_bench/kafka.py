"""The Kafka side: creating, pre-loading, reading committed offsets and deleting topics."""

from __future__ import annotations

import contextlib
from typing import Any

from bench.events_bench.progress import body
from bench.events_bench.settings import KAFKA_HEADERS, KAFKA_PARTITIONS, KAFKA_SERVERS


async def kafka_create(name: str) -> None:
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA_SERVERS)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=KAFKA_PARTITIONS, replication_factor=1)])
    finally:
        await admin.close()


async def kafka_preload(name: str, n: int) -> None:
    """A batching producer (linger 5 ms). tansu's ListOffsets bug (end offsets of batched produce requests) does not
    matter here: consumers fetch, they never ask for end offsets."""
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=KAFKA_SERVERS, linger_ms=5, max_batch_size=256 * 1024)
    await producer.start()
    try:
        for i in range(n):
            await producer.send(name, body(i), partition=i % KAFKA_PARTITIONS, headers=KAFKA_HEADERS)
        await producer.flush()
    finally:
        await producer.stop()


class KafkaCommitted:
    """Sums a group's committed offsets over the topic's partitions (passed explicitly: tansu drops the connection
    otherwise). funchost's cardinality-many progress is read this way: /metrics counts invocations, not events."""

    def __init__(self, name: str, group: str) -> None:
        from aiokafka.structs import TopicPartition

        self.admin: Any = None  # created on the loop, on first use
        self.group = group
        self.partitions = [TopicPartition(name, p) for p in range(KAFKA_PARTITIONS)]

    async def total(self) -> int:
        if self.admin is None:
            from aiokafka.admin import AIOKafkaAdminClient

            self.admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA_SERVERS)
            await self.admin.start()
        offsets = await self.admin.list_consumer_group_offsets(self.group, partitions=self.partitions)
        return sum(max(0, meta.offset) for meta in offsets.values())

    async def close(self) -> None:
        if self.admin is not None:
            await self.admin.close()


async def kafka_committed(name: str, group: str) -> int:
    committed = KafkaCommitted(name, group)
    try:
        return await committed.total()
    finally:
        await committed.close()


async def kafka_delete(name: str) -> None:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA_SERVERS)
    await admin.start()
    try:
        with contextlib.suppress(Exception):  # best effort: tansu keeps memory topics otherwise, which is harmless
            await admin.delete_topics([name])
    finally:
        await admin.close()
