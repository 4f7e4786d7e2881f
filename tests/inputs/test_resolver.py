"""The input-binding machinery with the invoker, on real Azurite: binding data is built only for functions that
need it, once per invocation, and reaches both the input readers and the bound outputs; an input that cannot be
bound fails the invocation naming function and binding, without running the function or leaking in-flight."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob.aio import BlobServiceClient

from funchost.errors import BindingDataError
from funchost.inputs import InputResolver
from funchost.invocation import FunctionInvoker, InFlight
from funchost.metadata.app_loader import LoadedApp, load_app
from funchost.metrics import HostMetrics
from funchost.outputs import OutputDispatcher
from tests.support.apps import write_app

pytestmark = pytest.mark.azurite

APP = """
import azure.functions as func
app = func.FunctionApp()
ran = []

@app.queue_trigger(arg_name="msg", queue_name="jobs-one", connection="Store")
@app.blob_input(arg_name="src", path="%CONTAINER%/{name}", connection="Store")
@app.blob_output(arg_name="dst", path="%CONTAINER%/out/{id}", connection="Store")
def copy(msg: str, src: str, dst: func.Out[str]) -> None:
    ran.append(src)
    dst.set(src.upper())

@app.queue_trigger(arg_name="msg", queue_name="jobs-two", connection="Store")
def plain(msg: str) -> None:
    ran.append(msg)
"""


@pytest.fixture
async def container(azurite: str, unique_name: str) -> AsyncIterator[BlobServiceClient]:
    client = BlobServiceClient.from_connection_string(azurite)
    blobs = await client.create_container(unique_name)
    await blobs.upload_blob("in.txt", b"payload")
    yield client
    with contextlib.suppress(ResourceNotFoundError):
        await client.delete_container(unique_name)
    await client.close()


@pytest.fixture
def app(tmp_path: Path, azurite: str, unique_name: str, monkeypatch: pytest.MonkeyPatch) -> LoadedApp:
    monkeypatch.setenv("Store", azurite)  # load_app copies settings into os.environ: keep them per test
    monkeypatch.setenv("CONTAINER", unique_name)
    return load_app(write_app(tmp_path, APP, settings={}))


class Recorder:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data, self.calls = data, 0

    def __call__(self) -> Mapping[str, Any]:
        self.calls += 1
        return self.data


@pytest.fixture
async def invokers(app: LoadedApp) -> AsyncIterator[dict[str, tuple[FunctionInvoker, InFlight]]]:
    executor = ThreadPoolExecutor(max_workers=1)
    built, closers = {}, []
    for f in app.functions:
        inputs = InputResolver(f, app.settings[f.spec.name], executor)
        outputs = OutputDispatcher(f.spec, app.settings[f.spec.name], app.host_config)
        closers += [inputs.aclose, outputs.aclose]
        in_flight = InFlight()
        invoker = FunctionInvoker(
            f,
            executor=executor,
            timeout=None,
            metrics=HostMetrics(),
            in_flight=in_flight,
            function_directory=str(app.script_root),
            send_outputs=outputs.send if outputs else None,
            resolve_inputs=inputs.resolve if inputs else None,
            outputs_need_binding_data=outputs.needs_binding_data,
        )
        built[f.spec.name] = (invoker, in_flight)
    yield built
    for close in closers:
        await close()
    executor.shutdown()


async def test_binding_data_is_built_once_and_reaches_inputs_and_outputs(
    invokers: dict[str, tuple[FunctionInvoker, InFlight]], container: BlobServiceClient, unique_name: str
) -> None:
    invoker, in_flight = invokers["copy"]
    assert invoker.needs_binding_data
    data = Recorder({"name": "in.txt", "id": "o-1"})
    outputs = await invoker.invoke({"msg": "m"}, binding_data=data)
    assert outputs == {"dst": "PAYLOAD"} and data.calls == 1 and in_flight.count == 0
    written = await container.get_blob_client(unique_name, "out/o-1").download_blob()
    assert await written.readall() == b"PAYLOAD"


async def test_functions_without_bound_bindings_never_build_it(
    invokers: dict[str, tuple[FunctionInvoker, InFlight]],
) -> None:
    invoker, _ = invokers["plain"]
    data = Recorder({})
    assert not invoker.needs_binding_data
    await invoker.invoke({"msg": "m"}, binding_data=data)
    assert data.calls == 0


async def test_an_unbindable_input_fails_before_the_function_runs(
    app: LoadedApp, invokers: dict[str, tuple[FunctionInvoker, InFlight]], container: BlobServiceClient
) -> None:
    invoker, in_flight = invokers["copy"]
    (copy,) = [f for f in app.functions if f.spec.name == "copy"]
    ran: list[str] = copy.callable.__globals__["ran"]
    before = len(ran)
    with pytest.raises(BindingDataError) as caught:
        await invoker.invoke({"msg": "m"}, binding_data=Recorder({"id": "1"}))
    assert str(caught.value).startswith("Function 'copy': input binding 'src': No value for named parameter 'name'")
    assert "(binding data: id). Fix: use a name of the trigger's binding data" in str(caught.value)
    assert len(ran) == before and in_flight.count == 0
    with pytest.raises(BindingDataError, match="No value for named parameter 'name'"):
        await invoker.invoke({"msg": "m"})  # a trigger that passes no binding data: only built-ins bind
