"""Positions past the end of a partition's log, moved as Kafka's `auto.offset.reset` would move them.

Kafka answers a fetch at an offset beyond the log's end with OFFSET_OUT_OF_RANGE, and the consumer then applies
`auto.offset.reset` (host.json `extensions.kafka.autoOffsetReset`, earliest by default). Some Kafka-protocol
brokers answer such a fetch with an empty batch instead — tansu 0.6, the broker the suite runs, does — so a consumer
whose committed offset is past the log (a broker restarted empty, a topic deleted and created again, an unclean
leader election) would wait there forever, never seeing the records produced afterwards. The listener therefore
checks, whenever a fetch comes back empty, each partition's position against the high watermark the broker last
reported: a position above it cannot be a real record's, so the reset is applied here. On a broker that does
answer OFFSET_OUT_OF_RANGE the consumer resets first and this never fires (a position is never above the
watermark of the fetch that delivered the record before it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError
from aiokafka.structs import TopicPartition

POSITION_TIMEOUT = 0.5  # seconds; a position still being looked up is checked on a later empty fetch


async def positions_past_end(
    consumer: AIOKafkaConsumer, partitions: Collection[TopicPartition]
) -> dict[TopicPartition, tuple[int, int]]:
    """Partition → (position, high watermark) for every partition whose position is past its log's end."""
    past: dict[TopicPartition, tuple[int, int]] = {}
    for tp in partitions:
        high_water = consumer.highwater(tp)
        if high_water is None:
            continue  # nothing fetched yet: the broker has not said where the log ends
        try:
            position = await asyncio.wait_for(consumer.position(tp), POSITION_TIMEOUT)
        except (TimeoutError, KafkaError):
            continue
        if position > high_water:
            past[tp] = (position, high_water)
    return past


async def reset_to_policy(consumer: AIOKafkaConsumer, tp: TopicPartition, policy: str) -> None:
    """Seek as `auto.offset.reset` does: to the log's first offset ("earliest") or its end ("latest")."""
    if policy == "latest":
        await consumer.seek_to_end(tp)
    else:
        await consumer.seek_to_beginning(tp)
