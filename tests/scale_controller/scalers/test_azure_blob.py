"""Azure Blob scaler against Azurite: KEDA's azure-blob counting rules — one level under blobPrefix + delimiter
(blobs, not virtual directories), `recursive` (delimiter ""), `globPattern` on the full name or the tail after
the prefix; activation strictly above activationBlobCount; the blob trigger's defaults (prefix from the path,
recursive) through `from_function`; a missing container explained."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from azure.storage.blob.aio import ContainerClient

from funchost.metadata.connections import StorageConnection
from scale_controller.app_metadata import load_app_metadata
from scale_controller.scalers import build_scalers
from scale_controller.scalers.azure_blob import AzureBlobScaler, glob_regex
from scale_controller.scalers.base import ScalerError
from tests.support.hostproc import SAMPLES

pytestmark = pytest.mark.azurite
NAMES = ["top.csv", "in/a.csv", "in/b.txt", "in/deep/c.csv", "in/deep/d.csv", "out/e.csv"]


@pytest.fixture
async def container(azurite: str) -> AsyncIterator[ContainerClient]:
    client = ContainerClient.from_connection_string(azurite, f"t{uuid.uuid4().hex[:20]}")
    await client.create_container()
    for name in NAMES:
        await client.upload_blob(name, b"x")
    yield client
    await client.delete_container()
    await client.close()


async def count(azurite: str, container: str, **options: Any) -> tuple[float, bool, float]:
    connection = StorageConnection(setting_name="AzureWebJobsStorage", connection_string=azurite)
    scaler = AzureBlobScaler(container=container, connection=connection, target=5, **options)
    try:
        measured = await scaler.measure()
    finally:
        await scaler.aclose()
    return measured.value, measured.active, measured.target


async def test_counts_follow_kedas_listing_rules(azurite: str, container: ContainerClient) -> None:
    name = container.container_name
    assert await count(azurite, name) == (1, True, 5)  # one level of the root: top.csv (in/, out/ are prefixes)
    assert (await count(azurite, name, prefix="in"))[0] == 2  # "in" + "/" → in/a.csv, in/b.txt
    assert (await count(azurite, name, prefix="in/", recursive=True))[0] == 4
    assert (await count(azurite, name, recursive=True))[0] == 6
    assert (await count(azurite, name, prefix="in", glob="*.csv"))[0] == 3  # flat under in/, glob on the tail
    assert (await count(azurite, name, glob="in/deep/*"))[0] == 2  # glob on the full name
    assert (await count(azurite, name, glob="{top,out/e}.csv"))[0] == 2


async def test_activation_is_strictly_above_the_threshold(azurite: str, container: ContainerClient) -> None:
    assert await count(azurite, container.container_name, recursive=True, activation=6) == (6, False, 5)
    assert (await count(azurite, container.container_name, recursive=True, activation=5))[1] is True


async def test_a_missing_container_is_explained(azurite: str) -> None:
    with pytest.raises(ScalerError, match=r"Function '': cannot count blobs in container 'nosuch.*does not exist"):
        await count(azurite, f"nosuch{uuid.uuid4().hex[:8]}")


def test_glob_is_gobwas_without_separators() -> None:
    assert glob_regex("*.csv").match("a/b/c.csv") and not glob_regex("*.csv").match("a.csvx")
    assert glob_regex("?.txt").match("a.txt") and not glob_regex("?.txt").match("ab.txt")
    assert glob_regex("[!a]*").match("b") and not glob_regex("[!a]*").match("a")
    assert glob_regex("{x,y}-[0-9]").match("y-7")


async def test_the_blob_uploads_sample_scales_on_its_prefix(azurite: str, container: ContainerClient) -> None:
    """Through the app metadata: container from the path's %setting%, prefix "incoming/" (the path's literal
    prefix), recursive, target = maxDegreeOfParallelism (4 in the sample's host.json)."""
    environ = {"AzureWebJobsStorage": azurite, "UPLOADS_CONTAINER": container.container_name, "PATH": "/usr/bin"}
    await container.upload_blob("incoming/x.csv", b"x")
    await container.upload_blob("incoming/sub/y.csv", b"x")
    app = load_app_metadata(SAMPLES / "blob-uploads", environ=environ)
    (built,) = build_scalers(app)
    scaler = built.scaler
    assert isinstance(scaler, AzureBlobScaler)
    assert (scaler.prefix, scaler.delimiter, scaler.target) == ("incoming/", "", 4)
    try:
        measured = await scaler.measure()
    finally:
        await scaler.aclose()
    assert (measured.value, measured.active) == (2, True)
