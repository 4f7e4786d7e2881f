"""The container scan against real Azurite: one listing page per poll with the continuation token, the
high-water mark closing a sweep and stored in azure-webjobs-hosts/blobscaninfo, blobs older than the mark left
out, a blob that could not be queued kept before the stored mark and offered again, a missing container noticed."""

from __future__ import annotations

import datetime
import json
import uuid

import pytest

from funchost.triggers.blob.scanner import ContainerScanner
from tests.support.waiting import until
from tests.triggers.blob.conftest import Storage

pytestmark = pytest.mark.azurite


def scanner(storage: Storage, host_id: str, page_size: int = 3) -> ContainerScanner:
    return ContainerScanner(
        storage.blobs, storage.container, host_id=host_id, function_id="Host.Functions.f", page_size=page_size
    )


async def test_pages_continue_and_the_mark_is_stored_once_a_sweep_ends(storage: Storage, host_id: str) -> None:
    for i in range(7):
        await storage.put(f"b{i}", b"x")
    scan = scanner(storage, host_id)
    await scan.load()
    pages = []
    while True:
        found = await scan.poll()
        await scan.end_of_page([])
        pages.append(sorted(c.name for c in found))
        if scan.continuation is None:
            break
    assert pages == [["b0", "b1", "b2"], ["b3", "b4", "b5"], ["b6"]] and scan.sweeps == 1
    info = storage.blobs.get_blob_client(
        "azure-webjobs-hosts",
        f"blobscaninfo/{host_id}/devstoreaccount1/{storage.container_name}/Host.Functions.f/scanInfo",
    )
    stored = datetime.datetime.fromisoformat(json.loads(await (await info.download_blob()).readall())["LatestScan"])
    assert stored == scan.last_sweep_latest - datetime.timedelta(milliseconds=1)
    # a restarted scanner starts from the stored mark: same-second blobs are offered again (>=), receipts dedupe
    again = scanner(storage, host_id, page_size=100)
    await again.load()
    assert again.last_sweep_latest == stored


async def test_blobs_before_the_mark_are_left_out(storage: Storage, host_id: str) -> None:
    await storage.put("old", b"x")
    scan = scanner(storage, host_id, page_size=100)
    assert [c.name for c in await scan.poll()] == ["old"]
    await scan.end_of_page([])
    scan.last_sweep_latest += datetime.timedelta(seconds=5)  # as if "old" was seen seconds ago
    assert await scan.poll() == []


async def test_a_blob_that_failed_is_offered_again_and_holds_the_stored_mark(storage: Storage, host_id: str) -> None:
    await storage.put("older", b"x")
    older = await storage.container.get_blob_client("older").get_blob_properties()

    async def newer_is_later() -> bool:  # timestamps have one-second resolution: "newer" needs a later second
        uploaded = await storage.container.get_blob_client("newer").upload_blob(b"x", overwrite=True)
        return bool(uploaded["last_modified"] > older.last_modified)

    await until(newer_is_later, what="a later Last-Modified")
    scan = scanner(storage, host_id, page_size=100)
    found = {c.name: c for c in await scan.poll()}
    assert set(found) == {"older", "newer"}
    await scan.end_of_page([found["older"]])  # "older" could not be queued
    assert "older" in [c.name for c in await scan.poll()]  # offered again on the next poll
    stored = await stored_mark(storage, host_id)
    assert stored == found["older"].last_modified - datetime.timedelta(milliseconds=1)  # not newer's time


async def stored_mark(storage: Storage, host_id: str) -> datetime.datetime:
    info = storage.blobs.get_blob_client(
        "azure-webjobs-hosts",
        f"blobscaninfo/{host_id}/devstoreaccount1/{storage.container_name}/Host.Functions.f/scanInfo",
    )
    return datetime.datetime.fromisoformat(json.loads(await (await info.download_blob()).readall())["LatestScan"])


async def test_a_missing_container_is_noticed(storage: Storage, host_id: str) -> None:
    scan = ContainerScanner(
        storage.blobs,
        storage.blobs.get_container_client(f"missing{uuid.uuid4().hex[:8]}"),
        host_id=host_id,
        function_id="Host.Functions.f",
    )
    assert await scan.poll() == [] and scan.container_missing
