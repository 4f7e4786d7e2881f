"""The RabbitMQ side: creating, pre-loading, counting and deleting queues."""

from __future__ import annotations

import asyncio

from bench.events_bench.progress import body
from bench.events_bench.settings import RABBITMQ_URL, TEXT


async def rabbitmq_create(name: str) -> None:
    import aio_pika

    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        await channel.declare_queue(name, durable=False)


async def rabbitmq_preload(name: str, n: int, window: int = 1000) -> None:
    """Publisher confirms, `window` publishes in flight at a time (transient messages in a non-durable queue: the
    broker's disk is not what is measured)."""
    import aio_pika

    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = channel.default_exchange
        for start in range(0, n, window):
            await asyncio.gather(
                *(
                    exchange.publish(aio_pika.Message(body(i), content_type=TEXT), routing_key=name)
                    for i in range(start, min(n, start + window))
                )
            )


async def rabbitmq_remaining(name: str) -> int:
    import aio_pika

    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, passive=True)
        return queue.declaration_result.message_count or 0


async def rabbitmq_delete(name: str) -> None:
    import aio_pika

    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(name)
