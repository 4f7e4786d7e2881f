"""What the events benchmark runs on: the apps, broker addresses, the listener semantics the peers copy, the targets."""

from __future__ import annotations

import os

from bench.common.procs import ROOT

APPS = ROOT / "bench" / "apps"
RABBITMQ_URL = f"amqp://guest:guest@127.0.0.1:{os.environ.get('RABBITMQ_AMQP_PORT', '5672')}/"
KAFKA_SERVERS = os.environ.get("KAFKA_BROKERS", "127.0.0.1:19092")

# The listener semantics the raw loops and FastStream copy (bench/apps/events_*/host.json states the same values).
QUEUE_BATCH_SIZE = 16
QUEUE_NEW_BATCH_THRESHOLD = 8  # Azure's default for one CPU: batchSize / 2 × 1 (the consumer is pinned to one core)
QUEUE_VISIBILITY = 600  # funchost's (and Azure's) receive visibility timeout, seconds
RABBITMQ_PREFETCH = 30
KAFKA_PARTITIONS = 4
KAFKA_MAX_BATCH = 64
SERVICEBUS_MAX_CALLS = 16  # maxConcurrentCalls: 16 × CPUs, the consumer is pinned to one core
SERVICEBUS_PREFETCH = 0  # prefetchCount's default

# Message bodies are small JSON texts, labelled text/plain so that FastStream hands its handler a `str` as funchost
# does (`msg: str`) instead of parsing JSON (its default when there is no content type).
TEXT = "text/plain"
KAFKA_HEADERS = [("content-type", TEXT.encode())]

RAW_TARGET = 0.9
FASTSTREAM_TARGET = 1.0
# msg/s below which a run is cut by its timeout (Service Bus: settlement waits bound it, ~30-80 msg/s at 16 in work)
MIN_RATE = {"queue": 150.0, "rabbitmq": 800.0, "kafka": 800.0, "servicebus": 40.0}
BROKERS = ("queue", "rabbitmq", "kafka", "servicebus")
