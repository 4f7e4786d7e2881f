"""Blob trigger, EventGrid source, against real Azurite with in-process listeners (the webhook's HTTP side is in
tests/http/test_webhooks.py): BlobCreated events of both schemas become shared-queue messages and invocations bound
as with the polling source, events for other containers, other patterns or other types are skipped, a malformed
event queues nothing, a failing blob reaches webjobs-blobtrigger-poison, and nothing scans the container."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from funchost.errors import WebhookPayloadError
from funchost.triggers.base import ListenerState
from funchost.triggers.blob.eventgrid import BLOB_CREATED, BlobEvent, blob_path, parse_event
from tests.support.waiting import until
from tests.triggers.blob.conftest import Storage

pytestmark = pytest.mark.azurite

RECORDING = """
import os
CALLS = []

@app.blob_trigger(arg_name="blob", path="%CONTAINER%/in/{name}.txt", connection="AzureWebJobsStorage",
                  source="EventGrid")
def work(blob: func.InputStream) -> None:
    CALLS.append((blob.name, blob.length, blob.read(), blob.metadata))
    if os.environ.get("BLOB_FAIL"):
        raise RuntimeError("failing on purpose")
"""


def created(storage: Storage, name: str, etag: str, *, cloud: bool = False) -> dict[str, Any]:
    """The BlobCreated event Event Grid would deliver for the blob (Event Grid schema, or CloudEvents 1.0)."""
    data = {"api": "PutBlob", "eTag": etag.strip('"'), "blobType": "BlockBlob", "url": blob_url(storage, name)}
    if cloud:
        return {"specversion": "1.0", "type": BLOB_CREATED, "source": "/acct", "id": "1", "data": data}
    return {"eventType": BLOB_CREATED, "subject": f"/blobServices/default/containers/x/blobs/{name}", "data": data}


def blob_url(storage: Storage, name: str) -> str:
    return f"{storage.container.url}/{quote(name)}"


def calls(listener: Any) -> list[Any]:
    return list(listener.module["CALLS"])


def test_blob_urls_split_as_the_blob_uri_builder() -> None:
    own = "http://azurite:10000/devstoreaccount1"
    assert blob_path("https://acct.blob.core.windows.net/c/a/b%20c.txt", own) == ("c", "a/b c.txt")
    assert blob_path("http://127.0.0.1:10000/devstoreaccount1/c/x.txt", own) == ("c", "x.txt")  # path style
    assert blob_path("http://azurite:10000/devstoreaccount1/c/x.txt", own) == ("c", "x.txt")  # the app's account
    assert parse_event({"eventType": "Microsoft.Storage.BlobDeleted", "data": {}}, 0, own) is None
    event = {"type": BLOB_CREATED, "data": {"url": f"{own}/c/n", "eTag": "0x1", "blobType": "BlockBlob"}}
    assert parse_event(event, 0, own) == BlobEvent("c", "n", '"0x1"', "BlockBlob")
    for bad, problem in [
        ([], "event 3 is not a JSON object"),
        ({"data": {}}, "event 3 has no eventType"),
        ({"eventType": BLOB_CREATED}, "has no data object"),
        ({"eventType": BLOB_CREATED, "data": {"url": "x"}}, "has no data.eTag, data.blobType string"),
    ]:
        with pytest.raises(WebhookPayloadError, match=problem):
            parse_event(bad, 3, own)


async def test_events_fire_the_function_bound_as_the_polling_source_and_nothing_scans(
    make_listener: Any, storage: Storage, host_id: str
) -> None:
    listener = make_listener(RECORDING, env={"CONTAINER": storage.container_name})
    await listener.start()
    try:
        assert listener.state() == ListenerState.RUNNING and listener.events is not None
        first = await storage.put("in/a b.txt", b"first")
        await storage.container.get_blob_client("in/a b.txt").set_blob_metadata({"origin": "test"})
        second = await storage.put("in/b.txt", b"second")
        await storage.put("in/unannounced.txt", b"no event: never fires")
        queued = await listener.events.receive(
            [
                created(storage, "in/a b.txt", first),
                created(storage, "in/b.txt", second, cloud=True),
                created(storage, "in/c.png", second),  # outside the pattern
                {**created(storage, "in/b.txt", second), "eventType": "Microsoft.Storage.BlobDeleted"},
            ]
        )
        assert queued == 2
        await until(lambda: len(calls(listener)) == 2, what="two invocations")
        by_name = {c[0]: c for c in calls(listener)}
        assert by_name[f"{storage.container_name}/in/a b.txt"] == (
            f"{storage.container_name}/in/a b.txt",
            5,
            b"first",
            {"origin": "test"},
        )
        assert by_name[f"{storage.container_name}/in/b.txt"][2] == b"second"
        assert listener.scanner.sweeps == 0  # no scan ran
        assert await storage.receipts(host_id) == []  # the EventGrid path keeps no receipts, as the extension
        assert len(calls(listener)) == 2  # the blob without an event did not fire
    finally:
        await listener.stop(5)


async def test_a_malformed_event_queues_none_of_its_batch(make_listener: Any, storage: Storage) -> None:
    listener = make_listener(RECORDING, env={"CONTAINER": storage.container_name})
    await listener.start()
    try:
        etag = await storage.put("in/a.txt", b"x")
        assert listener.events is not None
        with pytest.raises(WebhookPayloadError, match="event 1"):
            await listener.events.receive([created(storage, "in/a.txt", etag), {"eventType": BLOB_CREATED}])
        other = {**created(storage, "in/a.txt", etag)}
        other["data"] = {**other["data"], "url": other["data"]["url"].replace(storage.container_name, "elsewhere")}
        assert await listener.events.receive([other]) == 0  # another container
        assert calls(listener) == []
    finally:
        await listener.stop(5)


async def test_a_failing_blob_is_retried_then_poisoned(make_listener: Any, storage: Storage) -> None:
    host_json = {"version": "2.0", "extensions": {"blobs": {"poisonBlobThreshold": 2}}}
    listener = make_listener(
        RECORDING, host_json=host_json, env={"CONTAINER": storage.container_name, "BLOB_FAIL": "1"}
    )
    await listener.start()
    try:
        etag = await storage.put("in/bad.txt", b"doomed")
        assert listener.events is not None
        await listener.events.receive([created(storage, "in/bad.txt", etag)])
        found = await storage.wait_poisoned()
        assert len(calls(listener)) == 2  # poisonBlobThreshold attempts, then poison
        assert found == [storage.message("in/bad.txt", etag)]
    finally:
        await listener.stop(5)
