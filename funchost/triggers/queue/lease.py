"""`MessageLease`: a received storage-queue message, its newest pop receipt, and the renewal that keeps it
invisible while its function runs (QueueListener.CreateUpdateMessageVisibilityTimer and
UpdateQueueMessageVisibilityCommand.cs: update halfway to expiry, sooner after a failed update, and stop for
good once the pop receipt no longer matches or the message is gone).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from azure.core.exceptions import AzureError
from azure.storage.queue import QueueMessage
from azure.storage.queue.aio import QueueClient

from funchost.brokers.azure_storage import describe, is_lost_message
from funchost.triggers.queue.polling import renewal_intervals

logger = logging.getLogger("funchost.queue")


class MessageLease:
    """A received message and its current pop receipt, renewed halfway to expiry while the function runs
    (QueueListener.CreateUpdateMessageVisibilityTimer + UpdateQueueMessageVisibilityCommand)."""

    def __init__(self, queue: QueueClient, message: QueueMessage, lease_seconds: int) -> None:
        self.queue = queue
        self.message = message
        self.pop_receipt: str = message.pop_receipt or ""
        self._lease = lease_seconds
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start_renewing(self) -> None:
        self._task = asyncio.create_task(self._renew(), name=f"queue-lease:{self.message.id}")

    async def stop_renewing(self) -> None:
        """Stop after any renewal in progress, so the pop receipt used to settle is the newest one."""
        self._stop.set()
        if self._task is not None:
            await self._task

    async def _renew(self) -> None:
        normal, fastest = renewal_intervals(self._lease)
        interval = normal
        while not await self._stopped_within(interval):
            try:
                updated = await self.queue.update_message(
                    self.message.id, self.pop_receipt, visibility_timeout=self._lease
                )
            except AzureError as exc:
                if is_lost_message(exc):
                    logger.warning("Queue message '%s' can no longer be renewed (%s)", self.message.id, describe(exc))
                    return
                interval = max(interval / 2, fastest)
                logger.warning("Renewing queue message '%s' failed (%s); retrying", self.message.id, describe(exc))
                continue
            self.pop_receipt = updated.pop_receipt or self.pop_receipt
            interval = normal

    async def _stopped_within(self, seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)
        return self._stop.is_set()
