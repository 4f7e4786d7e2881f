"""Azure Storage Queue trigger: polls the queue as Azure's QueueListener does and feeds each leased message to
`QueueProcessor`, which converts it, invokes the function and settles it (poison rules, delete, release).

Polling (Microsoft.Azure.WebJobs.Extensions.Storage.Common/src/Shared/Queues/QueueListener.cs): receive up to
batchSize messages with a 10-minute visibility timeout (renewed while a function runs); fetch the next batch
once in-flight work drops to newBatchThreshold; back off exponentially from 100 ms to maxPollingInterval while
the queue is empty, missing or unreachable. Stop: fetch no more, drain within the grace period, settle, close.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from azure.storage.queue import QueueMessage

from funchost.bindings.queue import trigger_kind
from funchost.brokers.azure_storage import service_client
from funchost.metadata.binding_settings import QueueBindingSettings
from funchost.metadata.trigger_kinds import QUEUE
from funchost.queue_watcher import QUEUE_WATCHER
from funchost.triggers.base import ListenerContext, ListenerState
from funchost.triggers.gate import WorkGate
from funchost.triggers.queue.lease import MessageLease
from funchost.triggers.queue.polling import PollingBackoff, backoff_wait, connection_string, lease_seconds
from funchost.triggers.queue.processor import QueueProcessor, message_converter, poison_queue_name
from funchost.triggers.queue.reader import QueueReader

logger = logging.getLogger("funchost.queue")
# QueueReader.available: not polled yet / the last receive worked / it failed
_AVAILABILITY = {None: ListenerState.STARTING, True: ListenerState.RUNNING, False: ListenerState.FAILED}


class QueueListener:
    def __init__(self, ctx: ListenerContext) -> None:
        assert isinstance(ctx.settings, QueueBindingSettings)
        self._ctx = ctx
        self._function = ctx.invoker.name
        self.name = f"queue:{self._function}"
        where = f"Queue trigger of function '{self._function}'"
        self._options = QUEUE.options(ctx.app.host_config)
        self._lease = lease_seconds(self._function)
        self._binding = ctx.invoker.spec.trigger.name
        annotation = ctx.app.function(self._function).annotations.get(self._binding)
        kind = trigger_kind(self._function, self._binding, annotation)
        setting = ctx.settings.connection.setting_name
        self._service = service_client(connection_string(ctx.settings, where), where, setting)
        self._queue = self._service.get_queue_client(ctx.settings.queue_name)
        poison = poison_queue_name(ctx.settings.queue_name)
        self._processor = QueueProcessor(
            self._queue,
            self._service.get_queue_client(poison) if poison else None,
            self._options,
            invoker=ctx.invoker,
            binding=self._binding,
            convert=message_converter(kind),
        )
        self._reader = QueueReader(
            self._queue,
            function=self._function,
            setting_name=setting,
            batch_size=self._options.batch_size,
            lease=self._lease,
            max_backoff=self._options.max_polling_interval,
        )
        self._gate = WorkGate(self._options.concurrency, self.name)
        self._processing: set[asyncio.Task[Any]] = set()
        self._backoff = PollingBackoff(self._options.max_polling_interval)
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    # -- Listener contract -------------------------------------------------------------------------------------

    def state(self) -> ListenerState:
        if self._stopped:
            return ListenerState.STOPPED
        if self._stopping.is_set():
            return ListenerState.STOPPING
        if self._reader.waiting_for_queue:
            return ListenerState.WAITING
        return _AVAILABILITY[self._reader.available]

    def detail(self) -> str:
        """Why the state is not plainly "running" (shown by /readyz)."""
        return self._reader.problem

    @property
    def in_flight(self) -> int:
        return self._gate.in_flight

    async def start(self) -> None:
        QUEUE_WATCHER.register(self._queue.url, self._wake.set)
        self._task = asyncio.create_task(self._run(), name=self.name)
        logger.info(
            "Queue trigger '%s' listening on queue '%s' at %s (batchSize %d, newBatchThreshold %d, "
            "maxDequeueCount %d, messageEncoding %s)",
            self._function,
            self._queue.queue_name,
            self._reader.endpoint,
            self._options.batch_size,
            self._options.new_batch_threshold,
            self._options.max_dequeue_count,
            self._options.message_encoding,
        )

    async def stop(self, grace_seconds: float) -> None:
        self._stopping.set()
        QUEUE_WATCHER.unregister(self._queue.url, self._wake.set)
        if self._task is not None:
            await self._task  # lets a receive in progress finish; what it fetched is handed straight back
        await self._gate.drain(grace_seconds)
        await self._service.close()
        self._stopped = True

    async def trigger_manually(self, payload: str) -> None:
        message = QueueMessage(content=payload, id=str(uuid.uuid4()), dequeue_count=1)
        await self._processor.invoke(message, payload.encode("utf-8"))

    # -- polling -----------------------------------------------------------------------------------------------

    async def _run(self) -> None:
        found_since_delay = False
        while not self._stopping.is_set():
            await self._wait_for_new_batch_threshold()
            if self._stopping.is_set():
                return
            self._wake.clear()  # a wake-up from now on cuts the next back-off short
            try:
                batch = await self._reader.fetch()
            except Exception:  # never let the poll loop die silently
                logger.exception("Queue trigger '%s': unexpected error while polling; backing off", self._function)
                batch = None
            if not batch:
                if await self._sleep(self._backoff.next_delay(found_since_delay)):
                    return
                found_since_delay = False
                continue
            found_since_delay = True
            if self._stopping.is_set():
                await asyncio.gather(*(self._processor.release(self._lease_of(m), 0) for m in batch))
                return
            for message in batch:
                await self._gate.acquire()
                task = self._gate.spawn(self._processor.process(self._lease_of(message)))
                self._processing.add(task)
                task.add_done_callback(self._processing.discard)

    async def _wait_for_new_batch_threshold(self) -> None:
        """QueueListener.WaitForNewBatchThreshold: fetch again once in-flight work is down to the threshold."""
        while len(self._processing) > self._options.new_batch_threshold and not self._stopping.is_set():
            stop = asyncio.create_task(self._stopping.wait())
            await asyncio.wait({stop, *self._processing}, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()

    async def _sleep(self, seconds: float) -> bool:
        return await backoff_wait(seconds, self._stopping, self._wake)

    def _lease_of(self, message: QueueMessage) -> MessageLease:
        return MessageLease(self._queue, message, self._lease)
