"""Counting a worker's processed messages and timing its window; message names and bodies."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any


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
