"""Kafka trigger (`kafkaTrigger`): a consumer-group member that runs the function for every record of its
partitions, in order per partition and concurrently across partitions, committing offsets only after the
outcome is known (auto-commit is off).

As Azure's extension (Azure/azure-functions-kafka-extension, Listeners/KafkaListener.cs and the executors in
Trigger/): one event at a time per partition for cardinality one, batches of up to host.json
`extensions.kafka.maxBatchSize` (64) for cardinality many (here cut per partition, so ordering and commits stay
per partition), the function's `@app.retry` policy first and then the redelivery rule of `partition.py`.
Offsets are committed by `commit.py`; the consumer's options come from `config.py`.

Rebalance: before partitions are revoked their in-flight work finishes, is settled and committed
(`on_partitions_revoked`); buffered records are dropped and refetched by the next owner. A position past the
log's end on a broker that does not answer OFFSET_OUT_OF_RANGE is reset by `log_end.py`. A broker that cannot be
reached at start (or later) is reported naming the brokerList setting and servers and retried in the
background by `funchost.triggers.supervisor` (this listener plugs in connect/consume/disconnect), state
"starting"/"reconnecting" (so /readyz is 503). Stop: stop fetching, let in-flight work finish
within the grace period, settle and commit it, then leave the group and close the consumer.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener
from aiokafka.errors import KafkaError
from aiokafka.structs import TopicPartition

from funchost.bindings.binding_data import kafka_binding_data
from funchost.errors import InvocationError
from funchost.triggers.base import ListenerContext
from funchost.triggers.gate import WorkGate
from funchost.triggers.kafka.commit import OffsetCommitter
from funchost.triggers.kafka.config import KafkaTriggerConfig
from funchost.triggers.kafka.log_end import positions_past_end, reset_to_policy
from funchost.triggers.kafka.partition import PartitionWorker, Records
from funchost.triggers.supervisor import Problem, SupervisedListener, Supervisor

logger = logging.getLogger("funchost.kafka")
MAX_PARTITIONS_IN_FLIGHT = 1024  # one invocation per assigned partition at a time; this only caps the total
FETCH_TIMEOUT_MS = 1000


@dataclass(frozen=True)
class ManualRecord:
    """The event of POST /admin/functions/{name}: the payload as the record value, no partition or offset."""

    topic: str
    value: bytes
    partition: int = -1
    offset: int = -1
    timestamp: int = 0
    key: bytes | None = None
    headers: tuple[tuple[str, bytes], ...] = ()


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, listener: KafkaListener) -> None:
        self._listener = listener

    async def on_partitions_revoked(self, revoked: Collection[TopicPartition]) -> None:
        await self._listener.give_up(set(revoked))

    async def on_partitions_assigned(self, assigned: Collection[TopicPartition]) -> None:
        self._listener.take(set(assigned))


class KafkaListener(SupervisedListener):
    def __init__(self, ctx: ListenerContext) -> None:
        self._ctx = ctx
        self._config = config = KafkaTriggerConfig.from_context(ctx)
        self._settings = config.settings
        self._options = config.options
        self._function = config.function
        self.name = f"kafka:{self._function}"
        self._gate = WorkGate(MAX_PARTITIONS_IN_FLIGHT, self.name)
        self._commits = OffsetCommitter(self.name, self._options.auto_commit_interval_ms / 1000)
        self._failures: dict[tuple[TopicPartition, int], int] = {}
        self._workers: dict[TopicPartition, PartitionWorker] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._supervisor = Supervisor(self.name, self, logger)

    # -- Listener contract -------------------------------------------------------------------------------------

    async def stop(self, grace_seconds: float) -> None:
        self._supervisor.begin_stop()
        await self._supervisor.cancel()  # stop fetching first
        if self._consumer is not None:
            with contextlib.suppress(KafkaError):
                self._consumer.pause(*self._consumer.assignment())
        workers = list(self._workers.values())
        for worker in workers:
            worker.close()
        await self._gate.drain(grace_seconds)
        await asyncio.gather(*(w.task for w in workers), return_exceptions=True)
        await self._close_consumer()
        self._supervisor.stopped()
        logger.info("Kafka listener for function '%s' stopped", self._function)

    async def trigger_manually(self, payload: str) -> None:
        record = ManualRecord(self._settings.topic, payload.encode("utf-8"), timestamp=int(time.time() * 1000))
        await self._ctx.invoker.invoke({self._config.binding: self._config.convert([record])})

    # -- connection (Supervised) -------------------------------------------------------------------------------

    async def connect(self) -> None:
        consumer = self._consumer = self._config.consumer(_Rebalance(self))
        await consumer.start()
        self._commits.attach(consumer)
        logger.info(
            "Kafka trigger '%s' consuming topic '%s' as group '%s' from %s",
            self._function,
            self._settings.topic,
            self._settings.consumer_group,
            self._settings.bootstrap_servers,
        )

    async def consume(self) -> str:
        consumer = self._consumer
        assert consumer is not None
        while not self._supervisor.stopping.is_set():
            fetched = await consumer.getmany(timeout_ms=FETCH_TIMEOUT_MS)
            for tp, records in fetched.items():
                worker = self._workers.get(tp)
                if worker is not None and records and worker.feed(records):
                    self._call(consumer.pause, tp)
            if not fetched:
                await self._reset_positions_past_end(consumer)
        return ""

    async def _reset_positions_past_end(self, consumer: AIOKafkaConsumer) -> None:
        idle = [tp for tp in self._workers if tp not in consumer.paused()]
        for tp, (position, high_water) in (await positions_past_end(consumer, idle)).items():
            policy = self._options.auto_offset_reset
            logger.warning(
                "Kafka trigger '%s': the position %d of %s/%d is past the end of its log (%d), as after a broker "
                "restarted empty or a topic created again; resetting to the %s offset (host.json "
                "extensions.kafka.autoOffsetReset)",
                self._function,
                position,
                tp.topic,
                tp.partition,
                high_water,
                policy,
            )
            await reset_to_policy(consumer, tp, policy)
            worker = self._workers.get(tp)
            if worker is not None:
                worker.forget_position()

    def explain(self, exc: Exception) -> Problem:
        # broker errors are retried; anything else is logged with its traceback
        return Problem(self._config.explain(exc), traceback=not isinstance(exc, KafkaError | OSError))

    async def disconnect(self) -> None:
        await self._release(set(self._workers))
        await self._close_consumer()

    async def _close_consumer(self) -> None:
        consumer = self._consumer
        await self._commits.detach()
        self._consumer = None
        if consumer is not None:
            with contextlib.suppress(Exception):
                await consumer.stop()  # leaves the group

    # -- partitions --------------------------------------------------------------------------------------------

    def take(self, assigned: set[TopicPartition]) -> None:
        logger.info("Kafka trigger '%s' assigned partitions %s", self._function, _names(assigned))
        for tp in assigned - set(self._workers):
            self._workers[tp] = PartitionWorker(
                tp,
                function=self._function,
                batch_size=self._config.batch_size,
                options=self._options,
                failures=self._failures,
                control=self,
            )

    async def give_up(self, revoked: set[TopicPartition]) -> None:
        logger.info("Kafka trigger '%s' revoked partitions %s", self._function, _names(revoked))
        await self._release(revoked)

    async def _release(self, partitions: set[TopicPartition]) -> None:
        """Finish the partitions' in-flight work, commit it, and forget them."""
        workers = [w for tp, w in self._workers.items() if tp in partitions]
        for worker in workers:
            worker.close()
        if workers:
            timeout = self._options.max_poll_interval_ms / 1000
            await asyncio.wait([w.task for w in workers], timeout=timeout)
        await self._commits.flush(partitions)
        self._commits.forget(partitions)
        for worker in workers:
            self._workers.pop(worker.tp, None)

    # -- PartitionControl (what the partition workers ask for) ---------------------------------------------------

    async def invoke(self, records: Records) -> bool:
        # Runs in the partition worker's task (nothing cancels it but the drain at the end of stop()'s grace
        # period; then the outcome is unknown, nothing is stored and the records are redelivered).
        await self._gate.acquire()
        return bool(await self._gate.run_here(self._run_function(records)))

    async def _run_function(self, records: Records) -> bool:
        try:
            invoker = self._ctx.invoker
            many = self._config.settings.cardinality == "many"
            data = functools.partial(kafka_binding_data, records, many=many) if invoker.needs_binding_data else None
            await invoker.invoke_with_retries(
                lambda: {self._config.binding: self._config.convert(records)}, invoker.spec.retry, data
            )
        except InvocationError:
            return False  # logged by the invoker with its traceback
        except Exception:
            logger.exception("Function '%s': the Kafka event(s) could not be converted", self._function)
            return False
        return True

    def store(self, tp: TopicPartition, offset: int) -> None:
        self._commits.store(tp, offset)

    def rewind(self, tp: TopicPartition, offset: int) -> None:
        self._call_consumer("seek", tp, offset)

    def resume(self, tp: TopicPartition) -> None:
        self._call_consumer("resume", tp)

    def _call_consumer(self, method: str, *args: Any) -> None:
        if self._consumer is not None and not self._supervisor.stopping.is_set():
            self._call(getattr(self._consumer, method), *args)

    @staticmethod
    def _call(method: Any, *args: Any) -> None:
        with contextlib.suppress(KafkaError):  # IllegalStateError: the partition was revoked meanwhile
            method(*args)


def _names(partitions: Collection[TopicPartition]) -> str:
    return "[" + ", ".join(f"{tp.topic}/{tp.partition}" for tp in sorted(partitions)) + "]" if partitions else "[]"
