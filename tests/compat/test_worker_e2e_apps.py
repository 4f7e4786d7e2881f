"""Apps in the style of the Python worker's own end-to-end apps run unchanged: their fixed names (container
`python-worker-tests`, queue `testqueue`) mean each test gives the host a private Azurite (its own ports and store:
the shared one is never written with fixed names) and, for Service Bus, a private Service Bus stand-in
(tests/support/servicebus_standin, a protocol-level stand-in reached over TCP by the real azure-servicebus SDK).

- worker_e2e_blob: a v2 function_app.py with the blob decorators: a blob
  trigger whose `$return` is a blob, and HTTP functions putting and getting str, bytes (data_type BINARY), file-like
  and `$return` blobs, one with two inputs and two outputs — into a container that does not exist yet.
- worker_e2e_queue: a v2 app whose HTTP functions put messages (Out[str], `$return` of bytes and of
  func.QueueMessage, Out[List[str]], an HTTP response through binding_arg_name) and whose queue triggers write what
  they got (QueueMessage fields, bytes, an untyped str) to blobs read back over HTTP.
- worker_e2e_warmup_v1: a v1 warmup function, run by `GET /admin/warmup` as the worker's test calls it.
- worker_e2e_servicebus_v1: v1 folders (function.json with a trailing comma): HTTP → Service Bus output, a Service
  Bus trigger writing the message's properties as a blob, and HTTP reading that blob back.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from azure.storage.queue import QueueClient

from tests.compat.test_corpus import MASTER, copy_app
from tests.support.hostproc import HostProcess
from tests.support.private_azurite import PrivateAzurite
from tests.support.servicebus_standin import StandIn

pytestmark = pytest.mark.azurite


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[PrivateAzurite]:
    with PrivateAzurite(tmp_path / "azurite") as azurite:
        yield azurite


def client(host: HostProcess) -> httpx.Client:
    return httpx.Client(base_url=f"{host.base_url}/api", headers={"x-functions-key": MASTER}, timeout=10)


def eventually(get: Callable[[], httpx.Response], within: float = 30.0) -> httpx.Response:
    """The first 200 answer of `get` (a blob that a trigger writes does not exist until it has run)."""
    deadline = time.monotonic() + within
    while True:
        response = get()
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def test_the_worker_style_blob_app_puts_gets_and_triggers(tmp_path: Path, storage: PrivateAzurite) -> None:
    env = {
        "AzureWebJobsStorage": storage.connection_string,
        "FUNCHOST_BLOB_SCAN_INTERVAL": "0.2",
        "FUNCHOST_MASTER_KEY": MASTER,  # FunctionApp() makes function-level routes, as the worker's tests send keys
    }
    with HostProcess(copy_app("worker_e2e_blob", tmp_path), env=env) as host, client(host) as api:
        host.wait_ready()
        assert api.post("put_blob_str", content="test-data").text == "OK"
        assert api.get("get_blob_str").text == "test-data"
        assert api.get("get_blob_as_str").text == "test-data"
        assert api.post("put_blob_filelike").text == "OK"
        assert api.get("get_blob_filelike").text == "filelike"
        put_return = api.post("put_blob_return")
        assert put_return.status_code == 200, put_return.text
        assert api.get("get_blob_return").text == "FROM RETURN"

        written = api.post("put_blob_as_bytes_return_http_response", params={"content_size": 4096})
        assert written.json() == {"content_size": 4096, "content_md5": hashlib.md5(bytes(range(256)) * 16).hexdigest()}
        assert api.get("get_blob_as_bytes_return_http_response").json() == written.json()

        assert api.get("put_get_multiple_blobs").json() == {"input_sizes": [9, 8]}

        assert api.post("put_blob_trigger", content="blob trigger data").text == "OK"
        triggered = eventually(lambda: api.get("get_blob_triggered"))
        assert triggered.status_code == 200, host.output()
        assert json.loads(triggered.text) == {
            "name": "python-worker-tests/test-blob-trigger.txt",
            "length": 17,
            "content": "blob trigger data",
            "content_length": 17,
        }
        assert host.terminate() == 0


def test_the_worker_style_queue_app_puts_triggers_and_reads_back(tmp_path: Path, storage: PrivateAzurite) -> None:
    env = {"AzureWebJobsStorage": storage.connection_string}
    with HostProcess(copy_app("worker_e2e_queue", tmp_path), env=env) as host, client(host) as api:
        host.wait_ready()
        assert api.post("put_queue", content="test-message").text == "OK"
        got = eventually(lambda: api.get("get_queue_blob"))
        assert got.status_code == 200, host.output()
        msg = got.json()["queue"]
        assert (msg["body"], msg["dequeue_count"]) == ("test-message", 1)
        assert msg["id"] and msg["pop_receipt"]
        inserted = datetime.datetime.fromisoformat(msg["insertion_time"])
        assert inserted < datetime.datetime.fromisoformat(msg["expiration_time"])
        assert inserted <= datetime.datetime.fromisoformat(msg["time_next_visible"])

        put = api.post("put_queue_return", content="test-message-return")
        assert put.status_code == 200, put.text  # the unset `resp` output answers an empty 200, as Azure does
        assert eventually(lambda: api.get("get_queue_blob_return")).text == "test-message-return"

        assert api.post("put_queue_message_return", content="test-message-object").status_code == 200
        assert eventually(lambda: api.get("get_queue_untyped_blob_return")).text == "test-message-object"

        assert api.post("put_queue_multiple_out", content="foo").text == "HTTP response: foo"
        queue = QueueClient.from_connection_string(storage.connection_string, "testqueue-multiple-out")
        assert [base64.b64decode(m.content) for m in queue.receive_messages()] == [b"foo"]  # base64, as Azure writes

        assert api.post("put_queue_return_multiple", content="foo").status_code == 200
        logged = lambda: "trigger on message: one" in host.output() and "trigger on message: two" in host.output()  # noqa: E731
        deadline = time.monotonic() + 30
        while not logged() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert logged(), host.output()
        assert host.terminate() == 0


def test_the_worker_style_service_bus_v1_app_relays_through_a_queue(tmp_path: Path, storage: PrivateAzurite) -> None:
    with StandIn({"queues": {"testqueue": {}}}) as bus:
        env = {
            "AzureWebJobsStorage": storage.connection_string,
            "AzureWebJobsServiceBusConnectionString": bus.connection_string(),
        }
        with HostProcess(copy_app("worker_e2e_servicebus_v1", tmp_path), env=env) as host, client(host) as api:
            host.wait_ready()
            data = str(round(time.time()))
            put = api.post("put_message", content=data)
            assert (put.status_code, put.text) == (200, "OK")
            triggered = eventually(lambda: api.get("get_servicebus_triggered"))
            assert triggered.status_code == 200, host.output()
            msg = triggered.json()
            assert msg["body"] == data
            assert msg["delivery_count"] == 1
            assert msg["message_id"] and msg["enqueued_time_utc"]
            assert triggered.headers["content-type"].startswith("application/json")
            assert host.terminate() == 0


def test_the_worker_style_v1_warmup_function_runs_on_admin_warmup(tmp_path: Path) -> None:
    root = copy_app("worker_e2e_warmup_v1", tmp_path)
    with HostProcess(root, env={"FUNCHOST_MASTER_KEY": MASTER, "AzureWebJobsStorage": ""}) as host:
        host.wait_ready()
        answer = httpx.get(f"{host.base_url}/admin/warmup", headers={"x-functions-key": MASTER}, timeout=10)
        assert answer.status_code == 200
        assert host.terminate() == 0
        assert host.output().count("Function App instance is warm") == 1
