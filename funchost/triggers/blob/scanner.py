"""`ContainerScanner`: the container scan of ScanBlobScanLogHybridPollingStrategy, kept cheap with many blobs.

Each poll lists ONE page (at most `SCAN_BLOB_LIMIT_PER_POLL` = 10,000 blobs, the extension's budget) from the
continuation token where the previous poll stopped, so a poll costs one List Blobs call whatever the container's
size. A sweep is the run of pages from the start of the listing to its end. The high-water mark is the newest
Last-Modified seen in the last finished sweep: a blob is a candidate when its Last-Modified is at or after it
(at, because timestamps have one-second resolution). The mark is stored, 1 ms early, at
`azure-webjobs-hosts/blobscaninfo/<hostId>/<account>/<container>/<functionId>/scanInfo` as `{"LatestScan": ...}`
once a sweep ends, and never past a blob that could not be queued — so a restarted (or `kill -9`ed) instance
looks again at everything it had not finished. Candidates are deduplicated by receipts, not here.
"""

from __future__ import annotations

import datetime
import json
import logging
from dataclasses import dataclass

from azure.core.exceptions import AzureError
from azure.storage.blob.aio import BlobServiceClient, ContainerClient

from funchost.brokers.azure_storage import is_container_missing, is_not_found
from funchost.triggers.blob.receipts import HOSTS_CONTAINER

logger = logging.getLogger("funchost.blob")
SCAN_BLOB_LIMIT_PER_POLL = 10_000
NEVER = datetime.datetime.min.replace(tzinfo=datetime.UTC)


def quoted_etag(etag: object) -> str:
    """The ETag as the Blob service's ETag header carries it, in quotes (as .NET's ETag.ToString(), which the
    extension puts in receipt names and messages); listings give it bare, property reads quoted."""
    return '"' + str(etag).strip('"') + '"'


@dataclass(frozen=True)
class Candidate:
    name: str
    etag: str
    last_modified: datetime.datetime
    blob_type: str
    fresh: bool = False  # modified after the mark: no finished sweep saw it (its receipt most likely does not exist)


class ContainerScanner:
    def __init__(
        self,
        service: BlobServiceClient,
        container: ContainerClient,
        *,
        host_id: str,
        function_id: str,
        prefix: str = "",
        page_size: int = SCAN_BLOB_LIMIT_PER_POLL,
    ) -> None:
        self.container = container
        self.prefix = prefix
        self.page_size = page_size
        self.last_sweep_latest = NEVER  # LastSweepCycleLatestModified: the high-water mark
        self.current_sweep_latest = NEVER  # CurrentSweepCycleLatestModified
        self.continuation: str | None = None
        self.container_missing = False
        self.sweeps = 0  # finished sweeps (tests and benchmarks wait on it)
        self._retry: list[Candidate] = []  # failed last poll: tried again on the next (the extension's re-queue)
        self._sweep_failed: list[Candidate] = []  # failed during this sweep: the stored mark stays before them
        account = service.account_name or "account"
        name = f"blobscaninfo/{host_id}/{account}/{container.container_name}/{function_id}/scanInfo"
        self._scan_info = service.get_blob_client(HOSTS_CONTAINER, name)

    async def load(self) -> None:
        """StorageBlobScanInfoManager.LoadLatestScanAsync: the stored mark, or the start of time."""
        try:
            stream = await self._scan_info.download_blob()
            data = json.loads(await stream.readall())
            self.last_sweep_latest = datetime.datetime.fromisoformat(str(data["LatestScan"]))
        except AzureError as exc:
            if not is_not_found(exc):
                raise
        except (ValueError, KeyError, TypeError):
            logger.warning(
                "Blob scan info %s is unreadable; scanning the container from the start", self._scan_info.url
            )

    async def poll(self) -> list[Candidate]:
        """The blobs that failed last poll, then one page of the listing: those modified at or after the mark."""
        if self.continuation is None:
            self.current_sweep_latest = NEVER
        pages = self.container.list_blobs(
            name_starts_with=self.prefix or None, results_per_page=self.page_size
        ).by_page(continuation_token=self.continuation)
        try:
            page = [blob async for blob in await anext(pages)]
        except StopAsyncIteration:
            page = []
        except AzureError as exc:
            if is_container_missing(exc):
                self.container_missing = True
                return []
            raise
        self.container_missing = False
        found, seen = list(self._retry), {(c.name, c.etag) for c in self._retry}
        for blob in page:
            modified = blob.last_modified
            if modified is None:
                continue
            self.current_sweep_latest = max(self.current_sweep_latest, modified)
            if modified >= self.last_sweep_latest and (blob.name, quoted_etag(blob.etag)) not in seen:
                found.append(
                    Candidate(
                        blob.name,
                        quoted_etag(blob.etag),
                        modified,
                        str(getattr(blob.blob_type, "value", blob.blob_type) or "BlockBlob"),
                        modified > self.last_sweep_latest,
                    )
                )
        self.continuation = pages.continuation_token  # type: ignore[attr-defined]
        return found

    async def end_of_page(self, failed: list[Candidate]) -> None:
        """After the page's candidates were handled (`failed`: not queued): close the sweep if the listing ended
        and store the mark, never past a blob that failed."""
        self._retry = failed
        self._sweep_failed.extend(failed)
        if self.continuation is not None:
            return
        self.sweeps += 1
        failed_in_sweep, self._sweep_failed = self._sweep_failed, []
        if self.current_sweep_latest <= self.last_sweep_latest:
            return
        self.last_sweep_latest = self.current_sweep_latest
        stored = min([self.last_sweep_latest, *(c.last_modified for c in failed_in_sweep)])
        line = json.dumps({"LatestScan": (stored - datetime.timedelta(milliseconds=1)).isoformat()})
        try:
            await self._scan_info.upload_blob(line.encode(), overwrite=True)
        except AzureError as exc:  # best effort, as the extension
            logger.debug("Could not store blob scan info: %s", exc)
