"""Blob input and output bindings through `funchost start` on real Azurite: a queue-triggered function reading
`{queueTrigger}` and writing `{rand-guid}`, one reading `{name}` and writing `{id}` from a JSON payload, HTTP
functions reading `{name}` from the route (str, bytes, InputStream, a missing blob as None), the SDK types
streaming a blob, a v1 function.json `"type": "blob"`, and bad input: an invalid path pattern puts the function in
error at load, an unknown expression fails the invocation naming function, binding and the name."""

from __future__ import annotations

import base64
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob.aio import BlobServiceClient
from azure.storage.queue.aio import QueueServiceClient

from tests.support.apps import write_app
from tests.support.hostproc import HostProcess
from tests.support.waiting import until

pytestmark = pytest.mark.azurite

APP = """
import azure.functions as func
import azurefunctions.extensions.bindings.blob as blob

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

@app.queue_trigger(arg_name="msg", queue_name="%QUEUE%", connection="AzureWebJobsStorage")
@app.blob_input(arg_name="src", path="%CONTAINER%/{queueTrigger}", connection="AzureWebJobsStorage")
@app.blob_output(arg_name="dst", path="%CONTAINER%-out/{rand-guid}.txt", connection="AzureWebJobsStorage")
def copy(msg: func.QueueMessage, src: str, dst: func.Out[str]) -> None:
    dst.set("copied:" + src)

@app.queue_trigger(arg_name="msg", queue_name="%QUEUE%-json", connection="AzureWebJobsStorage")
@app.blob_input(arg_name="src", path="%CONTAINER%/{name}", connection="AzureWebJobsStorage", data_type="binary")
@app.blob_output(arg_name="dst", path="%CONTAINER%-out/{id}/{data.key}", connection="AzureWebJobsStorage")
def by_id(msg: func.QueueMessage, src: bytes, dst: func.Out[bytes]) -> None:
    dst.set(src[::-1])

@app.route(route="text/{name}")
@app.blob_input(arg_name="doc", path="%CONTAINER%/{name}", connection="AzureWebJobsStorage")
def text(req: func.HttpRequest, doc: str) -> func.HttpResponse:
    return func.HttpResponse("missing" if doc is None else f"{type(doc).__name__}:{doc}")

@app.route(route="stream/{name}")
@app.blob_input(arg_name="doc", path="%CONTAINER%/{name}", connection="AzureWebJobsStorage")
def stream(req: func.HttpRequest, doc: func.InputStream) -> func.HttpResponse:
    return func.HttpResponse(f"{type(doc).__name__}:{doc.read().decode()}:{doc.name}")

@app.route(route="sdk/{name}")
@app.blob_input(arg_name="client", path="%CONTAINER%/{name}", connection="AzureWebJobsStorage")
@app.blob_input(arg_name="container", path="%CONTAINER%", connection="AzureWebJobsStorage")
@app.blob_input(arg_name="download", path="%CONTAINER%/{name}", connection="AzureWebJobsStorage")
def sdk(req: func.HttpRequest, client: blob.BlobClient, container: blob.ContainerClient,
        download: blob.StorageStreamDownloader) -> func.HttpResponse:
    chunks = b"".join(download.chunks())
    names = sorted(b.name for b in container.list_blobs())
    size = client.get_blob_properties().size
    return func.HttpResponse(json.dumps({"type": type(client).__module__ + "." + type(client).__name__,
                                         "chunks": len(chunks), "size": size, "names": names}))

@app.route(route="unknown")
@app.blob_input(arg_name="doc", path="%CONTAINER%/{nope}", connection="AzureWebJobsStorage")
def unknown(req: func.HttpRequest, doc: str) -> func.HttpResponse:
    return func.HttpResponse("unreachable")

@app.route(route="bad")
@app.blob_input(arg_name="doc", path="%CONTAINER%/{name", connection="AzureWebJobsStorage")
def bad_path(req: func.HttpRequest, doc: str) -> func.HttpResponse:
    return func.HttpResponse("unreachable")
""".replace("import azure", "import json\nimport azure", 1)

BIG = bytes(range(256)) * 3_000  # 750 KB (aiohttp warns about raw bodies over 1 MiB)


@pytest.fixture
async def storage(azurite: str, unique_name: str) -> AsyncIterator[tuple[BlobServiceClient, QueueServiceClient]]:
    blobs = BlobServiceClient.from_connection_string(azurite)
    queues = QueueServiceClient.from_connection_string(azurite)
    yield blobs, queues
    for name in (unique_name, f"{unique_name}-out", f"{unique_name}v1"):  # not every test creates every one
        with contextlib.suppress(ResourceNotFoundError):
            await blobs.delete_container(name)
    for queue in (unique_name, f"{unique_name}-json"):
        with contextlib.suppress(ResourceNotFoundError):
            await queues.delete_queue(queue)
    await blobs.close()
    await queues.close()


async def out_blobs(blobs: BlobServiceClient, container: str) -> dict[str, bytes]:
    client = blobs.get_container_client(container)
    if not await client.exists():
        return {}
    found = {}
    async for item in client.list_blobs():
        found[item.name] = await (await client.download_blob(item.name)).readall()
    return found


async def test_queue_http_and_sdk_types_through_funchost_start(
    tmp_path: Path, storage: tuple[BlobServiceClient, QueueServiceClient], azurite: str, unique_name: str
) -> None:
    blobs, queues = storage
    container = await blobs.create_container(unique_name)
    await container.upload_blob("hello.txt", "hello ✓".encode())
    await container.upload_blob("big.bin", BIG)
    env = {"AzureWebJobsStorage": azurite, "QUEUE": unique_name, "CONTAINER": unique_name}
    root = write_app(tmp_path / "app", APP)
    with HostProcess(root, env=env) as host:
        host.wait_ready()
        output = host.output()
        assert "bad_path: [Error]" in output and "binding 'doc' (blob) path" in output and "{name" in output
        async with httpx.AsyncClient(base_url=host.base_url, timeout=30) as http:
            assert (await http.get("/api/text/hello.txt")).text == "str:hello ✓"
            assert (await http.get("/api/text/absent.txt")).text == "missing"  # a missing blob is None
            assert (await http.get("/api/stream/hello.txt")).text == "InputStream:hello ✓:None"
            sdk = (await http.get("/api/sdk/big.bin")).json()
            assert sdk == {
                "type": "azure.storage.blob._blob_client.BlobClient",
                "chunks": len(BIG),
                "size": len(BIG),
                "names": ["big.bin", "hello.txt"],
            }
            assert (await http.get("/api/unknown")).status_code == 500
        for queue_name in (unique_name, f"{unique_name}-json"):
            await queues.create_queue(queue_name)
        await queues.get_queue_client(unique_name).send_message(base64.b64encode(b"hello.txt").decode())
        payload = json.dumps({"id": "order-7", "name": "hello.txt", "data": {"key": "k.bin"}}).encode()
        await queues.get_queue_client(f"{unique_name}-json").send_message(base64.b64encode(payload).decode())

        async def both_written() -> bool:
            return len(await out_blobs(blobs, f"{unique_name}-out")) == 2

        await until(both_written, what="the two queue-triggered blob outputs")
        written = await out_blobs(blobs, f"{unique_name}-out")
        assert written.pop("order-7/k.bin") == "hello ✓".encode()[::-1]
        ((name, content),) = written.items()  # the container was created by the output binding
        assert uuid.UUID(name.removesuffix(".txt")) and content == "copied:hello ✓".encode()
        output = host.output()
        assert "Function 'unknown': input binding 'doc': No value for named parameter 'nope'" in output
        assert host.terminate() == 0


V1_FUNCTION = {
    "scriptFile": "__init__.py",
    "bindings": [
        {"type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "anonymous", "route": "v1/{name}"},
        {"type": "blob", "direction": "in", "name": "file", "path": "%CONTAINER%/{name}", "dataType": "string"},
        {"type": "blob", "direction": "out", "name": "copy", "path": "%CONTAINER%/copies/{name}"},
        {"type": "http", "direction": "out", "name": "$return"},
    ],
}
V1_CODE = """
import azure.functions as func

def main(req: func.HttpRequest, file: str, copy: func.Out[str]) -> func.HttpResponse:
    copy.set(file.upper())
    return func.HttpResponse(file)
"""


async def test_a_v1_function_json_blob_binding(
    tmp_path: Path, storage: tuple[BlobServiceClient, QueueServiceClient], azurite: str, unique_name: str
) -> None:
    blobs, _ = storage
    container = await blobs.create_container(f"{unique_name}v1")
    await container.upload_blob("a.txt", b"v1 text")
    root = write_app(
        tmp_path / "v1",
        files={"get_blob/function.json": json.dumps(V1_FUNCTION), "get_blob/__init__.py": V1_CODE},
    )
    env = {"AzureWebJobsStorage": azurite, "CONTAINER": f"{unique_name}v1"}
    with HostProcess(root, env=env) as host:
        host.wait_ready()
        async with httpx.AsyncClient(base_url=host.base_url, timeout=30) as http:
            assert (await http.get("/api/v1/a.txt")).text == "v1 text"
        assert await (await container.download_blob("copies/a.txt")).readall() == b"V1 TEXT"
        assert host.terminate() == 0


STREAMS_APP = """
import azure.functions as func
from azurefunctions.extensions.http.fastapi import PlainTextResponse, Request

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

@app.route(route="s/{name}")
@app.blob_input(arg_name="doc", path="%CONTAINER%/{name}", connection="AzureWebJobsStorage")
@app.blob_output(arg_name="copy", path="%CONTAINER%/{Query.to}", connection="AzureWebJobsStorage")
async def streamed(req: Request, doc: str, copy: func.Out[str]) -> PlainTextResponse:
    copy.set(doc + "!")
    return PlainTextResponse(doc)
"""


async def test_an_http_streams_function_binds_route_and_query(
    tmp_path: Path, storage: tuple[BlobServiceClient, QueueServiceClient], azurite: str, unique_name: str
) -> None:
    blobs, _ = storage
    container = await blobs.create_container(unique_name)
    await container.upload_blob("a.txt", b"streamed text")
    env = {"AzureWebJobsStorage": azurite, "CONTAINER": unique_name, "PYTHON_ENABLE_INIT_INDEXING": "1"}
    with HostProcess(write_app(tmp_path / "streams", STREAMS_APP), env=env) as host:
        host.wait_ready()
        async with httpx.AsyncClient(base_url=host.base_url, timeout=30) as http:
            assert (await http.get("/api/s/a.txt", params={"to": "b.txt"})).text == "streamed text"
        assert await (await container.download_blob("b.txt")).readall() == b"streamed text!"
        assert host.terminate() == 0
