"""The blob input and output templates, generated into a fresh `funchost init` project and run with `funchost
start` on the real shared Azurite (uuid-named container): a POST stores its body as the blob the route names, a GET
returns it, a GET of a blob that does not exist is a 404."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob.aio import BlobServiceClient

from funchost.scaffold.functions import new_function
from funchost.scaffold.project import init_project
from tests.support.hostproc import HostProcess

pytestmark = pytest.mark.azurite


@pytest.fixture
async def blobs(azurite: str, unique_name: str) -> AsyncIterator[BlobServiceClient]:
    client = BlobServiceClient.from_connection_string(azurite, retry_total=0)
    yield client
    with contextlib.suppress(ResourceNotFoundError):
        await client.delete_container(unique_name)
    await client.close()


async def test_blob_output_then_blob_input_round_trip(
    tmp_path: Path, blobs: BlobServiceClient, azurite: str, unique_name: str
) -> None:
    init_project(tmp_path, docker=False)
    path = {"path": f"{unique_name}/{{name}}", "auth_level": "anonymous"}
    new_function(tmp_path, "blob-output", "save", path)
    new_function(tmp_path, "Blob input binding", "load", path)
    with HostProcess(tmp_path, env={"AzureWebJobsStorage": azurite}) as host:
        host.wait_ready()
        async with httpx.AsyncClient(base_url=host.base_url, timeout=30) as http:
            saved = await http.post("/api/upload/notes.txt", content="hello blob ✓".encode())
            assert (saved.status_code, saved.text) == (201, f"Stored {len('hello blob ✓'.encode())} bytes.")
            loaded = await http.get("/api/files/notes.txt")
            assert (loaded.status_code, loaded.text) == (200, "hello blob ✓")
            assert (await http.get("/api/files/absent.txt")).status_code == 404
        assert host.terminate() == 0
    stored = await (await blobs.get_blob_client(unique_name, "notes.txt").download_blob()).readall()
    assert stored == "hello blob ✓".encode()
