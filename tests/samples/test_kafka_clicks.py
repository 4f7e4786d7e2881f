"""samples/kafka-clicks through `funchost start` against the real Kafka-protocol broker: click events in,
per-batch page counts out, malformed clicks skipped (and counted) without failing the batch."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import TopicPartition

from tests.support.hostproc import SAMPLES, HostProcess

pytestmark = pytest.mark.kafka
PAGES = ["/home", "/cart", "/home", "/checkout", "/home", "/cart"]


async def prepare(bootstrap: str, clicks: str, counts: str, values: list[bytes]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(clicks, 2, 1), NewTopic(counts, 1, 1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(clicks, value, key=b"user-%d" % (len(value) % 3))
    finally:
        await producer.stop()


async def summaries(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, 0)])
        fetched = await consumer.getmany(timeout_ms=500)
        return [json.loads(r.value) for records in fetched.values() for r in records]
    finally:
        await consumer.stop()


def test_counts_clicks_per_page_in_batches(kafka: str, unique_name: str) -> None:
    clicks, counts = f"{unique_name}-clicks", f"{unique_name}-counts"
    values = [json.dumps({"page": page, "user": f"u{i}"}).encode() for i, page in enumerate(PAGES * 5)]
    values.insert(7, b"not json")
    asyncio.run(prepare(kafka, clicks, counts, values))
    env = {
        "KafkaBrokerList": kafka,
        "ClicksTopic": clicks,
        "ClickCountsTopic": counts,
        "ClicksConsumerGroup": unique_name,
        "AzureFunctionsJobHost__extensions__kafka__sessionTimeoutMs": "2000",
    }
    with HostProcess(SAMPLES / "kafka-clicks", env=env) as host:
        host.wait_ready(60)
        deadline = time.monotonic() + 30
        got = asyncio.run(summaries(kafka, counts))
        while sum(s["events"] for s in got) < len(values):
            assert time.monotonic() < deadline, f"summaries so far: {got}\n{host.output()[-4000:]}"
            time.sleep(0.2)
            got = asyncio.run(summaries(kafka, counts))
        assert host.terminate() == 0
        assert "Skipping a malformed click" in host.output()
    total: Counter[str] = Counter()
    for summary in got:
        total.update(summary["pages"])
    assert total == Counter(PAGES * 5)
    assert sum(s["skipped"] for s in got) == 1
    assert {s["partition"] for s in got} <= {0, 1}
