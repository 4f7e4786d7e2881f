"""The blob extension webhook, /runtime/webhooks/blobs, on a real `funchost start` process with the shared Azurite
(uuid container): the Event Grid handshakes, a BlobCreated delivery → the function with the blob's InputStream,
the system key (created in the project's keys file on first start) or master key only, 404 for a function that is
not an EventGrid blob trigger, 400 for a malformed body, a failing blob retried then poisoned, and no container
scan for the EventGrid function while a polling one in the same container scans."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import BlobServiceClient, ContainerClient
from azure.storage.queue import QueueServiceClient

from tests.support.apps import write_app
from tests.support.hostproc import HostProcess
from tests.support.waiting import until

pytestmark = pytest.mark.azurite

APP = """
import json
import os
import uuid

import azure.functions as func

app = func.FunctionApp()


@app.blob_trigger(arg_name="blob", path="%CONTAINER%/in/{name}.txt", connection="AzureWebJobsStorage",
                  source="EventGrid")
def grid(blob: func.InputStream) -> None:
    data = blob.read()
    record = {"name": blob.name, "length": blob.length, "data": data.decode(), "metadata": blob.metadata}
    with open(os.path.join(os.environ["RECORD_DIR"], uuid.uuid4().hex), "w") as out:
        json.dump(record, out)
    if data == b"fail":
        raise RuntimeError("failing on purpose")


@app.blob_trigger(arg_name="blob", path="%CONTAINER%/polled/{name}", connection="AzureWebJobsStorage")
def polled(blob: func.InputStream) -> None:
    pass
"""
MASTER = "webhook-tests-master-key"
BLOB_CREATED = "Microsoft.Storage.BlobCreated"


@dataclass
class Served:
    host: HostProcess
    blobs: BlobServiceClient
    container: ContainerClient
    records: Path
    system_key: str

    def url(self, function: str = "Host.Functions.grid", key: str | None = None) -> str:
        return f"/runtime/webhooks/blobs?functionName={function}&code={key or self.system_key}"

    def calls(self) -> list[dict[str, Any]]:
        return [json.loads(path.read_text()) for path in self.records.iterdir()]

    def created(self, name: str, data: bytes) -> dict[str, Any]:
        """Upload the blob; the BlobCreated event Event Grid would send for it."""
        etag = str(self.container.get_blob_client(name).upload_blob(data, overwrite=True)["etag"]).strip('"')
        url = f"{self.container.url}/{quote(name)}"
        return {"eventType": BLOB_CREATED, "data": {"eTag": etag, "blobType": "BlockBlob", "url": url}}


@pytest.fixture(scope="module")
def served(azurite: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("webhook-app")
    records = root / "records"
    records.mkdir()
    name = f"t{uuid.uuid4().hex[:20]}"
    blobs = BlobServiceClient.from_connection_string(azurite)
    container = blobs.create_container(name)
    host_json = {"version": "2.0", "extensions": {"blobs": {"poisonBlobThreshold": 2}}}
    write_app(root, APP, host_json=host_json, settings={})
    env = {
        "AzureWebJobsStorage": azurite,
        "CONTAINER": name,
        "RECORD_DIR": str(records),
        "FUNCHOST_MASTER_KEY": MASTER,
        "FUNCHOST_BLOB_SCAN_INTERVAL": "0.2",
    }
    try:
        with HostProcess(root, env=env) as host:
            host.wait_ready(60)
            keys = json.loads((root / ".funchost" / "keys.json").read_text())
            yield Served(host, blobs, container, records, keys["systemKeys"]["blobs_extension"])
            assert host.terminate() == 0, host.output()
    finally:
        container.delete_container()
        blobs.close()


def post(served: Served, url: str, body: object, kind: str = "Notification", **headers: str) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(served.host.base_url + url, content=content, headers={"aeg-event-type": kind, **headers})


def test_the_subscription_handshakes(served: Served) -> None:
    event = [{"eventType": "Microsoft.EventGrid.SubscriptionValidationEvent", "data": {"validationCode": "abc-1"}}]
    answer = post(served, served.url(), event, "SubscriptionValidation")
    assert (answer.status_code, answer.json()) == (200, {"validationResponse": "abc-1"})
    cloud = {"specversion": "1.0", "type": "x", "data": json.dumps({"validationCode": "abc-2"})}
    assert post(served, served.url(), cloud, "SubscriptionValidation").json() == {"validationResponse": "abc-2"}
    options = httpx.options(
        served.host.base_url + served.url(), headers={"WebHook-Request-Origin": "eventgrid.azure.net"}
    )
    assert (options.status_code, options.headers["webhook-allowed-origin"]) == (200, "eventgrid.azure.net")
    assert post(served, served.url(), [], "Unsubscribe").status_code == 202


async def test_a_blob_created_event_runs_the_function_with_the_blob(served: Served) -> None:
    event = served.created("in/a.txt", b"hello")
    served.container.get_blob_client("in/a.txt").set_blob_metadata({"origin": "grid"})
    served.container.upload_blob("in/silent.txt", b"no event: the container is not scanned for grid")
    answer = post(served, served.url(), [event, {**event, "eventType": "Microsoft.Storage.BlobDeleted"}])
    assert answer.status_code == 202
    await until(served.calls, what="the invocation")
    assert served.calls() == [
        {
            "name": f"{served.container.container_name}/in/a.txt",
            "length": 5,
            "data": "hello",
            "metadata": {"origin": "grid"},
        }
    ]
    hosts = served.blobs.get_container_client("azure-webjobs-hosts")
    mine = f"/{served.container.container_name}/Host.Functions."

    def scan_infos() -> list[str]:
        if not hosts.exists():  # the host creates azure-webjobs-hosts on its first write: a fresh Azurite has none
            return []
        return [b.name for b in hosts.list_blobs(name_starts_with="blobscaninfo/") if mine in b.name]

    served.container.upload_blob("polled/p", b"for the polling function's scan")
    await until(scan_infos, what="the polling function's scan info")
    assert [n.rsplit("/", 2)[-2] for n in scan_infos()] == ["Host.Functions.polled"]  # grid never scanned
    assert [c["name"].rsplit("/", 1)[-1] for c in served.calls()] == ["a.txt"]


def test_only_the_system_key_or_the_master_key_opens_it(served: Served) -> None:
    event = [{"eventType": "Microsoft.Storage.BlobDeleted", "data": {}}]  # skipped: nothing runs
    assert post(served, served.url(key=MASTER), event).status_code == 202
    for url in (served.url(key="wrong"), "/runtime/webhooks/blobs?functionName=Host.Functions.grid"):
        answer = post(served, url, event)
        assert answer.status_code == 401 and "system key" in answer.text, answer.text
    assert post(served, f"/runtime/webhooks/eventgrid?code={served.system_key}", event).status_code == 401
    assert post(served, f"/runtime/webhooks/eventgrid?code={MASTER}", event).status_code == 404


def test_names_that_are_not_an_event_grid_blob_trigger_answer_404(served: Served) -> None:
    for function, problem in [
        ("Host.Functions.nosuch", "no function 'nosuch'"),
        ("Host.Functions.polled", "'polled' is not a blob trigger with source EventGrid"),
        ("grid", "use Host.Functions.grid"),
    ]:
        answer = post(served, served.url(function), [])
        assert answer.status_code == 404 and problem in answer.text, answer.text
    missing = post(served, f"/runtime/webhooks/blobs?code={served.system_key}", [])
    assert missing.status_code == 400 and "no functionName" in missing.text


def test_a_malformed_body_is_400_naming_the_problem(served: Served) -> None:
    for body, kind, problem in [
        (b"{not json", "Notification", "the body is not JSON"),
        (b"42", "Notification", "expected an array of events"),
        (json.dumps([{"eventType": BLOB_CREATED, "data": {"url": "x"}}]).encode(), "Notification", "data.eTag"),
        (b"[{}]", "SubscriptionValidation", "no data.validationCode"),
        (b"[]", "Other", "aeg-event-type is 'other'"),
    ]:
        answer = post(served, served.url(), body, kind)
        assert answer.status_code == 400 and problem in answer.text, answer.text


async def test_a_failing_blob_is_retried_then_poisoned(served: Served, azurite: str) -> None:
    before = len(served.calls())
    assert post(served, served.url(), [served.created("in/bad.txt", b"fail")]).status_code == 202
    poison = QueueServiceClient.from_connection_string(azurite).get_queue_client("webjobs-blobtrigger-poison")
    found: list[dict[str, Any]] = []

    def poisoned() -> bool:
        try:
            poison.get_queue_properties()
        except ResourceNotFoundError:  # the host creates the queue when it poisons the first blob
            return False
        for message in poison.receive_messages(messages_per_page=32, visibility_timeout=1):
            body = json.loads(base64.b64decode(message.content))
            if body.get("ContainerName") == served.container.container_name:
                found.append(body)
                poison.delete_message(message)
        return bool(found)

    await until(poisoned, what="the blob's message on webjobs-blobtrigger-poison")
    assert [f["BlobName"] for f in found] == ["in/bad.txt"]
    assert len(served.calls()) - before == 2  # poisonBlobThreshold attempts
