"""`QueueReader`: one GetMessages call at a time for the queue listener, with Azure's availability handling
(QueueListener.ExecuteAsync): check that the queue exists before reading (a missing queue is waited for, never
created), re-check after any error, and report storage that cannot be reached clearly instead of crashing.
"""

from __future__ import annotations

import logging
import time

from azure.core.exceptions import AzureError
from azure.storage.queue import QueueMessage
from azure.storage.queue.aio import QueueClient

from funchost.brokers.azure_storage import describe, is_queue_missing, is_unreachable

logger = logging.getLogger("funchost.queue")
OUTAGE_REMINDER = 60.0  # seconds between repeated "still unreachable" errors


class QueueReader:
    def __init__(
        self, queue: QueueClient, *, function: str, setting_name: str, batch_size: int, lease: int, max_backoff: float
    ) -> None:
        self.queue = queue
        self.available: bool | None = None  # None until the first answer; False while storage cannot be read
        self._function = function
        self._setting_name = setting_name
        self._batch_size = batch_size
        self._lease = lease
        self._max_backoff = max_backoff
        self._queue_exists: bool | None = None
        self._outage_logged_at: float | None = None
        self.problem = ""
        """Why the queue cannot be read right now (for /readyz), empty while it can."""

    @property
    def waiting_for_queue(self) -> bool:
        """Storage answers but the queue does not exist (yet)."""
        return self.available is True and self._queue_exists is False

    @property
    def endpoint(self) -> str:
        return self.queue.url.split("?", 1)[0].rsplit("/", 1)[0]  # never the SAS token of a connection string

    async def fetch(self) -> list[QueueMessage] | None:
        """Up to batchSize messages, leased for `lease` seconds; None when the queue is missing or unreachable."""
        try:
            if not self._queue_exists:
                await self.queue.get_queue_properties()
                if self._queue_exists is False:
                    logger.info("Queue '%s' now exists; function '%s' starts", self.queue.queue_name, self._function)
                self._queue_exists = True
            pages = self.queue.receive_messages(
                messages_per_page=self._batch_size, visibility_timeout=self._lease
            ).by_page()
            try:
                page = await anext(pages)
            except StopAsyncIteration:
                batch: list[QueueMessage] = []
            else:
                batch = [message async for message in page]
        except AzureError as exc:
            self._on_error(exc)
            return None
        self._on_reachable()
        return batch

    def _on_error(self, exc: AzureError) -> None:
        if is_queue_missing(exc):
            self._on_reachable()
            if self._queue_exists is not False:
                logger.warning(
                    "Queue '%s' (%s) does not exist. Function '%s' waits for it: like Azure, the trigger does not "
                    "create its queue, and while it is missing it polls with back-off up to maxPollingInterval "
                    "(%g s, host.json extensions.queues), so it starts within that long of the queue appearing. "
                    "Fix: create the queue, or let an output binding create it by sending to it",
                    self.queue.queue_name,
                    self.endpoint,
                    self._function,
                    self._max_backoff,
                )
            self._queue_exists = False
            self.problem = (
                f"queue '{self.queue.queue_name}' does not exist at {self.endpoint}; polled with back-off up to "
                f"maxPollingInterval ({self._max_backoff:g} s) until it is created"
            )
            return
        self._queue_exists = None
        self.available = False
        self.problem = (
            f"cannot read queue '{self.queue.queue_name}' at {self.endpoint} (connection setting "
            f"'{self._setting_name}'): {describe(exc)}"
        )
        now = time.monotonic()
        if self._outage_logged_at is not None and now - self._outage_logged_at < OUTAGE_REMINDER:
            return
        self._outage_logged_at = now
        fix = (
            "start the storage service (Azurite: scripts/services/azurite start)"
            if is_unreachable(exc)
            else "check the account name and key"
        )
        logger.error(
            "Queue trigger '%s' cannot read queue '%s' at %s (connection setting '%s'): %s. Retrying with back-off "
            "up to %.0f s. Fix: %s, or correct the app setting '%s'",
            self._function,
            self.queue.queue_name,
            self.endpoint,
            self._setting_name,
            describe(exc),
            self._max_backoff,
            fix,
            self._setting_name,
        )

    def _on_reachable(self) -> None:
        self.problem = ""
        if self._outage_logged_at is not None:
            logger.info("Queue trigger '%s' reached %s again", self._function, self.endpoint)
            self._outage_logged_at = None
        self.available = True
