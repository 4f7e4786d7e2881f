"""Processing one storage-queue message as Azure's QueueListener.ProcessMessageAsync and QueueProcessor do:
decode, the poison rules, convert and invoke while the lease is renewed, then delete on success or release on
failure — one direction, in one object (the listener only feeds it leased messages).

Rules (Microsoft.Azure.WebJobs.Extensions.Storage.Common/src/Shared/Queues/QueueProcessor.cs):
- before invoking, `DequeueCount > MaxDequeueCount` → move to the poison queue and skip;
- success → delete; failure with `DequeueCount >= MaxDequeueCount` → copy to the poison queue (created if
  missing), then delete; other failures → `UpdateMessage(visibilityTimeout)`;
- without a poison queue (the name would be invalid or already ends in "-poison") a failed message is left
  invisible until its lease lapses, so it cannot loop fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
from collections.abc import Callable

from azure.core.exceptions import AzureError, ResourceExistsError
from azure.storage.queue import QueueMessage
from azure.storage.queue.aio import QueueClient

from funchost.bindings.binding_data import queue_binding_data
from funchost.bindings.queue import MessageDecodingError, TriggerKind, decode_body, trigger_value
from funchost.brokers.azure_storage import describe, is_lost_message, is_queue_missing
from funchost.errors import InvocationError
from funchost.invocation import FunctionInvoker
from funchost.metadata.extension_options import QueuesOptions
from funchost.queue_watcher import QUEUE_WATCHER
from funchost.triggers.queue.lease import MessageLease

Convert = Callable[[QueueMessage, bytes], object]  # the message and its decoded body → the trigger argument

logger = logging.getLogger("funchost.queue")
POISON_SUFFIX = "-poison"
_QUEUE_NAME = re.compile(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")  # QueueClientExtensions.IsValidQueueName


def poison_queue_name(queue: str) -> str | None:
    """QueueListenerFactory.CreatePoisonQueueReference: "<queue>-poison" if valid and not already a poison queue."""
    if queue.endswith(POISON_SUFFIX):
        return None
    name = queue + POISON_SUFFIX
    return name if _QUEUE_NAME.match(name) else None


async def send_creating_queue(queue: QueueClient, text: str) -> None:
    """AddMessageAndCreateIfNotExistsAsync: send; if the queue does not exist, create it and send again."""
    try:
        await queue.send_message(text)
    except AzureError as exc:
        if not is_queue_missing(exc):
            raise
        with contextlib.suppress(ResourceExistsError):
            await queue.create_queue()
        await queue.send_message(text)
    QUEUE_WATCHER.notify(queue.url)


def message_converter(kind: TriggerKind) -> Convert:
    """The converter for a trigger parameter of `kind` (from its annotation, `funchost.bindings.queue`)."""

    def convert(message: QueueMessage, body: bytes) -> object:
        return trigger_value(
            kind,
            id=message.id,
            body=body,
            dequeue_count=message.dequeue_count or 0,
            expiration_time=message.expires_on,
            insertion_time=message.inserted_on,
            time_next_visible=message.next_visible_on,
            pop_receipt=message.pop_receipt,
        )

    return convert


def message_binding_data(message: QueueMessage, body: bytes) -> dict[str, object]:
    """The binding data of one message (`funchost.bindings.binding_data`)."""
    return queue_binding_data(
        body=body,
        id=message.id,
        dequeue_count=message.dequeue_count or 0,
        insertion_time=message.inserted_on,
        expiration_time=message.expires_on,
        next_visible_time=message.next_visible_on,
        pop_receipt=message.pop_receipt,
    )


class QueueProcessor:
    def __init__(
        self,
        queue: QueueClient,
        poison: QueueClient | None,
        options: QueuesOptions,
        *,
        invoker: FunctionInvoker,
        binding: str,
        convert: Convert,
    ) -> None:
        self.queue = queue
        self.poison = poison
        self.options = options
        self._invoker = invoker
        self._binding = binding
        self._convert = convert

    async def invoke(self, message: QueueMessage, body: bytes) -> bool:
        """Convert and run the function once; True if it succeeded. (Also the manual trigger, which settles
        nothing.)"""
        try:
            data = functools.partial(message_binding_data, message, body) if self._invoker.needs_binding_data else None
            await self._invoker.invoke({self._binding: self._convert(message, body)}, binding_data=data)
        except InvocationError:
            return False  # logged by the invoker with the user's traceback
        return True

    async def process(self, lease: MessageLease) -> None:
        try:
            body = decode_body(lease.message.content or "", self.options.message_encoding)
        except MessageDecodingError:
            await self.decoding_failed(lease)
            return
        if not await self.begin(lease):
            return
        lease.start_renewing()
        try:
            succeeded = await self.invoke(lease.message, body)
        except asyncio.CancelledError:  # the drain's grace period ran out: hand the message back now
            await lease.stop_renewing()
            await asyncio.shield(self.release(lease, 0))
            raise
        await lease.stop_renewing()
        await self.complete(lease, succeeded)

    async def begin(self, lease: MessageLease) -> bool:
        """False if the message was already dequeued more than maxDequeueCount times (it is moved to poison)."""
        if (lease.message.dequeue_count or 0) > self.options.max_dequeue_count:
            await self.move_to_poison(lease)
            return False
        return True

    async def complete(self, lease: MessageLease, succeeded: bool) -> None:
        if succeeded:
            await self.delete(lease)
        elif self.poison is not None:
            if (lease.message.dequeue_count or 0) >= self.options.max_dequeue_count:
                await self.move_to_poison(lease)
            else:
                await self.release(lease, self.options.visibility_timeout)
        # else: leave it invisible until the lease lapses (no fast loop without a poison queue)

    async def decoding_failed(self, lease: MessageLease) -> None:
        """QueueServiceClientProvider's MessageDecodingFailed handler: poison the raw text at once."""
        logger.warning("Message decoding has failed! Check MessageEncoding settings. MessageId=%s.", lease.message.id)
        await self.move_to_poison(lease)

    async def move_to_poison(self, lease: MessageLease) -> None:
        if self.poison is None:
            return
        logger.warning(
            "Message has reached MaxDequeueCount of %d. Moving message to queue '%s'.",
            self.options.max_dequeue_count,
            self.poison.queue_name,
        )
        await send_creating_queue(self.poison, lease.message.content or "")  # the stored text, unchanged
        await self.delete(lease)

    async def delete(self, lease: MessageLease) -> None:
        try:
            await self.queue.delete_message(lease.message.id, lease.pop_receipt)
        except AzureError as exc:
            if not is_lost_message(exc):
                raise
            logger.debug("Queue message '%s' was not deleted: %s", lease.message.id, describe(exc))

    async def release(self, lease: MessageLease, visibility_timeout: float) -> None:
        """Make the message visible again after `visibility_timeout` seconds (whole seconds, as the REST API)."""
        try:
            await self.queue.update_message(
                lease.message.id, lease.pop_receipt, visibility_timeout=int(visibility_timeout)
            )
        except AzureError as exc:
            if not is_lost_message(exc):
                raise
