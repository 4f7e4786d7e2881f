"""Blob receipts, as the extension's BlobReceiptManager keeps them: one empty blob per (function, blob version) at
`azure-webjobs-hosts/blobreceipts/<hostId>/<functionId>/<ETag>/<container>/<blob>` (the ETag before the blob name,
which may contain slashes). A receipt is created *incomplete* (metadata `Incomplete`) with If-None-Match: *, claimed
with a 30-second lease, and marked complete (metadata removed, under the lease) once the blob's message is on the
shared queue — so each blob version is queued once across all instances and restarts, and a claim whose holder
died (the lease lapses, the receipt stays incomplete) is taken over by the next scan.
"""

from __future__ import annotations

import contextlib

from azure.core.exceptions import AzureError, HttpResponseError, ResourceExistsError
from azure.storage.blob.aio import BlobClient, BlobLeaseClient, BlobServiceClient

from funchost.brokers.azure_storage import (
    is_blob_exists,
    is_container_missing,
    is_lease_lost,
    is_lease_taken,
    is_not_found,
)

HOSTS_CONTAINER = "azure-webjobs-hosts"
RECEIPTS_DIRECTORY = "blobreceipts"
INCOMPLETE = "Incomplete"  # BlobReceipt.IncompleteKey: its presence marks an unfinished receipt
LEASE_SECONDS = 30  # BlobReceiptManager.LeasePeriod


def completed(metadata: dict[str, str]) -> bool:
    return not any(key.lower() == INCOMPLETE.lower() for key in metadata)


def receipt_name(host_id: str, function_id: str, container: str, blob: str, etag: str) -> str:
    return f"{RECEIPTS_DIRECTORY}/{host_id}/{function_id}/{etag}/{container}/{blob}"


class BlobReceipts:
    def __init__(self, service: BlobServiceClient, host_id: str, function_id: str) -> None:
        self._hosts = service.get_container_client(HOSTS_CONTAINER)
        self._host_id = host_id
        self._function_id = function_id

    def reference(self, container: str, blob: str, etag: str) -> BlobClient:
        return self._hosts.get_blob_client(receipt_name(self._host_id, self._function_id, container, blob, etag))

    async def read(self, receipt: BlobClient) -> bool | None:
        """None: no receipt; True: completed; False: incomplete."""
        metadata = await self.metadata(receipt)
        return None if metadata is None else completed(metadata)

    async def metadata(self, receipt: BlobClient) -> dict[str, str] | None:
        """The receipt's metadata (None: no receipt)."""
        try:
            properties = await receipt.get_blob_properties()
        except AzureError as exc:
            if is_not_found(exc):
                return None
            raise
        return dict(properties.metadata or {})

    async def try_create(self, receipt: BlobClient) -> bool:
        """Create the incomplete receipt unless one exists (False: another instance just created it)."""
        for attempt in (1, 2):
            try:
                await receipt.upload_blob(b"", metadata={INCOMPLETE: INCOMPLETE}, if_none_match="*")
                return True
            except ResourceExistsError:
                return False
            except HttpResponseError as exc:
                if is_blob_exists(exc):
                    return False
                if attempt == 1 and is_container_missing(exc):
                    with contextlib.suppress(ResourceExistsError):
                        await self._hosts.create_container()
                    continue
                raise
        return False  # pragma: no cover - the loop returns or raises

    async def try_lease(self, receipt: BlobClient) -> BlobLeaseClient | None:
        """Claim the receipt for 30 s; None when another holder has it or it was deleted."""
        lease = BlobLeaseClient(receipt)
        try:
            await lease.acquire(lease_duration=LEASE_SECONDS)
        except HttpResponseError as exc:
            if is_lease_taken(exc) or is_not_found(exc):
                return None
            raise
        return lease

    async def mark_completed(
        self, receipt: BlobClient, lease: BlobLeaseClient, metadata: dict[str, str] | None = None
    ) -> None:
        """Remove `Incomplete` from the metadata, under the lease. `metadata`: as read while holding the lease (no
        one else can change it then), which saves reading it again as BlobReceiptManager.MarkCompletedAsync does."""
        try:
            if metadata is None:
                metadata = dict((await receipt.get_blob_properties(lease=lease)).metadata or {})
            kept = {k: v for k, v in metadata.items() if k.lower() != INCOMPLETE.lower()}
            await receipt.set_blob_metadata(kept, lease=lease)
        except HttpResponseError as exc:
            if not (is_not_found(exc) or is_lease_lost(exc)):
                raise

    async def release(self, lease: BlobLeaseClient) -> None:
        try:
            await lease.release()
        except HttpResponseError as exc:
            if not (is_not_found(exc) or is_lease_lost(exc)):
                raise
