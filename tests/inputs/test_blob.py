"""The `blob` input reader against real Azurite: each parameter type, a missing blob or container as None, the
SDK types (sync `azure.storage.blob` clients; the downloader streams in chunks), and bad input per invocation:
a name the binding data lacks and a bound path that is no blob path."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import azure.functions as func
import azure.storage.blob as sync_blob
import azurefunctions.extensions.bindings.blob as sdk
import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob.aio import BlobServiceClient

from funchost.errors import BindingDataError
from funchost.inputs import reader_class
from funchost.inputs.blob import BlobInput
from funchost.metadata.binding_settings import parse_binding
from funchost.metadata.blob_settings import BlobBindingSettings
from funchost.metadata.spec import BindingSpec

pytestmark = pytest.mark.azurite
EXECUTOR = ThreadPoolExecutor(max_workers=1)
OPEN: list[BlobInput] = []


def reader(path: str, connection: str, annotation: Any = None, data_type: str | None = None) -> BlobInput:
    raw = {"name": "doc", "type": "blob", "direction": "in", "path": path, "connection": "Store"}
    if data_type:
        raw["dataType"] = data_type
    settings = parse_binding(BindingSpec.from_dict(raw), "fn", {"Store": connection})
    assert isinstance(settings, BlobBindingSettings)
    OPEN.append(BlobInput(settings, "fn", "doc", annotation, EXECUTOR))
    return OPEN[-1]


@pytest.fixture(autouse=True)
async def _close_readers() -> AsyncIterator[None]:
    yield
    while OPEN:
        await OPEN.pop().aclose()


@pytest.fixture
async def container(azurite: str, unique_name: str) -> AsyncIterator[str]:
    client = BlobServiceClient.from_connection_string(azurite)
    blobs = await client.create_container(unique_name)
    await blobs.upload_blob("a.txt", "text é".encode())
    await blobs.upload_blob("dir/b.bin", b"\x00\xff" * 1000)
    yield unique_name
    with contextlib.suppress(ResourceNotFoundError):
        await client.delete_container(unique_name)
    await client.close()


def test_the_registry_row_resolves_to_this_reader() -> None:
    assert reader_class("blob", "fn") is BlobInput


async def test_each_parameter_type(container: str, azurite: str) -> None:
    path = f"{container}/{{name}}"
    assert await reader(path, azurite, str).read({"name": "a.txt"}) == "text é"
    assert await reader(path, azurite, bytes).read({"name": "dir/b.bin"}) == b"\x00\xff" * 1000
    stream = await reader(path, azurite, func.InputStream).read({"name": "a.txt"})
    assert isinstance(stream, func.InputStream) and stream.read() == "text é".encode()
    assert await reader(path, azurite, None, "string").read({"name": "a.txt"}) == "text é"
    assert await reader(path, azurite, str).read({"name": "absent"}) is None


async def test_a_missing_container_is_none(azurite: str, unique_name: str) -> None:
    assert await reader(f"{unique_name}x/a.txt", azurite, str).read({}) is None


async def test_sdk_types_are_sync_storage_clients(container: str, azurite: str) -> None:
    client = await reader(f"{container}/{{name}}", azurite, sdk.BlobClient).read({"name": "a.txt"})
    assert type(client) is sync_blob.BlobClient and client.download_blob().readall() == "text é".encode()
    whole = await reader(container, azurite, sdk.ContainerClient).read({})
    assert type(whole) is sync_blob.ContainerClient
    assert sorted(b.name for b in whole.list_blobs()) == ["a.txt", "dir/b.bin"]
    download = await reader(f"{container}/dir/b.bin", azurite, sdk.StorageStreamDownloader).read({})
    assert type(download) is sync_blob.StorageStreamDownloader and b"".join(download.chunks()) == b"\x00\xff" * 1000
    assert await reader(f"{container}/absent", azurite, sdk.StorageStreamDownloader).read({}) is None


async def test_bad_input_per_invocation(container: str, azurite: str) -> None:
    with pytest.raises(BindingDataError, match="No value for named parameter 'name' .*\\(binding data: id\\)"):
        await reader(f"{container}/{{name}}", azurite, str).read({"id": 1})
    with pytest.raises(BindingDataError, match="Invalid blob path specified : '.*/'"):
        await reader(f"{container}/{{name}}", azurite, str).read({"name": ""})
    with pytest.raises(BindingDataError, match="Invalid container name 'UPPER'"):
        await reader("{c}/x", azurite, str).read({"c": "UPPER"})
