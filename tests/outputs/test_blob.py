"""The `blob` output binding against real Azurite: str / bytes / file-like values, the container created when
missing, an existing blob replaced, the path bound per send (`{name}`, `{rand-guid}`), and through the dispatcher:
a name the binding data lacks or a bad value fails naming function, binding and fix and writes nothing."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from azure.storage.blob.aio import BlobServiceClient

from funchost.errors import OutputBindingError
from funchost.metadata.app_loader import load_app
from funchost.metadata.binding_settings import parse_binding
from funchost.metadata.blob_settings import BlobBindingSettings
from funchost.metadata.host_config import HostConfig, load_host_config
from funchost.metadata.spec import BindingSpec
from funchost.outputs import OutputDispatcher, sender_class
from funchost.outputs.blob import BlobOutput
from tests.support.apps import write_app

pytestmark = pytest.mark.azurite


def settings(path: str, connection: str) -> BlobBindingSettings:
    raw = {"name": "out", "type": "blob", "direction": "out", "path": path, "connection": "Store"}
    parsed = parse_binding(BindingSpec.from_dict(raw), "fn", {"Store": connection})
    assert isinstance(parsed, BlobBindingSettings)
    return parsed


@pytest.fixture
def blobs(blob_service: BlobServiceClient) -> BlobServiceClient:
    return blob_service


async def content(blobs: BlobServiceClient, container: str, name: str) -> bytes:
    return bytes(await (await blobs.get_blob_client(container, name).download_blob()).readall())


def host_config(tmp_path: Path) -> HostConfig:
    (tmp_path / "host.json").write_text('{"version": "2.0"}')
    return load_host_config(tmp_path, {})


def test_the_registry_row_resolves_to_this_sender() -> None:
    assert sender_class("blob", "fn") is BlobOutput


def test_only_a_path_with_expressions_asks_for_binding_data(tmp_path: Path, azurite: str) -> None:
    assert BlobOutput(settings("c/{name}", azurite), host_config(tmp_path)).uses_binding_data
    assert not BlobOutput(settings("c/fixed.txt", azurite), host_config(tmp_path)).uses_binding_data


async def test_values_are_written_the_container_created_and_blobs_replaced(
    tmp_path: Path, blobs: BlobServiceClient, azurite: str, unique_name: str
) -> None:
    sender = BlobOutput(settings(f"{unique_name}/{{name}}", azurite), host_config(tmp_path))
    try:
        await sender.send("text é", {"name": "a.txt"})  # the container does not exist yet
        await sender.send(b"\x00\xff", {"name": "b.bin"})
        await sender.send(io.BytesIO(b"file"), {"name": "c"})
        await sender.send("replaced", {"name": "a.txt"})
    finally:
        await sender.aclose()
    assert await content(blobs, unique_name, "a.txt") == b"replaced"
    assert await content(blobs, unique_name, "b.bin") == b"\x00\xff"
    assert await content(blobs, unique_name, "c") == b"file"


async def test_rand_guid_gives_a_new_name_per_send(
    tmp_path: Path, blobs: BlobServiceClient, azurite: str, unique_name: str
) -> None:
    sender = BlobOutput(settings(f"{unique_name}/{{rand-guid}}.txt", azurite), host_config(tmp_path))
    try:
        await sender.send("one")
        await sender.send("two")
    finally:
        await sender.aclose()
    names = [b.name async for b in blobs.get_container_client(unique_name).list_blobs()]
    assert len(names) == 2 and all(uuid.UUID(name.removesuffix(".txt")) for name in names)


APP = """
import azure.functions as func
app = func.FunctionApp()

@app.schedule(schedule="0 0 * * * *", arg_name="t")
@app.blob_output(arg_name="out", path="%CONTAINER%/{id}.txt", connection="Store")
def writes(t: func.TimerRequest, out: func.Out[str]) -> None: ...
"""


async def test_the_dispatcher_names_function_binding_and_fix(
    tmp_path: Path, blobs: BlobServiceClient, azurite: str, unique_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("Store", azurite)  # load_app copies settings into os.environ: keep them per test
    monkeypatch.setenv("CONTAINER", unique_name)
    app = load_app(write_app(tmp_path, APP, settings={}))
    (function,) = app.functions
    dispatcher = OutputDispatcher(function.spec, app.settings["writes"], app.host_config)
    assert dispatcher.needs_binding_data
    try:
        with pytest.raises(OutputBindingError) as caught:
            await dispatcher.send({"out": "x"}, {"other": 1})
        message = str(caught.value)
        assert "Function 'writes': output binding 'out' (blob) failed" in message
        assert "No value for named parameter 'id'" in message and "(binding data: other)" in message
        assert "Fix: use a name of the trigger's binding data" in message
        with pytest.raises(OutputBindingError, match="cannot hold a list. Fix: set a str"):
            await dispatcher.send({"out": ["x"]}, {"id": "1"})
        assert not await blobs.get_container_client(unique_name).exists()  # nothing was written
        await dispatcher.send({"out": "fine"}, {"ID": "7"})  # names are case-insensitive
        assert await content(blobs, unique_name, "7.txt") == b"fine"
    finally:
        await dispatcher.aclose()
