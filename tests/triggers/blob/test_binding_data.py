"""The blob trigger's binding data through `funchost start` on the real shared Azurite (uuid-named container): the
path pattern's `{name}` / `{ext}`, `{BlobTrigger}`, `{Metadata.key}` and `{Properties.X}` bind the function's other
bindings' paths and a queue output's queueName (a bound name that is no valid queue name fails, naming it), and an
expression with no value fails the invocation with the message other triggers give."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob.aio import BlobServiceClient, ContainerClient
from azure.storage.queue.aio import QueueClient

from tests.support.apps import write_app
from tests.support.hostproc import HostProcess
from tests.support.waiting import until

pytestmark = pytest.mark.azurite

APP = """
import azure.functions as func
app = func.FunctionApp()

@app.blob_trigger(arg_name="src", path="%CONTAINER%/uploads/{name}.{ext}", connection="AzureWebJobsStorage")
@app.blob_input(arg_name="same", path="{BlobTrigger}", connection="AzureWebJobsStorage", data_type="binary")
@app.blob_output(arg_name="out", path="%CONTAINER%/thumbs/{name}-small.{ext}", connection="AzureWebJobsStorage")
@app.blob_output(arg_name="info", connection="AzureWebJobsStorage",
                 path="%CONTAINER%/info/{Metadata.owner}/{name}-{Properties.ContentLength}-{Properties.BlobType}.txt")
@app.queue_output(arg_name="note", queue_name="%CONTAINER%-{ext}", connection="AzureWebJobsStorage")
def shrink(src: func.InputStream, same: bytes, out: func.Out[bytes], info: func.Out[str], note: func.Out[str]) -> None:
    out.set(src.read()[:4])
    info.set(f"{src.name} {same == b'abcdefgh'}")
    note.set(src.name)

@app.blob_trigger(arg_name="src", path="%CONTAINER%/bad/{name}", connection="AzureWebJobsStorage")
@app.blob_output(arg_name="out", path="%CONTAINER%/never/{nope}", connection="AzureWebJobsStorage")
def unbound(src: bytes, out: func.Out[bytes]) -> None:
    out.set(src)

@app.blob_trigger(arg_name="src", path="%CONTAINER%/path/{name}", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="note", queue_name="{BlobTrigger}", connection="AzureWebJobsStorage")
def full_path(src: bytes, note: func.Out[str]) -> None:
    note.set("never sent: a blob path is no queue name")
"""


@pytest.fixture
async def container(azurite: str, unique_name: str) -> AsyncIterator[ContainerClient]:
    blobs = BlobServiceClient.from_connection_string(azurite, retry_total=0)
    client = await blobs.create_container(unique_name)
    yield client
    with contextlib.suppress(ResourceNotFoundError):
        await client.delete_container()
    await blobs.close()


async def contents(container: ContainerClient, prefix: str) -> dict[str, bytes]:
    return {
        item.name: await (await container.download_blob(item.name)).readall()
        async for item in container.list_blobs(name_starts_with=prefix)
    }


async def test_pattern_parameters_path_metadata_and_properties_bind_other_bindings(
    tmp_path: Path, container: ContainerClient, azurite: str, unique_name: str
) -> None:
    env = {"AzureWebJobsStorage": azurite, "CONTAINER": unique_name, "FUNCHOST_BLOB_SCAN_INTERVAL": "0.2"}
    with HostProcess(write_app(tmp_path / "app", APP), env=env) as host:
        host.wait_ready()
        await container.upload_blob("uploads/cat.png", b"abcdefgh", metadata={"owner": "ana"})
        await container.upload_blob("bad/x.txt", b"x")
        await container.upload_blob("path/y.txt", b"y")

        async def written() -> bool:
            output = host.output()
            return bool(await contents(container, "info/")) and "No value" in output and "Invalid queue" in output

        try:
            await until(written, within=30, what="the bound outputs and the unbound one's error")
        except AssertionError:
            raise AssertionError(host.output()) from None
        assert await contents(container, "thumbs/") == {"thumbs/cat-small.png": b"abcd"}
        assert await contents(container, "info/") == {
            "info/ana/cat-8-Block.txt": f"{unique_name}/uploads/cat.png True".encode()
        }
        assert await contents(container, "never/") == {}
        queue = QueueClient.from_connection_string(azurite, f"{unique_name}-png")
        try:
            assert [m.content async for m in queue.receive_messages()] == [
                base64.b64encode(f"{unique_name}/uploads/cat.png".encode()).decode()
            ]
        finally:
            await queue.delete_queue()
            await queue.close()
        output = host.output()
        assert host.terminate() == 0
    expected = (
        f"Function 'unbound': output binding 'out' (blob) failed, so the invocation fails and its trigger input is "
        f"retried: No value for named parameter 'nope' in '{unique_name}/never/{{nope}}' (binding data: BlobTrigger, "
        "Metadata, Properties, Uri, name). Fix: use a name of the trigger's binding data"
    )
    assert expected in output
    bound = (
        f"Function 'full_path': output binding 'note' (queue) failed, so the invocation fails and its trigger input is "
        f"retried: Invalid queue name '{unique_name}/path/y.txt' bound from '{{blobtrigger}}': it has characters or a "
        "shape that are not allowed. Fix:"
    )
    assert bound in output
