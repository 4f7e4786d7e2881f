"""Blob trigger (polling source) against real Azurite, with in-process listeners: each blob version fires once
(new and changed blobs, by ETag), only blobs matching the path pattern fire, receipts are where the extension keeps
them, a restart does not fire again, a failing blob reaches `webjobs-blobtrigger-poison` after poisonBlobThreshold
attempts, and a missing container is waited for, with a warning naming the function, binding and fix."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import logging
import re
from dataclasses import replace
from typing import Any

import pytest
from azure.core.exceptions import ResourceExistsError
from azure.storage.blob import ContentSettings

from funchost.triggers.base import ListenerState
from funchost.triggers.blob.receipts import INCOMPLETE
from funchost.triggers.blob.scanner import Candidate, quoted_etag
from tests.support.waiting import until
from tests.triggers.blob.conftest import Storage

pytestmark = pytest.mark.azurite

RECORDING = """
import os
CALLS = []

@app.blob_trigger(arg_name="blob", path="%CONTAINER%/in/{name}.txt", connection="AzureWebJobsStorage")
def work(blob: func.InputStream) -> None:
    CALLS.append((blob.name, blob.length, blob.read(), blob.uri))
    if os.environ.get("BLOB_FAIL"):
        raise RuntimeError("failing on purpose")
"""


def calls(listener: Any) -> list[Any]:
    return list(listener.module["CALLS"])


PROPERTIES = """
import json
SEEN = []

@app.blob_trigger(arg_name="myblob", path="%CONTAINER%/in/{name}", connection="AzureWebJobsStorage")
def inspect(myblob: func.InputStream) -> None:
    props = myblob.blob_properties
    SEEN.append((json.dumps(props), props["ContentLength"], props["ContentType"], props["BlobType"],
                 props["LastModified"], props["ContentHash"], myblob.metadata))
"""


async def test_blob_properties_and_metadata_are_what_the_python_worker_gets(
    make_listener: Any, storage: Storage
) -> None:
    """`InputStream.blob_properties` is the host's JSON of .NET's BlobProperties (Newtonsoft defaults: ISO dates,
    base64 hash, enum numbers) and `metadata` the blob's metadata, so code written against Azure reads the same."""
    listener = make_listener(PROPERTIES, env={"CONTAINER": storage.container_name})
    await listener.start()
    try:
        blob = storage.container.get_blob_client("in/report.csv")
        settings = ContentSettings(content_type="text/csv")
        await blob.upload_blob(b"a,b\n1,2\n", metadata={"owner": "ana"}, content_settings=settings)
        await until(lambda: listener.module["SEEN"], what="the invocation")
        dumped, length, content_type, blob_type, modified, content_hash, metadata = listener.module["SEEN"][0]
        assert json.loads(dumped)["Metadata"] == {"owner": "ana"}  # all of it is plain JSON, as from the host
        assert (length, content_type, blob_type, metadata) == (8, "text/csv", 0, {"owner": "ana"})  # 0: Block
        stored = await blob.get_blob_properties()
        assert datetime.datetime.fromisoformat(modified) == stored.last_modified
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00", modified)
        assert base64.b64decode(content_hash) == hashlib.md5(b"a,b\n1,2\n").digest()
    finally:
        await listener.stop(5)


async def test_each_blob_version_fires_once_and_only_matching_blobs(
    make_listener: Any, storage: Storage, host_id: str
) -> None:
    listener = make_listener(RECORDING, env={"CONTAINER": storage.container_name})
    await listener.start()
    try:
        etag = await storage.put("in/a.txt", b"first")
        await storage.put("in/b.png", b"not matched")  # the pattern wants .txt
        await storage.put("other/c.txt", b"not matched")  # outside the prefix
        await until(lambda: calls(listener), what="the first invocation")
        name, length, data, uri = calls(listener)[0]
        assert (name, length, data) == (f"{storage.container_name}/in/a.txt", 5, b"first")
        assert uri.endswith(f"/{storage.container_name}/in/a.txt")
        sweeps = listener.scanner.sweeps
        await until(lambda: listener.scanner.sweeps >= sweeps + 3, what="three more scans")
        assert len(calls(listener)) == 1  # the same version is not fired again
        await storage.put("in/a.txt", b"second")  # a new ETag: a new version
        await until(lambda: len(calls(listener)) == 2, what="the changed blob to fire")
        assert calls(listener)[1][2] == b"second"
        sweeps = listener.scanner.sweeps
        await until(lambda: listener.scanner.sweeps >= sweeps + 3, what="three more scans")
        assert len(calls(listener)) == 2
        receipts = await storage.receipts(host_id)
        expected = f"blobreceipts/{host_id}/Host.Functions.work/{etag}/{storage.container_name}/in/a.txt"
        assert expected in receipts and len(receipts) == 2
        props = await storage.blobs.get_blob_client("azure-webjobs-hosts", expected).get_blob_properties()
        assert INCOMPLETE not in (props.metadata or {})  # completed
    finally:
        await listener.stop(5)


async def test_a_restarted_listener_does_not_fire_processed_blobs_again(make_listener: Any, storage: Storage) -> None:
    env = {"CONTAINER": storage.container_name}
    first = make_listener(RECORDING, env=env)
    await first.start()
    await storage.put("in/a.txt", b"one")
    await until(lambda: calls(first), what="the first invocation")
    await first.stop(5)
    second = make_listener(RECORDING, env=env)
    await second.start()
    try:
        await storage.put("in/b.txt", b"two")
        await until(lambda: calls(second), what="the new blob after the restart")
        sweeps = second.scanner.sweeps
        await until(lambda: second.scanner.sweeps >= sweeps + 3, what="three more scans")
        assert [c[0] for c in calls(second)] == [f"{storage.container_name}/in/b.txt"]
    finally:
        await second.stop(5)


async def test_a_failing_blob_reaches_the_poison_queue_after_the_threshold(
    make_listener: Any, storage: Storage
) -> None:
    host_json = {"version": "2.0", "extensions": {"blobs": {"poisonBlobThreshold": 3}}}
    listener = make_listener(
        RECORDING, host_json=host_json, env={"CONTAINER": storage.container_name, "BLOB_FAIL": "1"}
    )
    await listener.start()
    try:
        etag = await storage.put("in/bad.txt", b"doomed")
        found = await storage.wait_poisoned()
        assert len(calls(listener)) == 3  # poisonBlobThreshold attempts, then poison
        assert found == [storage.message("in/bad.txt", etag)]
        sweeps = listener.scanner.sweeps
        await until(lambda: listener.scanner.sweeps >= sweeps + 3, what="three more scans")
        assert len(calls(listener)) == 3  # its receipt is complete: not fired again
    finally:
        await listener.stop(5)


async def test_a_missing_container_at_start_is_waited_for_with_a_warning_naming_function_binding_and_fix(
    make_listener: Any, caplog: pytest.LogCaptureFixture
) -> None:
    listener = make_listener(RECORDING, env={"CONTAINER": "nosuchcontainer-blobtest"})
    with caplog.at_level(logging.WARNING):
        await listener.start()
    try:
        assert listener.state() == ListenerState.WAITING and "does not exist" in listener.detail()
        text = caplog.text
        assert "function 'work'" in text and "binding 'blob'" in text and "nosuchcontainer-blobtest" in text
        assert "Fix: create the container" in text
    finally:
        await listener.stop(5)


async def test_a_container_deleted_while_running_turns_the_listener_to_waiting(
    make_listener: Any, storage: Storage
) -> None:
    listener = make_listener(RECORDING, env={"CONTAINER": storage.container_name})
    await listener.start()
    try:
        await until(lambda: listener.state() == ListenerState.RUNNING, what="running")
        await storage.container.delete_container()
        await until(lambda: listener.state() == ListenerState.WAITING, what="waiting")
        assert "does not exist" in listener.detail()

        async def recreated() -> bool:
            try:
                await storage.container.create_container()
            except ResourceExistsError:  # Azurite finishes a delete asynchronously
                return False
            return True

        await until(recreated, what="the container to be created again")
        await until(lambda: listener.state() == ListenerState.RUNNING, what="running again")
    finally:
        await listener.stop(5)


async def test_a_fresh_candidate_with_a_completed_receipt_is_not_queued_again(
    make_listener: Any, storage: Storage
) -> None:
    """A blob newer than the mark tries the receipt create first; when a receipt exists (a restart mid-sweep) the
    create fails without touching it, and a completed one means no second message."""
    listener = make_listener(RECORDING, env={"CONTAINER": storage.container_name})
    await listener.start()
    try:
        await storage.put("in/a.txt", b"once")
        queue = listener.executor.queue.queue

        async def settled() -> bool:
            return (await queue.get_queue_properties()).approximate_message_count == 0 and bool(calls(listener))

        await until(settled, what="the first invocation and its message deleted")
        properties = await storage.container.get_blob_client("in/a.txt").get_blob_properties()
        again = Candidate("in/a.txt", quoted_etag(properties.etag), properties.last_modified, "BlockBlob", fresh=True)
        assert await listener.executor.enqueue(again) is True
        assert await listener.executor.enqueue(replace(again, fresh=False)) is True
        assert (await queue.get_queue_properties()).approximate_message_count == 0
        assert len(calls(listener)) == 1
    finally:
        await listener.stop(5)
