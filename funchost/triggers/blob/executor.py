"""The two halves of one blob's trip, as the extension splits them:

- `enqueue()` (BlobTriggerExecutor): a scanned blob that matches the path pattern and still exists gets a receipt
  (created incomplete, leased, re-read) and, if no instance completed it yet, a message on the shared queue; then
  the receipt is marked complete with the metadata read under the lease. A blob newer than the last finished
  sweep's mark tries the conditional create before any read: 6 requests for a new blob (create, lease, read,
  queue, mark, release) where the extension makes 8. False means "try again next poll" (another instance holds
  the receipt).
- `run()` (BlobQueueTriggerExecutor): a queued message's blob is fetched; gone, or changed since (another ETag: the
  new version has its own receipt), it is dropped; else the function runs with the content. False (the function
  failed) lets the queue retry it up to poisonBlobThreshold times. With the EventGrid source the ETag is not
  compared (the extension checks it only for LogsAndContainerScan): the blob's current content runs.
"""

from __future__ import annotations

import logging
import re
from functools import partial
from typing import Any

from azure.core.exceptions import AzureError
from azure.storage.blob.aio import ContainerClient

from funchost.bindings.binding_data import blob_binding_data
from funchost.bindings.blob_properties import worker_blob_properties
from funchost.brokers.azure_storage import is_not_found
from funchost.errors import InvocationError
from funchost.invocation import FunctionInvoker
from funchost.triggers.blob.convert import BlobKind, blob_value
from funchost.triggers.blob.receipts import BlobReceipts, completed
from funchost.triggers.blob.scanner import Candidate, quoted_etag
from funchost.triggers.blob.shared_queue import SharedBlobQueue

logger = logging.getLogger("funchost.blob")


class BlobTriggerExecutor:
    def __init__(
        self,
        container: ContainerClient,
        receipts: BlobReceipts,
        queue: SharedBlobQueue,
        *,
        function_id: str,
        matcher: re.Pattern[str],
        invoker: FunctionInvoker,
        binding: str,
        kind: BlobKind,
        check_etag: bool = True,
    ) -> None:
        self.container = container
        self.receipts = receipts
        self.queue = queue
        self.function_id = function_id
        self.matcher = matcher
        self._invoker = invoker
        self._binding = binding
        self._kind = kind
        self._check_etag = check_etag
        self.invocations = 0

    def matches(self, blob_name: str) -> re.Match[str] | None:
        return self.matcher.match(blob_name)

    async def enqueue(self, blob: Candidate) -> bool:
        if self.matches(blob.name) is None:
            return True
        receipt = self.receipts.reference(self.container.container_name, blob.name, blob.etag)
        # A blob no finished sweep saw is most likely new: create its receipt first (one request then); else read
        # first, as the extension does, so a rescan of the newest second costs one read per blob.
        if not (blob.fresh and await self.receipts.try_create(receipt)):
            state = await self.receipts.read(receipt)
            if state is True:
                return True  # already queued by this or another instance
            if state is None and (blob.fresh or not await self.receipts.try_create(receipt)):
                return False  # another instance just created (or deleted) it: try again next poll
        lease = await self.receipts.try_lease(receipt)
        if lease is None:
            return False  # another instance holds it (or took it over)
        try:
            metadata = await self.receipts.metadata(receipt)  # again, under the lease
            if metadata is None or completed(metadata):
                return metadata is not None
            await self.queue.enqueue(
                {
                    "Type": "BlobTrigger",
                    "FunctionId": self.function_id,
                    "BlobType": blob.blob_type if blob.blob_type.endswith("Blob") else f"{blob.blob_type}Blob",
                    "ContainerName": self.container.container_name,
                    "BlobName": blob.name,
                    "ETag": blob.etag,
                }
            )
            await self.receipts.mark_completed(receipt, lease, metadata)
            return True
        finally:
            await self.receipts.release(lease)

    async def run(self, message: dict[str, Any]) -> bool:
        name = str(message.get("BlobName", ""))
        client = self.container.get_blob_client(name)
        try:
            download = await client.download_blob()
            data = await download.readall()
        except AzureError as exc:
            if is_not_found(exc):
                logger.info("Blob '%s' no longer exists; its queued trigger message is dropped", name)
                return True
            raise
        properties = download.properties
        if self._check_etag and quoted_etag(properties.etag) != quoted_etag(message.get("ETag")):
            return True  # changed since it was queued: the new version has its own receipt and message
        match = self.matches(name)
        if match is None:
            return True
        inputs: dict[str, Any] = {self._binding: self._value(name, client.url, data, properties)}
        self.invocations += 1
        path, groups = f"{self.container.container_name}/{name}", match.groupdict()
        make = partial(blob_binding_data, path=path, uri=client.url, properties=properties, parameters=groups)
        try:
            await self._invoker.invoke(inputs, binding_data=make if self._invoker.needs_binding_data else None)
        except InvocationError:
            return False  # logged by the invoker with the user's traceback
        return True

    def _value(self, name: str, uri: str, data: bytes, properties: Any) -> object:
        path = f"{self.container.container_name}/{name}"
        return blob_value(self._kind, path=path, uri=uri, data=data, properties=worker_blob_properties(properties))
