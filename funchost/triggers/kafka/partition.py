"""One assigned Kafka partition: its fetched records, processed strictly in order — one event (cardinality one)
or a batch of up to maxBatchSize (cardinality many) at a time — and the rule that settles each outcome.

The rule is the extension's (Trigger/SingleItemFunctionExecutor.cs and MultipleItemFunctionExecutor.cs, with
`HasExceededMaxRetries` in Trigger/FunctionExecutorBase.cs, Azure/azure-functions-kafka-extension): after the
function's own retry policy has run out, success stores the next offset for commit; a failure with
`commitOnFailure` stores it anyway (legacy at-most-once); otherwise the position is redelivered until it has
failed more than `maxRetries` times (-1 = forever), and then the offset is force-committed past it with a loud
error. The extension keys its counter by the batch's last offset; a redelivered batch can be cut differently, so
here it is keyed by the position the batch starts at, which a redelivery always repeats.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections import deque
from collections.abc import MutableMapping, Sequence
from typing import Any, Protocol

from aiokafka.structs import ConsumerRecord, TopicPartition

from funchost.metadata.extension_options import KafkaOptions

logger = logging.getLogger("funchost.kafka")
Records = Sequence[ConsumerRecord[Any, Any]]


class Action(enum.Enum):
    COMMIT = "commit"
    FORCE_COMMIT = "force-commit"
    REDELIVER = "redeliver"


def settle_action(succeeded: bool, options: KafkaOptions, failures: int) -> Action:
    """`failures`: how often this position has failed so far, this failure included."""
    if succeeded or options.commit_on_failure:
        return Action.COMMIT
    if options.max_retries >= 0 and failures > options.max_retries:
        return Action.FORCE_COMMIT
    return Action.REDELIVER


class PartitionControl(Protocol):
    """What a partition worker asks of its listener (the consumer and the offset store stay the listener's)."""

    async def invoke(self, records: Records) -> bool:
        """Run the function for the records (its retry policy included); True if it succeeded."""

    def store(self, tp: TopicPartition, offset: int) -> None:
        """Mark `offset` (the next one to read) as ready for commit."""

    def rewind(self, tp: TopicPartition, offset: int) -> None:
        """Fetch the partition again from `offset` (a redelivery)."""

    def resume(self, tp: TopicPartition) -> None:
        """Fetch for the partition again (its buffer has room)."""


class PartitionWorker:
    """Feeds one partition's records to the function in order and settles each outcome through its control."""

    def __init__(
        self,
        tp: TopicPartition,
        *,
        function: str,
        batch_size: int,
        options: KafkaOptions,
        failures: MutableMapping[tuple[TopicPartition, int], int],
        control: PartitionControl,
    ) -> None:
        self.tp = tp
        self._function = function
        self._batch_size = batch_size
        self._options = options
        self._failures = failures
        self._control = control
        self._high_water = 2 * options.max_batch_size
        self._low_water = options.max_batch_size
        self._buffer: deque[ConsumerRecord[Any, Any]] = deque()
        self._next: int | None = None  # the offset expected next; older records (already buffered) are dropped
        self._wake = asyncio.Event()
        self._closing = False
        self.task = asyncio.create_task(self._run(), name=f"kafka:{function}:{tp.topic}[{tp.partition}]")

    def feed(self, records: Records) -> bool:
        """Buffer fetched records; True when the buffer is full and fetching for the partition should pause."""
        fresh = [r for r in records if self._next is None or r.offset >= self._next]
        if fresh:
            self._buffer.extend(fresh)
            self._next = fresh[-1].offset + 1
            self._wake.set()
        return len(self._buffer) >= self._high_water

    def forget_position(self) -> None:
        """The consumer was moved to another point of the log (a reset): accept its records from wherever they start."""
        self._next = None

    def close(self) -> None:
        """Take no new batch; the one being processed finishes and is settled. Buffered records are left for
        the next owner of the partition (they are not committed)."""
        self._closing = True
        self._wake.set()

    async def _run(self) -> None:
        try:
            await self._loop()
        except Exception:
            logger.exception(
                "Function '%s': processing of %s/%d stopped unexpectedly; its uncommitted events are redelivered "
                "after the next rebalance or restart",
                self._function,
                self.tp.topic,
                self.tp.partition,
            )
            raise

    async def _loop(self) -> None:
        while True:
            while not self._buffer and not self._closing:
                self._wake.clear()
                await self._wake.wait()
            if self._closing:
                return
            batch = [self._buffer.popleft() for _ in range(min(self._batch_size, len(self._buffer)))]
            if len(self._buffer) <= self._low_water:
                self._control.resume(self.tp)
            succeeded = await self._control.invoke(batch)
            self._settle(batch, succeeded)

    def _settle(self, batch: Records, succeeded: bool) -> None:
        first, last = batch[0], batch[-1]
        key = (self.tp, first.offset)
        failures = 0 if succeeded else self._failures.get(key, 0) + 1
        action = settle_action(succeeded, self._options, failures)
        where = f"{self.tp.topic} / {self.tp.partition} / {first.offset}"
        if action is Action.REDELIVER:
            self._failures[key] = failures
            limit = "unlimited" if self._options.max_retries < 0 else str(self._options.max_retries)
            logger.warning(
                "Function '%s' failed for %s (%d event(s)); the offset is not committed and the event(s) will be "
                "redelivered (failure %d, maxRetries %s)",
                self._function,
                where,
                len(batch),
                failures,
                limit,
            )
            self._buffer.clear()
            self._next = first.offset
            self._control.rewind(self.tp, first.offset)
            self._control.resume(self.tp)
            return
        self._failures.pop(key, None)
        if action is Action.FORCE_COMMIT:
            logger.error(
                "Function '%s' failed for %s (%d event(s)) after %d redeliveries (host.json extensions.kafka."
                "maxRetries = %d). The offset is force-committed to %d and the event(s) are SKIPPED. Consider "
                "dead-letter handling in the function code.",
                self._function,
                where,
                len(batch),
                failures - 1,
                self._options.max_retries,
                last.offset + 1,
            )
        self._control.store(self.tp, last.offset + 1)
