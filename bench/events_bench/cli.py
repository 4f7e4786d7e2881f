"""Event-trigger benchmark: funchost vs a raw client loop vs FastStream, per broker, one run.

For each broker (Azure Storage queue on Azurite, RabbitMQ, Kafka on tansu, Service Bus on the AMQP stand-in) a fresh
uuid-named queue / topic gets N small messages from a fast producer and is drained by a no-op `async def` consumer:

- **funchost**: `python -m funchost.cli.main start` on bench/apps/events_<broker> (no-op `async def` trigger
  functions; host.json states the defaults explicitly). Progress is read from /metrics
  (`funchost_invocations_total{function=…,outcome="success"}`) — for Kafka cardinality many, whose invocations are
  batches, from the group's committed offsets — polled adaptively (often at the end, rarely in between).
- **raw**: the client library funchost itself uses, in a loop with the listener's batch / prefetch / ack semantics:
  Azure queue — receive up to batchSize (16) with the 10-minute visibility timeout, base64-decode, no-op, delete
  each, at most batchSize + newBatchThreshold (16 + 8) in flight and the next receive once in-flight work is down to
  newBatchThreshold; Service Bus — azure-servicebus aio, one peek-lock receiver with prefetch 0, up to
  maxConcurrentCalls (16) messages in work, each completed after the no-op (bench/events_bench/servicebus.py);
  RabbitMQ — aio-pika, QoS prefetch 30, manual ack after the no-op; Kafka — aiokafka consumer
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
that depth until N were sent; each queue consumer gets a fresh private Azurite (see start_private_azurite); Service
Bus — --servicebus-messages (3,000) sent in batches of 500 to a fresh stand-in process per consumer run (a pure-Python
broker: its CPU per message, reported beside the consumer's, bounds both sides).

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

import argparse
import asyncio
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common.machine import machine
from bench.common.procs import SERVICES, budget
from bench.events_bench.azure_queue import queue_feed
from bench.events_bench.bench import Bench
from bench.events_bench.consumers import WORKERS, run_worker
from bench.events_bench.report import summary
from bench.events_bench.result import Result
from bench.events_bench.settings import BROKERS


def start_services(brokers: list[str]) -> None:
    for broker in brokers:
        if broker in ("queue", "servicebus"):
            continue  # a private Azurite / Service Bus stand-in per run, see start_private_azurite / start_standin
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
    parser.add_argument("--brokers", default=",".join(BROKERS), help="comma-separated: queue,rabbitmq,kafka,servicebus")
    parser.add_argument("--messages", type=int, default=20_000, help="messages per consumer run (default 20000)")
    parser.add_argument(
        "--kafka-messages", type=int, help="Kafka: messages per consumer run (default 5 × --messages: it drains fast)"
    )
    parser.add_argument(
        "--servicebus-messages", type=int, default=3000, help="Service Bus: messages per consumer run (default 3000)"
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
