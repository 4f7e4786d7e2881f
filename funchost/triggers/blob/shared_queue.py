"""The host's shared blob-trigger queue `azure-webjobs-blobtrigger-<hostId>` (BlobTriggerQueueWriter and
SharedBlobQueueListener): scans put one message per new blob version on it, and ONE consumer per host and storage
account takes them for every blob-triggered function, at most maxDegreeOfParallelism at a time (extensions.blobs,
through the queue options the extension derives from it). A message names the function; the consumer hands it to
that function's registered handler, or drops it when no such function runs here (BlobQueueTriggerExecutor).

Message (BlobTriggerMessage, JSON, base64 as the extension's queue client writes it):
`{"Type": "BlobTrigger", "FunctionId": ..., "BlobType": "BlockBlob", "ContainerName": ..., "BlobName": ...,
"ETag": ...}`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from azure.core.exceptions import AzureError, ResourceExistsError
from azure.storage.queue.aio import QueueServiceClient

from funchost.metadata.extension_options import BlobsOptions
from funchost.queue_watcher import QUEUE_WATCHER
from funchost.triggers.blob.poison import POISON_QUEUE, settle
from funchost.triggers.gate import WorkGate
from funchost.triggers.queue.lease import MessageLease
from funchost.triggers.queue.polling import PollingBackoff, backoff_wait, lease_seconds
from funchost.triggers.queue.processor import send_creating_queue
from funchost.triggers.queue.reader import QueueReader

logger = logging.getLogger("funchost.blob")
QUEUE_PREFIX = "azure-webjobs-blobtrigger-"  # HostQueueNames.GetHostBlobTriggerQueueName
Handler = Callable[[dict[str, Any]], Awaitable[bool]]


def queue_name(host_id: str) -> str:
    return QUEUE_PREFIX + host_id


class SharedBlobQueue:
    def __init__(self, service: QueueServiceClient, host_id: str, options: BlobsOptions, setting_name: str) -> None:
        self._service = service
        self.name = queue_name(host_id)
        self.queue = service.get_queue_client(self.name)
        self.poison = service.get_queue_client(POISON_QUEUE)
        self._options = options.queue_options()
        self._lease = lease_seconds("(blob trigger queue)")
        self._reader = QueueReader(
            self.queue,
            function="(blob triggers)",
            setting_name=setting_name,
            batch_size=self._options.batch_size,
            lease=self._lease,
            max_backoff=self._options.max_polling_interval,
        )
        self._gate = WorkGate(options.max_degree_of_parallelism, f"queue:{self.name}")
        self._handlers: dict[str, Handler] = {}
        self._backoff = PollingBackoff(self._options.max_polling_interval)
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._created = False

    @property
    def in_flight(self) -> int:
        return self._gate.in_flight

    @property
    def handlers(self) -> int:
        return len(self._handlers)

    def register(self, function_id: str, handler: Handler) -> None:
        self._handlers[function_id] = handler
        if self._task is None:
            QUEUE_WATCHER.register(self.queue.url, self._wake.set)
            self._task = asyncio.create_task(self._run(), name=f"blob-queue:{self.name}")

    def unregister(self, function_id: str) -> None:
        self._handlers.pop(function_id, None)

    async def ensure_queue(self) -> None:
        """Create the shared queue once (the extension's writer creates it on first send; creating it up front
        keeps the consumer from reporting a missing queue). Unreachable storage is left to the consumer."""
        if self._created:
            return
        try:
            await self.queue.create_queue()
        except ResourceExistsError:
            pass
        except AzureError:
            return
        self._created = True

    async def enqueue(self, message: dict[str, Any]) -> None:
        text = base64.b64encode(json.dumps(message).encode("utf-8")).decode("ascii")
        await send_creating_queue(self.queue, text)  # wakes this host's consumer at once

    async def stop(self, grace_seconds: float) -> None:
        self._stopping.set()
        QUEUE_WATCHER.unregister(self.queue.url, self._wake.set)
        if self._task is not None:
            await self._task
        await self._gate.drain(grace_seconds)
        await self._service.close()

    async def _dispatch(self, body: bytes) -> bool:
        try:
            message = json.loads(body)
            function_id = str(message["FunctionId"])
        except (ValueError, KeyError, TypeError):
            logger.error("Blob trigger queue '%s': a message that is not a blob trigger message: %r", self.name, body)
            return False
        handler = self._handlers.get(function_id)
        if handler is None:
            logger.info("Blob trigger queue '%s': no function '%s' runs here; message dropped", self.name, function_id)
            return True
        return await handler(message)

    async def _run(self) -> None:
        found = False
        while not self._stopping.is_set():
            self._wake.clear()
            free = self._gate.free
            batch = await self._reader.fetch() if free > 0 else []
            if batch is None or not batch:
                if await self._sleep(self._backoff.next_delay(found) if free > 0 else 0.05):
                    return
                found = False
                continue
            found = True
            for message in batch:
                await self._gate.acquire()
                lease = MessageLease(self.queue, message, self._lease)
                self._gate.spawn(
                    settle(lease, self.queue, self.poison, self._options.max_dequeue_count, self._dispatch)
                )

    async def _sleep(self, seconds: float) -> bool:
        return await backoff_wait(seconds, self._stopping, self._wake)
