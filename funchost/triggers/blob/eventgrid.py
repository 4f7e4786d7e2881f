"""The blob trigger's `EventGrid` source: Event Grid events → messages on the shared blob-trigger queue.

With `source: EventGrid` nothing scans the container. Event Grid posts `Microsoft.Storage.BlobCreated` events to the
blob extension's webhook (funchost/http/webhooks.py); for each one the extension (BlobsExtensionConfigProvider,
ProcessEventsAsync) writes a BlobTriggerMessage — container and blob from `data.url`, ETag `data.eTag` in quotes,
`data.blobType` — to `azure-webjobs-blobtrigger-<hostId>`, with no blob receipt, and the shared queue's consumer runs
the function with the same retries and poison queue as the polling source (`shared_queue`, `executor.run`, `poison`).
Both event schemas carry that `data`: Event Grid events (`eventType`) and CloudEvents 1.0 (`type`).

Where funchost is stricter than the extension, it is so that a bad delivery is answered rather than half-queued:
every event of a batch is checked before any is queued (a malformed one → `WebhookPayloadError`, HTTP 400), events
of another type (BlobDeleted, ...) and blobs outside the trigger's container or path pattern are skipped, as the
polling source never sees them.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from funchost.errors import WebhookPayloadError
from funchost.triggers.blob.shared_queue import SharedBlobQueue

logger = logging.getLogger("funchost.blob")
BLOB_CREATED = "Microsoft.Storage.BlobCreated"
ENQUEUE_CONCURRENCY = 32  # messages written at once for a batch (Event Grid sends up to 5,000 events per request)


@dataclass(frozen=True)
class BlobEvent:
    container: str
    name: str
    etag: str  # quoted, as the extension writes it
    blob_type: str


def blob_path(url: str, account_url: str) -> tuple[str, str]:
    """(container, blob name) of a blob URL, as Azure.Storage's BlobUriBuilder splits it: after the account in a
    path-style URL (an IP or localhost host, the emulator's form, or the app's own account URL), else the first
    path segment is the container."""
    parts = urlsplit(url)
    path = parts.path.lstrip("/")
    account = urlsplit(account_url)
    own = account.netloc == parts.netloc and account.path.strip("/")
    if own and path.startswith(own + "/"):
        path = path[len(own) + 1 :]
    elif _path_style(parts.hostname or ""):
        path = path.partition("/")[2]  # the first segment is the account
    container, _, name = path.partition("/")
    return unquote(container), unquote(name)


def _path_style(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def parse_event(event: object, index: int, account_url: str) -> BlobEvent | None:
    """One event of a delivery (Event Grid or CloudEvents schema); None when it is not a BlobCreated event."""
    where = f"event {index}"
    if not isinstance(event, dict):
        raise WebhookPayloadError(f"{where} is not a JSON object")
    kind = event.get("eventType", event.get("type"))
    if not isinstance(kind, str):
        raise WebhookPayloadError(f"{where} has no eventType (Event Grid schema) or type (CloudEvents schema)")
    if kind != BLOB_CREATED:
        return None
    data: Any = event.get("data")
    if not isinstance(data, dict):
        raise WebhookPayloadError(f"{where} ({kind}) has no data object")
    missing = [field for field in ("url", "eTag", "blobType") if not isinstance(data.get(field), str)]
    if missing:
        raise WebhookPayloadError(f"{where} ({kind}) has no data.{', data.'.join(missing)} string")
    container, name = blob_path(data["url"], account_url)
    if not container or not name:
        raise WebhookPayloadError(f"{where} ({kind}): data.url '{data['url']}' does not name a blob")
    return BlobEvent(container, name, '"' + data["eTag"].strip('"') + '"', data["blobType"])


class BlobEventReceiver:
    """What the webhook hands a function's events to: they become messages on the host's shared queue."""

    def __init__(
        self, *, function_id: str, container: str, matcher: re.Pattern[str], queue: SharedBlobQueue, account_url: str
    ) -> None:
        self.function_id = function_id
        self.container = container
        self.matcher = matcher
        self.queue = queue
        self.account_url = account_url
        self._slots = asyncio.Semaphore(ENQUEUE_CONCURRENCY)

    def messages(self, events: list[object]) -> list[dict[str, Any]]:
        """The messages to queue for a delivery (raises `WebhookPayloadError` before any is queued)."""
        parsed = [parse_event(event, i, self.account_url) for i, event in enumerate(events)]
        wanted = [e for e in parsed if e is not None and self.wants(e)]
        if len(wanted) < len(events):
            logger.debug("Blob trigger '%s': %d event(s) skipped", self.function_id, len(events) - len(wanted))
        return [
            {
                "Type": "BlobTrigger",
                "FunctionId": self.function_id,
                "BlobType": e.blob_type,
                "ContainerName": e.container,
                "BlobName": e.name,
                "ETag": e.etag,
            }
            for e in wanted
        ]

    def wants(self, event: BlobEvent) -> bool:
        return event.container == self.container and self.matcher.match(event.name) is not None

    async def receive(self, events: list[object]) -> int:
        """Queue the delivery's blobs; the number queued."""
        messages = self.messages(events)
        await asyncio.gather(*(self._send(message) for message in messages))
        return len(messages)

    async def _send(self, message: dict[str, Any]) -> None:
        async with self._slots:
            await self.queue.enqueue(message)
