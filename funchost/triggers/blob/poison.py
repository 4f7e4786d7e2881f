"""Settling one message of the shared blob-trigger queue as the extension's QueueProcessor does for it
(SharedBlobQueueListenerFactory): dequeue count above maxDequeueCount (= poisonBlobThreshold) → straight to
`webjobs-blobtrigger-poison`; success → delete; failure at the threshold → copy the message text unchanged to
`webjobs-blobtrigger-poison` (created if missing) and delete; other failures → visible again at once, so the next
poll of the shared queue retries the blob.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from azure.core.exceptions import AzureError
from azure.storage.queue.aio import QueueClient

from funchost.bindings.queue import MessageDecodingError, decode_body
from funchost.brokers.azure_storage import is_lost_message
from funchost.triggers.queue.lease import MessageLease
from funchost.triggers.queue.processor import send_creating_queue

logger = logging.getLogger("funchost.blob")
POISON_QUEUE = "webjobs-blobtrigger-poison"  # HostQueueNames.BlobTriggerPoisonQueue

Dispatch = Callable[[bytes], Awaitable[bool]]  # the message body → the function succeeded (or nothing to do)


async def settle(
    lease: MessageLease, queue: QueueClient, poison: QueueClient, max_dequeue_count: int, dispatch: Dispatch
) -> None:
    message = lease.message
    count = message.dequeue_count or 0
    try:
        body = decode_body(message.content or "", "base64")
    except MessageDecodingError:
        await _to_poison(lease, queue, poison, max_dequeue_count)
        return
    if count > max_dequeue_count:
        await _to_poison(lease, queue, poison, max_dequeue_count)
        return
    lease.start_renewing()
    try:
        succeeded = await dispatch(body)
    except asyncio.CancelledError:  # the drain's grace period ran out: hand the message back now
        await lease.stop_renewing()
        await asyncio.shield(_release(lease, queue))
        raise
    except Exception:
        logger.exception("Blob trigger: unexpected error processing queue message %s", message.id)
        succeeded = False
    await lease.stop_renewing()
    if succeeded:
        await _delete(lease, queue)
    elif count >= max_dequeue_count:
        await _to_poison(lease, queue, poison, max_dequeue_count)
    else:
        await _release(lease, queue)


async def _to_poison(lease: MessageLease, queue: QueueClient, poison: QueueClient, max_dequeue_count: int) -> None:
    logger.warning(
        "Message has reached MaxDequeueCount of %d. Moving message to queue '%s'.", max_dequeue_count, POISON_QUEUE
    )
    await send_creating_queue(poison, lease.message.content or "")
    await _delete(lease, queue)


async def _delete(lease: MessageLease, queue: QueueClient) -> None:
    try:
        await queue.delete_message(lease.message.id, lease.pop_receipt)
    except AzureError as exc:
        if not is_lost_message(exc):
            raise


async def _release(lease: MessageLease, queue: QueueClient) -> None:
    try:
        await queue.update_message(lease.message.id, lease.pop_receipt, visibility_timeout=0)
    except AzureError as exc:
        if not is_lost_message(exc):
            raise
