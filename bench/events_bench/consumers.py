"""The peers: raw client loops and FastStream subscribers, each run as `events.py --worker KIND`."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from types import FrameType
from typing import Any

from bench.events_bench import azure_queue  # QUEUE_CONN is set at run time (use_queue_port)
from bench.events_bench.progress import Progress, kafka_rebalance_listener, noop
from bench.events_bench.servicebus import worker_raw_servicebus
from bench.events_bench.settings import (
    KAFKA_MAX_BATCH,
    KAFKA_SERVERS,
    QUEUE_BATCH_SIZE,
    QUEUE_NEW_BATCH_THRESHOLD,
    QUEUE_VISIBILITY,
    RABBITMQ_PREFETCH,
    RABBITMQ_URL,
)


async def worker_raw_queue(name: str, n: int, group: str) -> dict[str, float]:
    """QueueListener's loop with the same SDK client funchost builds (funchost/brokers/azure_storage.py)."""
    from azure.storage.queue.aio import QueueServiceClient

    service = QueueServiceClient.from_connection_string(
        azure_queue.QUEUE_CONN,
        retry_total=1,
        initial_backoff=1,
        increment_base=1,
        random_jitter_range=0,
        connection_timeout=10,
    )
    queue = service.get_queue_client(name)
    progress = Progress(n)
    slots = asyncio.Semaphore(QUEUE_BATCH_SIZE + QUEUE_NEW_BATCH_THRESHOLD)
    running: set[asyncio.Task[None]] = set()

    async def handle(message: Any) -> None:
        try:
            await noop(base64.b64decode(message.content))
            progress.done()
            await queue.delete_message(message.id, message.pop_receipt)
        finally:
            slots.release()

    async with service:
        progress.begin()
        while not progress.finished.is_set():
            while len(running) > QUEUE_NEW_BATCH_THRESHOLD:
                await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            pages = queue.receive_messages(
                messages_per_page=QUEUE_BATCH_SIZE, visibility_timeout=QUEUE_VISIBILITY
            ).by_page()
            try:
                batch = [message async for message in await anext(pages)]
            except StopAsyncIteration:  # an empty queue has no first page
                batch = []
            if not batch:
                await asyncio.sleep(0.1)
                continue
            for message in batch:
                await slots.acquire()
                task = asyncio.create_task(handle(message))
                running.add(task)
                task.add_done_callback(running.discard)
        if running:
            await asyncio.wait(running)
    return progress.report()


async def worker_raw_rabbitmq(name: str, n: int, group: str) -> dict[str, float]:
    import aio_pika
    from aio_pika.abc import AbstractIncomingMessage

    progress = Progress(n)
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=RABBITMQ_PREFETCH)
        queue = await channel.declare_queue(name, passive=True)

        async def on_message(message: AbstractIncomingMessage) -> None:
            await noop(message.body.decode())
            progress.done()
            await message.ack()

        tag = await queue.consume(on_message, no_ack=False)
        progress.begin()
        await progress.finished.wait()
        await queue.cancel(tag)
        await asyncio.sleep(0.2)  # the last acks
    return progress.report()


async def worker_raw_kafka(name: str, n: int, group: str) -> dict[str, float]:
    """A consumer-group member with funchost's consumer options (funchost/triggers/kafka/config.py); one commit
    after each poll's records are processed."""
    from aiokafka import AIOKafkaConsumer

    progress = Progress(n)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=KAFKA_SERVERS,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=10000,
        heartbeat_interval_ms=3000,
        max_poll_interval_ms=300000,
    )
    consumer.subscribe([name], listener=kafka_rebalance_listener(progress))
    await consumer.start()
    try:
        while not progress.finished.is_set():
            fetched = await consumer.getmany(timeout_ms=1000)
            for records in fetched.values():
                for record in records:
                    await noop(record.value)
                    progress.done()
            if fetched:
                await consumer.commit()
    finally:
        await consumer.stop()
    return progress.report()


def _quiet_logger(name: str) -> Any:
    import logging

    logger = logging.getLogger(name)
    logger.setLevel(logging.WARNING)  # as funchost's benchmark apps: per-message logs are off
    logger.addHandler(logging.StreamHandler(sys.stderr))
    return logger


async def _serve(broker: Any, progress: Progress, *, begin: bool) -> dict[str, float]:
    """Start a FastStream broker, wait until `progress` has every message, let the last acks / commit go out, stop.
    `begin`: start the clock once the broker has started (else something else begins it)."""
    await broker.start()
    if begin:
        progress.begin()
    try:
        await progress.finished.wait()
        await asyncio.sleep(0.2)  # the last acks / commit
    finally:
        await broker.stop()
    return progress.report()


async def worker_faststream_rabbitmq(name: str, n: int, group: str) -> dict[str, float]:
    from faststream import AckPolicy
    from faststream.rabbit import Channel, RabbitBroker, RabbitQueue

    progress = Progress(n)
    broker = RabbitBroker(RABBITMQ_URL, logger=_quiet_logger("bench.faststream"))

    @broker.subscriber(
        RabbitQueue(name, declare=False),  # the queue exists; FastStream only consumes it
        channel=Channel(prefetch_count=RABBITMQ_PREFETCH),
        ack_policy=AckPolicy.REJECT_ON_ERROR,
    )
    async def handle(msg: str) -> None:
        await noop(msg)
        progress.done()

    return await _serve(broker, progress, begin=True)


async def _faststream_kafka(name: str, n: int, group: str, batch: bool) -> dict[str, float]:
    from faststream import AckPolicy
    from faststream.kafka import KafkaBroker

    progress = Progress(n)
    broker = KafkaBroker(KAFKA_SERVERS, logger=_quiet_logger("bench.faststream"))
    options: dict[str, Any] = {"batch": True, "max_records": KAFKA_MAX_BATCH} if batch else {}

    @broker.subscriber(  # type: ignore[untyped-decorator]  # the batch=… overloads want a literal
        name,
        group_id=group,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.REJECT_ON_ERROR,
        listener=kafka_rebalance_listener(progress),
        **options,
    )
    async def handle(msg: list[str] | str) -> None:
        await noop(msg)
        progress.done(len(msg) if batch else 1)

    return await _serve(broker, progress, begin=False)  # the rebalance listener begins on assignment


async def worker_faststream_kafka(name: str, n: int, group: str) -> dict[str, float]:
    return await _faststream_kafka(name, n, group, batch=False)


async def worker_faststream_kafka_batch(name: str, n: int, group: str) -> dict[str, float]:
    return await _faststream_kafka(name, n, group, batch=True)


WORKERS: dict[str, Callable[[str, int, str], Coroutine[Any, Any, dict[str, float]]]] = {
    "raw-queue": worker_raw_queue,
    "raw-rabbitmq": worker_raw_rabbitmq,
    "raw-kafka": worker_raw_kafka,
    "raw-servicebus": worker_raw_servicebus,
    "faststream-rabbitmq": worker_faststream_rabbitmq,
    "faststream-kafka": worker_faststream_kafka,
    "faststream-batch-kafka": worker_faststream_kafka_batch,
}


def run_worker(kind: str, name: str, n: int, group: str) -> int:
    def cut_short(signum: int, frame: FrameType | None) -> None:
        if Progress.current is not None:
            print("PARTIAL " + json.dumps(Progress.current.report()), flush=True)
        os._exit(3)

    signal.signal(signal.SIGTERM, cut_short)
    report = asyncio.run(WORKERS[kind](name, n, group))
    print("RESULT " + json.dumps(report), flush=True)
    return 0
