"""Event-trigger benchmark: funchost vs a raw client loop vs FastStream, per broker, one run.

For each broker (Azure Storage queue on Azurite, RabbitMQ, Kafka on tansu) a fresh uuid-named queue / topic gets N
small messages from a fast producer and is drained by a no-op `async def` consumer:

- **funchost**: `python -m funchost.cli.main start` on bench/apps/events_<broker> (no-op `async def` trigger
  functions; host.json states the defaults explicitly). Progress is read from /metrics
  (`funchost_invocations_total{function=…,outcome="success"}`) — for Kafka cardinality many, whose invocations are
  batches, from the group's committed offsets — polled adaptively (often at the end, rarely in between).
- **raw**: the client library funchost itself uses, in a loop with the listener's batch / prefetch / ack semantics:
  Azure queue — receive up to batchSize (16) with the 10-minute visibility timeout, base64-decode, no-op, delete
  each, at most batchSize + newBatchThreshold (16 + 8) in flight and the next receive once in-flight work is down to
  newBatchThreshold; RabbitMQ — aio-pika, QoS prefetch 30, manual ack after the no-op; Kafka — aiokafka consumer
  group with funchost's consumer options, auto-commit off, `getmany()`, the no-op per record, one commit per poll.
- **FastStream** (RabbitMQ and Kafka only): a `RabbitBroker` / `KafkaBroker` subscriber with a no-op handler started
  in-process (`broker.start()`), acking after processing (`AckPolicy.REJECT_ON_ERROR`): RabbitMQ with channel
  prefetch 30; Kafka one message at a time with a commit after each (FastStream's ack), and `batch=True,
  max_records=64` (a commit per batch) against funchost's cardinality many (batches of up to maxBatchSize 64).

Filling: RabbitMQ — N messages pre-loaded with publisher confirms, 1,000 in flight, into a non-durable queue
(transient messages: the broker's disk is not what is measured); Kafka — one topic with 4 partitions pre-loaded by a
batching producer, read by every consumer in its own group, N = --kafka-messages (default 5 × --messages, because
Kafka drains so fast); Azure queue — Azurite scans the whole queue on every receive and delete (20,000 waiting
messages drain at ~11 msg/s), so a feeder process pre-loads --queue-depth (200) messages and tops the queue up to
that depth until N were sent; each queue consumer gets a fresh private Azurite (see start_private_azurite).

Every consumer runs in its own process pinned to one core (`--consumer-cpu`, default 1); producers and this script
run on the other (`--producer-cpu`, default 0); the brokers are not pinned. Throughput is measured from the moment the
consumer is consuming — subscribed (funchost: /readyz answers 200) or, for Kafka, partitions assigned (funchost: its
"assigned partitions" log line) — to the N-th message processed, so process start-up and the Kafka group join
(seconds on tansu) are not counted. The consumer's CPU time per message over the same window is reported too: on a
shared 2-core machine it is much less noisy than msg/s, and with the share of a core the consumer used it shows
whether the consumer or the broker was the bottleneck. After each run: queue empty / nothing unacked / committed = N.

Targets: funchost ≥ 0.9× raw and ≥ 1.0× FastStream (msg/s), marked PASS / MISS, with the same ratio computed from
CPU per message beside it. `--profile` (or `--profile-only`) runs funchost once more per broker under py-spy
(attached once consuming, stopped at the N-th message, sampling from the producer core) and prints the top own-time
lines and inclusive-time functions.

Run: `.venv/bin/python bench/events.py [--brokers queue,rabbitmq,kafka] [--messages N]` — about 5 minutes with the
defaults, half of it the Azure queue (20,000 messages drain at a few hundred msg/s: Azurite is the bottleneck).
"""

from __future__ import annotations

import os
import sys

# bench/ holds http.py: this file's folder must not stay on sys.path, or it would shadow the standard `http` package
# (hence the imports below this line, and the file-wide E402 exemption).
# ruff: noqa: E402
_HERE = os.path.dirname(os.path.realpath(__file__))
sys.path[:] = [entry for entry in sys.path if os.path.realpath(entry or ".") != _HERE]

import argparse
import asyncio
import base64
import collections
import contextlib
import datetime
import http.client
import json
import platform
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
APPS = Path(__file__).resolve().parent / "apps"
PYTHON = sys.executable
SERVICES = ROOT / "scripts" / "services"

AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_QUEUE_BIN = ROOT / ".services" / "azurite" / "node_modules" / ".bin" / "azurite-queue"
QUEUE_ENDPOINT = ""  # set by use_queue_port(): the harness and its children share AZURITE_QUEUE_PORT
QUEUE_CONN = ""
AZURITE_HEADERS = {"x-ms-version": "2021-02-12"}
RABBITMQ_URL = f"amqp://guest:guest@127.0.0.1:{os.environ.get('RABBITMQ_AMQP_PORT', '5672')}/"
KAFKA_SERVERS = os.environ.get("KAFKA_BROKERS", "127.0.0.1:19092")

# The listener semantics the raw loops and FastStream copy (bench/apps/events_*/host.json states the same values).
QUEUE_BATCH_SIZE = 16
QUEUE_NEW_BATCH_THRESHOLD = 8  # Azure's default for one CPU: batchSize / 2 × 1 (the consumer is pinned to one core)
QUEUE_VISIBILITY = 600  # funchost's (and Azure's) receive visibility timeout, seconds
RABBITMQ_PREFETCH = 30
KAFKA_PARTITIONS = 4
KAFKA_MAX_BATCH = 64

# Message bodies are small JSON texts, labelled text/plain so that FastStream hands its handler a `str` as funchost
# does (`msg: str`) instead of parsing JSON (its default when there is no content type).
TEXT = "text/plain"
KAFKA_HEADERS = [("content-type", TEXT.encode())]

RAW_TARGET = 0.9
FASTSTREAM_TARGET = 1.0
MIN_RATE = {"queue": 150.0, "rabbitmq": 800.0, "kafka": 800.0}  # msg/s below which a run is cut by its timeout
BROKERS = ("queue", "rabbitmq", "kafka")


# -- results ---------------------------------------------------------------------------------------------------------


@dataclass
class Result:
    broker: str
    variant: str  # "raw", "funchost", "faststream", "funchost-batch", "faststream-batch"
    label: str
    messages: int
    processed: int = 0
    window_messages: int = 0  # messages processed inside the window (consuming → N-th)
    window_s: float = 0.0
    cpu_s: float = 0.0  # consumer CPU (user + system, all threads) over the window
    wall_s: float = 0.0  # consumer process start → N-th message
    filled: str = ""  # how the queue / topic was filled
    checks: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def rate(self) -> float:
        return self.window_messages / self.window_s if self.window_s > 0 else 0.0

    @property
    def cpu_us(self) -> float:
        return self.cpu_s / self.window_messages * 1e6 if self.window_messages else float("nan")

    @property
    def cpu_share(self) -> float:
        """Share of one core the consumer used over the window: ~100 % means it was the bottleneck."""
        return self.cpu_s / self.window_s if self.window_s > 0 else float("nan")


# -- helpers ---------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def http_get(port: int, path: str, timeout: float = 1.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the whole process (all threads) from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop_process(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, wait: float = 15.0) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def bench_name(broker: str) -> str:
    return f"bench-{broker[:6]}-{uuid.uuid4().hex[:12]}"


def body(i: int) -> bytes:
    return b'{"id":%d,"kind":"bench"}' % i


async def noop(value: Any) -> None:
    """The function every consumer runs: nothing."""
    return None


class Progress:
    """Counts processed messages inside a worker; timestamps the start of consumption and the N-th message."""

    current: Progress | None = None  # the worker's, reported as is when the harness cuts a run short

    def __init__(self, target: int) -> None:
        Progress.current = self
        self.target = target
        self.count = 0
        self.begin_count = 0
        self.begin_t = self.begin_cpu = self.last_t = self.last_cpu = 0.0
        self.finished = asyncio.Event()

    def begin(self) -> None:
        """Consumption starts: subscribed (queue, RabbitMQ) or partitions assigned (Kafka)."""
        if not self.begin_t:
            self.begin_t, self.begin_cpu, self.begin_count = time.monotonic(), time.process_time(), self.count

    def done(self, n: int = 1) -> None:
        self.count += n
        if self.count >= self.target and not self.finished.is_set():
            self.last_t, self.last_cpu = time.monotonic(), time.process_time()
            self.finished.set()

    def report(self) -> dict[str, float]:
        return {
            "processed": self.count,
            "window_messages": self.count - self.begin_count,
            "window_s": self.last_t - self.begin_t,
            "cpu_s": self.last_cpu - self.begin_cpu,
            "last_t": self.last_t,
        }


def kafka_rebalance_listener(progress: Progress) -> Any:
    from aiokafka import ConsumerRebalanceListener

    class Assigned(ConsumerRebalanceListener):  # type: ignore[misc]
        async def on_partitions_revoked(self, revoked: Any) -> None:
            return None

        async def on_partitions_assigned(self, assigned: Any) -> None:
            if assigned:
                progress.begin()

    return Assigned()


def use_queue_port(port: int) -> None:
    """Point this process, and the processes it starts (funchost included), at Azurite's queue on `port`."""
    global QUEUE_ENDPOINT, QUEUE_CONN
    os.environ["AZURITE_QUEUE_PORT"] = str(port)
    QUEUE_ENDPOINT = f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}"
    QUEUE_CONN = (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"QueueEndpoint={QUEUE_ENDPOINT};"
    )


use_queue_port(int(os.environ.get("AZURITE_QUEUE_PORT", "10001")))


def start_private_azurite(logdir: Path) -> subprocess.Popen[bytes]:
    """A fresh Azurite queue service on a free port for one consumer run, persisting to a temporary folder.

    Not the shared instance and not `--inMemoryPersistence`: Azurite's queue GC runs once a minute and deletes the
    extents of deleted messages one by one with a linear search each (`findAndRemove`); the in-memory store keeps
    one extent per message, so a minute after ~15,000 messages went through, its event loop is blocked at 100 % CPU
    for many minutes (seen on the shared instance, and on a private one in the middle of a run). The file store packs
    messages into a few large extents, so the GC stays cheap."""
    if not AZURITE_QUEUE_BIN.exists():  # installs the pinned Azurite (and starts or reuses the shared instance)
        subprocess.run([str(SERVICES / "azurite"), "start"], capture_output=True, timeout=300, check=False)
    if not AZURITE_QUEUE_BIN.exists():
        sys.exit(f"error: {AZURITE_QUEUE_BIN} is missing; run scripts/services/azurite start")
    port = free_port()
    location = Path(tempfile.mkdtemp(prefix="azurite-", dir=logdir))
    argv = [str(AZURITE_QUEUE_BIN), "--queueHost", "127.0.0.1", "--queuePort", str(port), "--location", str(location)]
    argv += ["--skipApiVersionCheck", "--disableTelemetry", "--silent"]
    with (logdir / "azurite.log").open("wb") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, http.client.HTTPException):
            if http_get(port, f"/{AZURITE_ACCOUNT}?comp=list")[0] == 403:  # up (the request is unsigned)
                use_queue_port(port)
                return proc
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    stop_process(proc)
    sys.exit(f"error: Azurite did not start on port {port}: {tail(logdir / 'azurite.log')}")


# -- producers and broker housekeeping (run in this process, pinned to the producer core) ---------------------------


async def queue_create(name: str) -> None:
    from azure.storage.queue.aio import QueueClient

    async with QueueClient.from_connection_string(QUEUE_CONN, name) as queue:
        await queue.create_queue()


class AzuriteQueue:
    """Sends and counts straight over HTTP with an account SAS: the SDK's pipeline costs ~1.4 ms of CPU per send,
    which would make the producer slower than the consumers. Bodies are base64 text (`messageEncoding: base64`)."""

    def __init__(self, name: str, session: Any) -> None:
        from azure.storage.queue import AccountSasPermissions, ResourceTypes, generate_account_sas

        sas = generate_account_sas(
            AZURITE_ACCOUNT,
            AZURITE_KEY,
            ResourceTypes(service=True, container=True, object=True),
            AccountSasPermissions(add=True, read=True),
            expiry=datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1),
        )
        self.session = session
        self.messages_url = f"{QUEUE_ENDPOINT}/{name}/messages?{sas}"
        self.metadata_url = f"{QUEUE_ENDPOINT}/{name}?comp=metadata&{sas}"

    async def send(self, numbers: range, concurrency: int = 64) -> None:
        todo = iter(numbers)

        async def sender() -> None:
            for i in todo:
                text = base64.b64encode(body(i)).decode()
                payload = f"<QueueMessage><MessageText>{text}</MessageText></QueueMessage>"
                async with self.session.post(self.messages_url, data=payload, headers=AZURITE_HEADERS) as response:
                    if response.status != 201:
                        raise RuntimeError(f"Azurite refused a message: HTTP {response.status} {await response.text()}")
                    await response.read()

        await asyncio.gather(*(sender() for _ in range(concurrency)))

    async def depth(self) -> int:
        """Messages in the queue, visible or not (received, not yet deleted)."""
        async with self.session.get(self.metadata_url, headers=AZURITE_HEADERS) as response:
            await response.read()
            return int(response.headers.get("x-ms-approximate-messages-count", "0"))


async def queue_feed(name: str, n: int, depth: int) -> None:
    """Azurite's in-memory store scans the whole queue on every receive and delete: with 20,000 messages waiting it
    drains ~11 msg/s (one core busy), with 3,000 ~150 msg/s. So the queue is not filled with all N up front: `depth`
    messages are pre-loaded ("READY" on stdout), then topped up — whenever a tenth of `depth` is missing — until N
    were sent. Both consumers see the same queue depth and the same producer load on Azurite."""
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:
        queue = AzuriteQueue(name, session)
        sent = min(depth, n)
        await queue.send(range(sent))
        print("READY", flush=True)
        while sent < n:
            missing = min(depth - await queue.depth(), n - sent)
            if missing >= max(1, min(depth // 10, n - sent)):
                await queue.send(range(sent, sent + missing))
                sent += missing
            else:
                await asyncio.sleep(0.02)


async def queue_remaining(name: str) -> int:
    from azure.storage.queue.aio import QueueClient

    async with QueueClient.from_connection_string(QUEUE_CONN, name) as queue:
        return (await queue.get_queue_properties()).approximate_message_count or 0


async def queue_delete(name: str) -> None:
    from azure.core.exceptions import ResourceNotFoundError
    from azure.storage.queue.aio import QueueClient

    for queue_name in (name, f"{name}-poison"):
        async with QueueClient.from_connection_string(QUEUE_CONN, queue_name) as queue:
            with contextlib.suppress(ResourceNotFoundError):
                await queue.delete_queue()


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


# -- raw and FastStream consumers (each runs as `events.py --worker KIND`, pinned to the consumer core) -------------


async def worker_raw_queue(name: str, n: int, group: str) -> dict[str, float]:
    """QueueListener's loop with the same SDK client funchost builds (funchost/triggers/queue_polling.py)."""
    from azure.storage.queue.aio import QueueServiceClient

    service = QueueServiceClient.from_connection_string(
        QUEUE_CONN, retry_total=1, initial_backoff=1, increment_base=1, random_jitter_range=0, connection_timeout=10
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
    """A consumer-group member with funchost's consumer options (funchost/triggers/kafka_config.py); one commit
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

    await broker.start()
    progress.begin()
    try:
        await progress.finished.wait()
        await asyncio.sleep(0.2)  # the last acks
    finally:
        await broker.stop()
    return progress.report()


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

    await broker.start()
    try:
        await progress.finished.wait()
        await asyncio.sleep(0.2)  # the last commit
    finally:
        await broker.stop()
    return progress.report()


async def worker_faststream_kafka(name: str, n: int, group: str) -> dict[str, float]:
    return await _faststream_kafka(name, n, group, batch=False)


async def worker_faststream_kafka_batch(name: str, n: int, group: str) -> dict[str, float]:
    return await _faststream_kafka(name, n, group, batch=True)


WORKERS: dict[str, Callable[[str, int, str], Coroutine[Any, Any, dict[str, float]]]] = {
    "raw-queue": worker_raw_queue,
    "raw-rabbitmq": worker_raw_rabbitmq,
    "raw-kafka": worker_raw_kafka,
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


# -- one measured run ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    function: str = ""  # funchost: the app's function to run (--functions)


VARIANTS: dict[str, list[Variant]] = {
    "queue": [
        Variant("raw", "raw azure-storage-queue loop"),
        Variant("funchost", "funchost", "queue_noop"),
    ],
    "rabbitmq": [
        Variant("raw", "raw aio-pika consumer"),
        Variant("funchost", "funchost", "rabbitmq_noop"),
        Variant("faststream", "FastStream RabbitBroker"),
    ],
    "kafka": [
        Variant("raw", "raw aiokafka consumer"),
        Variant("funchost", "funchost (cardinality one)", "kafka_noop"),
        Variant("faststream", "FastStream KafkaBroker (commit per message)"),
        Variant("funchost-batch", "funchost (cardinality many, batches ≤ 64)", "kafka_noop_batch"),
        Variant("faststream-batch", "FastStream KafkaBroker (batch ≤ 64, commit per batch)"),
    ],
}


class Bench:
    def __init__(self, args: argparse.Namespace, logdir: Path) -> None:
        self.args = args
        self.logdir = logdir
        self.loop = asyncio.new_event_loop()
        self.cleanup: list[Callable[[], Awaitable[None]]] = []
        self.feeder: subprocess.Popen[bytes] | None = None
        self.azurite: subprocess.Popen[bytes] | None = None

    def run(self, coro: Awaitable[Any]) -> Any:
        return self.loop.run_until_complete(coro)

    def timeout_for(self, broker: str) -> float:
        if self.args.run_timeout:
            return float(self.args.run_timeout)
        return 30.0 + self.n(broker) / MIN_RATE[broker]

    def n(self, broker: str) -> int:
        """Messages per consumer run: --messages, for Kafka --kafka-messages (default 5 × --messages)."""
        if broker == "kafka":
            return int(self.args.kafka_messages or 5 * self.args.messages)
        return int(self.args.messages)

    def pinned(self, argv: list[str]) -> list[str]:
        return ["taskset", "-c", str(self.args.consumer_cpu), *argv]  # taskset execs: the pid is the consumer's

    # -- preparing a queue / topic -------------------------------------------------------------------------------

    def prepare(self, broker: str) -> tuple[str, str]:
        """Create and fill a fresh queue / topic; return its name and how it was filled."""
        name = bench_name(broker)
        if broker == "queue":  # a fresh Azurite for every consumer run, see start_private_azurite
            self.stop_azurite()
            self.azurite = start_private_azurite(self.logdir)
        create, delete = {
            "queue": (queue_create, queue_delete),
            "rabbitmq": (rabbitmq_create, rabbitmq_delete),
            "kafka": (kafka_create, kafka_delete),
        }[broker]
        if broker != "queue":  # a private Azurite is stopped instead
            self.cleanup.append(lambda: delete(name))
        self.run(create(name))
        n = self.n(broker)
        started = time.monotonic()
        if broker == "queue":
            depth = min(self.args.queue_depth, n)
            self.start_feeder(name, depth)
            filled = f"{depth:,} pre-loaded, topped up to {depth:,} until {n:,} were sent"
        else:
            self.run(rabbitmq_preload(name, n) if broker == "rabbitmq" else kafka_preload(name, n))
            filled = f"{n:,} pre-loaded at {n / (time.monotonic() - started):,.0f} msg/s"
        print(f"  {broker} '{name}': {filled}", flush=True)
        return name, filled

    def start_feeder(self, name: str, depth: int) -> None:
        argv = ["taskset", "-c", str(self.args.producer_cpu), PYTHON, __file__, "--feeder", "--name", name]
        argv += ["--messages", str(self.n("queue")), "--queue-depth", str(depth)]
        err = (self.logdir / "feeder.log").open("ab")
        self.feeder = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, start_new_session=True)
        err.close()
        assert self.feeder.stdout is not None
        line = self.feeder.stdout.readline()  # bounded by the run budget
        if line.strip() != b"READY":
            stop_process(self.feeder, signal.SIGKILL)
            raise RuntimeError(f"the queue feeder failed: {tail(self.logdir / 'feeder.log')}")

    def stop_azurite(self) -> None:
        if self.azurite is not None:
            stop_process(self.azurite, wait=5)
            self.azurite = None

    def stop_feeder(self) -> None:
        if self.feeder is not None:
            try:
                self.feeder.wait(10)  # it is done once the consumer has seen all N messages
            except subprocess.TimeoutExpired:
                stop_process(self.feeder, signal.SIGKILL)
            self.feeder = None

    def check(self, broker: str, name: str, group: str, result: Result) -> None:
        """After the consumer stopped: nothing left in the queue / all offsets committed."""
        try:
            if broker == "queue":
                left = self.run(queue_remaining(name))
                result.checks.append("queue empty" if left == 0 else f"{left} messages left in the queue")
            elif broker == "rabbitmq":
                left = self.run(rabbitmq_remaining(name))
                result.checks.append("all acked" if left == 0 else f"{left} messages back in the queue")
            else:
                committed = self.run(kafka_committed(name, group))
                ok = committed == self.n(broker)
                result.checks.append("all committed" if ok else f"committed {committed} of {self.n(broker)}")
        except Exception as exc:  # a check must not end the run
            result.checks.append(f"check failed: {type(exc).__name__}: {exc}")

    # -- consumers ------------------------------------------------------------------------------------------------

    def measure_worker(self, broker: str, variant: Variant, name: str, group: str, filled: str) -> Result:
        result = Result(broker, variant.key, variant.label, self.n(broker), filled=filled)
        kind = f"{variant.key}-{broker}"
        log = self.logdir / f"{kind}.log"
        argv = [PYTHON, __file__, "--worker", kind, "--name", name, "--group", group]
        argv += ["--messages", str(self.n(broker))]
        with log.open("wb") as err:
            proc = subprocess.Popen(
                self.pinned(argv), cwd=ROOT, stdout=subprocess.PIPE, stderr=err, start_new_session=True
            )
        spawned = time.monotonic()
        try:
            out, _ = proc.communicate(timeout=self.timeout_for(broker))
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGTERM)
            try:
                out, _ = proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                stop_process(proc, signal.SIGKILL)
                out = b""
            partial = [line for line in out.decode().splitlines() if line.startswith("PARTIAL ")]
            done = json.loads(partial[-1].removeprefix("PARTIAL "))["processed"] if partial else "?"
            result.error = f"timed out after {self.timeout_for(broker):.0f} s with {done} processed"
            return result
        lines = [line for line in out.decode().splitlines() if line.startswith("RESULT ")]
        if proc.returncode != 0 or not lines:
            result.error = f"worker exited with {proc.returncode}: {tail(log, 8)}"
            return result
        report = json.loads(lines[-1].removeprefix("RESULT "))
        result.processed = int(report["processed"])
        result.window_messages = int(report["window_messages"])
        result.window_s = float(report["window_s"])
        result.cpu_s = float(report["cpu_s"])
        result.wall_s = float(report["last_t"]) - spawned
        self.check(broker, name, group, result)
        return result

    def spawn_funchost(
        self, broker: str, function: str, name: str, group: str, log: Path
    ) -> tuple[subprocess.Popen[bytes], int]:
        port = free_port()
        env = dict(os.environ, PYTHONUNBUFFERED="1", BENCH_QUEUE=name, BENCH_TOPIC=name, BENCH_GROUP=group)
        argv = [PYTHON, "-m", "funchost.cli.main", "start", "--script-root", str(APPS / f"events_{broker}")]
        argv += ["--functions", function, "--host", "127.0.0.1", "--port", str(port), "--grace-period", "10"]
        with log.open("wb") as out:
            proc = subprocess.Popen(
                self.pinned(argv), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        return proc, port

    def measure_funchost(
        self, broker: str, variant: Variant, name: str, group: str, filled: str, profile: bool = False
    ) -> Result:
        result = Result(broker, variant.key, variant.label, self.n(broker), filled=filled)
        log = self.logdir / f"{variant.function}{'-profile' if profile else ''}.log"
        function = variant.function
        spy: subprocess.Popen[bytes] | None = None
        spy_out = self.logdir / f"py-spy-{variant.function}.txt"
        count = 0
        committed = KafkaCommitted(name, group) if variant.key == "funchost-batch" else None
        proc, port = self.spawn_funchost(broker, variant.function, name, group, log)  # stopped in `finally` below
        spawned = time.monotonic()
        deadline = spawned + self.timeout_for(broker)
        try:
            begin_t, begin_cpu, begin_count = 0.0, 0.0, 0
            while True:
                if time.monotonic() > deadline:
                    result.error = f"timed out after {self.timeout_for(broker):.0f} s with {count:,} processed"
                    break
                if proc.poll() is not None:
                    result.error = f"funchost exited with {proc.returncode}:\n{tail(log)}"
                    break
                if not begin_t:  # the listener is consuming: /readyz is 200 (Kafka: partitions are assigned)
                    if not funchost_consuming(broker, port, log):
                        time.sleep(0.005)
                        continue
                    begin_t, begin_cpu = time.monotonic(), cpu_seconds(proc.pid)
                    # what was already processed is not in the window (read after begin_t: errs against funchost)
                    begin_count = invocation_counts(port, function)[0] if committed is None else 0
                    if profile:
                        spy = start_py_spy(proc.pid, spy_out, self.args.producer_cpu)
                count, failed = invocation_counts(port, function)
                if committed is not None:  # events, not invocations
                    count = self.run(committed.total())
                stamp = time.monotonic()
                if failed:
                    result.error = f"{failed} invocations failed; see {log}"
                    break
                if count >= self.n(broker):
                    result.cpu_s = cpu_seconds(proc.pid) - begin_cpu
                    result.window_s = stamp - begin_t
                    result.window_messages = count - begin_count
                    result.wall_s = stamp - spawned
                    break
                # sleep about half the expected remaining time: few polls, at most 10 ms late at the end
                rate = (count - begin_count) / max(stamp - begin_t, 1e-3) or 1000.0
                time.sleep(min(0.5, max(0.01, (self.n(broker) - count) / rate / 2)))
            result.processed = count
        finally:
            if spy is not None:
                stop_process(spy, signal.SIGINT, wait=30)
            stop_process(proc)
            if committed is not None:
                self.run(committed.close())
        if not result.error:
            self.check(broker, name, group, result)
        if profile and spy is not None:
            print_py_spy(spy_out, self.args.profile_top)
        return result

    # -- a broker -------------------------------------------------------------------------------------------------

    def measure_broker(self, broker: str) -> list[Result]:
        print(f"\n== {broker} ({self.n(broker):,} messages per consumer) ==", flush=True)
        results: list[Result] = []
        topic, filled = "", ""
        if broker == "kafka":  # one topic, read by every consumer in its own consumer group
            topic, filled = self.prepare(broker)
        for variant in VARIANTS[broker]:
            name = topic
            if broker != "kafka":
                name, filled = self.prepare(broker)
            group = f"bench-{variant.key}-{uuid.uuid4().hex[:8]}"
            started = time.monotonic()
            try:
                if variant.function:
                    result = self.measure_funchost(broker, variant, name, group, filled)
                else:
                    result = self.measure_worker(broker, variant, name, group, filled)
            finally:
                self.stop_feeder()
                self.stop_azurite()  # its queue goes with it
            results.append(result)
            print(f"  {describe(result)}  [{time.monotonic() - started:.0f} s]", flush=True)
        return results

    def profile_broker(self, broker: str) -> None:
        print(f"\n== profile: funchost on {broker} under py-spy ==", flush=True)
        if shutil.which("py-spy", path=str(Path(PYTHON).parent)) is None and shutil.which("py-spy") is None:
            print("  py-spy is not installed (pip install py-spy); skipped")
            return
        for variant in VARIANTS[broker]:
            if not variant.function:
                continue
            name, filled = self.prepare(broker)
            group = f"bench-profile-{uuid.uuid4().hex[:8]}"
            try:
                result = self.measure_funchost(broker, variant, name, group, filled, profile=True)
            finally:
                self.stop_feeder()
                self.stop_azurite()
            print(f"  {describe(result)} (slowed by sampling)")

    def close(self) -> None:
        if self.feeder is not None:
            stop_process(self.feeder, signal.SIGKILL)
        self.stop_azurite()
        for delete in reversed(self.cleanup):
            with contextlib.suppress(Exception):
                self.run(asyncio.wait_for(delete(), 30))
        self.loop.close()


def funchost_consuming(broker: str, port: int, log: Path) -> bool:
    """Queue and RabbitMQ: /readyz answers 200. Kafka: the listener logged its partition assignment (its state is
    "running" before the group join, which takes seconds on tansu)."""
    if broker == "kafka":
        with contextlib.suppress(OSError):
            return re.search(r"assigned partitions \[[^\]]", log.read_text(errors="replace")) is not None
        return False
    with contextlib.suppress(OSError, http.client.HTTPException):
        return http_get(port, "/readyz", timeout=0.5)[0] == 200
    return False


_METRIC = re.compile(r'^funchost_invocations_total\{function="([^"]+)",outcome="([^"]+)"\} ([0-9.e+]+)$', re.M)


def invocation_counts(port: int, function: str) -> tuple[int, int]:
    """(successes, failures + timeouts) of `function` from /metrics; (0, 0) while the host is not up yet."""
    try:
        status, payload = http_get(port, "/metrics", timeout=2.0)
    except (OSError, http.client.HTTPException):
        return 0, 0
    if status != 200:
        return 0, 0
    counts = {outcome: float(value) for fn, outcome, value in _METRIC.findall(payload.decode()) if fn == function}
    return int(counts.get("success", 0)), int(counts.get("failure", 0) + counts.get("timeout", 0))


# -- py-spy ----------------------------------------------------------------------------------------------------------


def start_py_spy(pid: int, out: Path, cpu: int) -> subprocess.Popen[bytes]:
    exe = shutil.which("py-spy", path=str(Path(PYTHON).parent)) or "py-spy"
    argv = ["taskset", "-c", str(cpu), exe, "record", "--pid", str(pid), "--rate", "250", "--format", "raw"]
    argv += ["--output", str(out), "--nonblocking"]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def _short(path: str) -> str:
    for marker in ("site-packages/", "/lib/python3.11/", str(ROOT) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def print_py_spy(path: Path, top: int) -> None:
    """Top own-time lines and inclusive-time functions of py-spy's collapsed stacks (idle frames excluded)."""
    if not path.exists():
        print("  (py-spy wrote no profile)")
        return
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_FRAME.match(frame) for frame in stack.split(";")]
        names = [f"{m['func']} ({_short(m['file'])}:{m['line']})" if m else "?" for m in frames]
        own[names[-1]] += count
        seen = set()
        for m in frames:
            if m is None:
                continue
            key = f"{m['func']} ({_short(m['file'])})"
            if key not in seen:
                seen.add(key)
                inclusive[key] += count
    if not total:
        print("  (no samples)")
        return
    print(f"  {total} samples (250 Hz, busy time only). Top own time (file:line):")
    for name, count in own.most_common(top):
        print(f"    {100 * count / total:5.1f}%  {name}")
    print("  Top inclusive time (function):")
    for name, count in inclusive.most_common(top):
        print(f"    {100 * count / total:5.1f}%  {name}")


# -- report ----------------------------------------------------------------------------------------------------------


def describe(result: Result) -> str:
    if result.error:
        return f"{result.label}: ERROR {result.error}"
    checks = ", ".join(result.checks)
    return (
        f"{result.label}: {result.rate:,.0f} msg/s, {result.cpu_us:,.0f} µs CPU/msg, {result.cpu_share:.0%} of a core "
        f"({result.window_messages:,} msgs in {result.window_s:.2f} s; start → last {result.wall_s:.1f} s; {checks})"
    )


def verdict(ratio: float, target: float) -> str:
    return "PASS" if ratio >= target else "MISS"


def summary(results: list[Result]) -> str:
    rows = [
        "| broker | consumer | msg/s | consumer CPU µs/msg | consumer core busy | start → last msg | check |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        if r.error:
            rows.append(f"| {r.broker} | {r.label} | error | | | | {r.error.splitlines()[0]} |")
        else:
            rows.append(
                f"| {r.broker} | {r.label} | {r.rate:,.0f} | {r.cpu_us:,.0f} | {r.cpu_share:.0%} | {r.wall_s:.1f} s | "
                f"{', '.join(r.checks)} |"
            )
    rows += [
        "",
        "| broker | funchost | funchost / raw (target ≥ 0.9) | funchost / FastStream (target ≥ 1.0) |",
        "|---|---|---|---|",
    ]
    for broker in dict.fromkeys(r.broker for r in results):
        by = {r.variant: r for r in results if r.broker == broker and not r.error}
        for mine, faststream in (("funchost", "faststream"), ("funchost-batch", "faststream-batch")):
            fh = by.get(mine)
            if fh is None:
                continue
            cells = []
            for key, target in (("raw", RAW_TARGET), (faststream, FASTSTREAM_TARGET)):
                other = by.get(key)
                if other is None or not other.rate:
                    cells.append("n/a (no FastStream broker)" if broker == "queue" and key != "raw" else "—")
                    continue
                ratio = fh.rate / other.rate
                cpu_ratio = other.cpu_us / fh.cpu_us  # the same ratio from CPU cost per message: less noisy
                cells.append(f"{ratio:.2f}× **{verdict(ratio, target)}** (by CPU/msg: {cpu_ratio:.2f}×)")
            rows.append(f"| {broker} | {fh.label} | {cells[0]} | {cells[1]} |")
    return "\n".join(rows)


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, {platform.system()}"


@contextlib.contextmanager
def budget(seconds: int) -> Iterator[None]:
    def expired(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"the benchmark ran longer than its budget of {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def start_services(brokers: list[str]) -> None:
    for broker in brokers:
        if broker == "queue":
            continue  # a private Azurite instance, see start_private_azurite
        service = {"queue": "azurite", "rabbitmq": "rabbitmq", "kafka": "kafka"}[broker]
        for _ in range(3):  # a busy service can miss one readiness probe
            done = subprocess.run([str(SERVICES / service), "start"], capture_output=True, text=True, timeout=180)
            if done.returncode == 0:
                break
            time.sleep(2)
        else:
            sys.exit(f"error: scripts/services/{service} start failed:\n{done.stdout}{done.stderr}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--brokers", default=",".join(BROKERS), help="comma-separated: queue,rabbitmq,kafka")
    parser.add_argument("--messages", type=int, default=20_000, help="messages per consumer run (default 20000)")
    parser.add_argument(
        "--kafka-messages", type=int, help="Kafka: messages per consumer run (default 5 × --messages: it drains fast)"
    )
    parser.add_argument("--consumer-cpu", type=int, default=1, help="core the consumers are pinned to (default 1)")
    parser.add_argument("--producer-cpu", type=int, default=0, help="core the producers are pinned to (default 0)")
    parser.add_argument("--run-timeout", type=float, help="seconds per consumer run (default: 30 + N / slow rate)")
    parser.add_argument("--budget", type=int, default=900, help="hard stop for the whole run, seconds (default 900)")
    parser.add_argument("--profile", action="store_true", help="then profile funchost per broker with py-spy")
    parser.add_argument("--profile-only", action="store_true", help="only the py-spy profiles")
    parser.add_argument("--profile-top", type=int, default=25, help="entries per py-spy table (default 25)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument(
        "--queue-depth", type=int, default=200, help="Azure queue: depth kept while feeding N (default 200)"
    )
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--feeder", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--name", help=argparse.SUPPRESS)
    parser.add_argument("--group", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return run_worker(args.worker, args.name, args.messages, args.group)
    if args.feeder:
        asyncio.run(queue_feed(args.name, args.messages, args.queue_depth))
        return 0

    brokers = [b.strip() for b in args.brokers.split(",") if b.strip()]
    unknown = sorted(set(brokers) - set(BROKERS))
    if unknown:
        parser.error(f"unknown broker(s) {', '.join(unknown)}; choose from {', '.join(BROKERS)}")
    if shutil.which("taskset") is None:
        sys.exit("error: taskset is required (apt-get install -y util-linux)")
    os.sched_setaffinity(0, {args.producer_cpu})  # this process produces: keep it off the consumer's core
    print(f"events benchmark — {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {machine()}")
    print(
        f"consumers pinned to CPU {args.consumer_cpu}, producers (this process) to CPU {args.producer_cpu}, brokers "
        f"unpinned; load average before: {Path('/proc/loadavg').read_text().split()[0]}"
    )
    start_services(brokers)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="funchost-events-") as tmp:
        bench = Bench(args, Path(tmp))
        try:
            with budget(args.budget):
                if not args.profile_only:
                    for broker in brokers:
                        results += bench.measure_broker(broker)
                if args.profile or args.profile_only:
                    for broker in brokers:
                        bench.profile_broker(broker)
        finally:
            bench.close()
    if results:
        print("\n" + summary(results))
        print(f"\nload average after: {Path('/proc/loadavg').read_text().split()[0]}")
    if args.json:
        payload = [dict(vars(r), rate=r.rate, cpu_us=r.cpu_us) for r in results]
        args.json.write_text(json.dumps(payload, indent=2))
    return 0 if all(not r.error for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
