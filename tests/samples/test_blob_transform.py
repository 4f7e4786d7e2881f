"""samples/blob-transform through `funchost start` against the real shared Azurite: a CSV uploaded under a nested
name fires the blob trigger and its JSON lands in the output container under the same `{name}`; a non-CSV blob does
not fire. uuid-named containers through the sample's `%UPLOADS_CONTAINER%` / `%CONVERTED_CONTAINER%` settings."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob.aio import BlobServiceClient

from tests.support.hostproc import SAMPLES, HostProcess
from tests.support.waiting import until

pytestmark = pytest.mark.azurite


@pytest.fixture
async def containers(azurite: str) -> AsyncIterator[tuple[BlobServiceClient, str, str]]:
    blobs = BlobServiceClient.from_connection_string(azurite, retry_total=0)
    uploads, converted = f"t{uuid.uuid4().hex[:20]}", f"t{uuid.uuid4().hex[:20]}"
    await blobs.create_container(uploads)
    yield blobs, uploads, converted
    for name in (uploads, converted):
        with contextlib.suppress(ResourceNotFoundError):
            await blobs.delete_container(name)
    await blobs.close()


async def test_an_uploaded_csv_is_converted_to_json_under_the_same_name(
    containers: tuple[BlobServiceClient, str, str],
) -> None:
    blobs, uploads, converted = containers
    env = {"UPLOADS_CONTAINER": uploads, "CONVERTED_CONTAINER": converted, "FUNCHOST_BLOB_SCAN_INTERVAL": "0.2"}
    source, output = blobs.get_container_client(uploads), blobs.get_container_client(converted)
    with HostProcess(SAMPLES / "blob-transform", env=env) as host:
        host.wait_ready()
        await source.upload_blob("reports/q1.csv", "\ufeffregion,amount\nnorth,3\nsouth,4\n".encode())
        await source.upload_blob("reports/readme.txt", b"not a csv")

        async def written() -> list[str]:
            return [b.name async for b in output.list_blobs()] if await output.exists() else []

        try:
            await until(written, within=30, what="the converted blob")
        except AssertionError:
            raise AssertionError(host.output()) from None
        assert await written() == ["reports/q1.json"]
        content = json.loads(await (await output.download_blob("reports/q1.json")).readall())
        assert host.terminate() == 0
        log = host.output()
    assert content == {
        "source": f"{uploads}/reports/q1.csv",
        "rows": [{"region": "north", "amount": "3"}, {"region": "south", "amount": "4"}],
    }
    assert "readme" not in log
