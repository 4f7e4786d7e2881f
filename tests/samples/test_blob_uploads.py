"""samples/blob-uploads through `funchost start` against real Azurite: a CSV under incoming/ fires the blob trigger
once and its summary lands on the queue output; a non-matching blob does not fire; `UseDevelopmentStorage=true`
from local.settings.json, uuid-named container and queue."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob.aio import BlobServiceClient
from azure.storage.queue.aio import QueueServiceClient

from tests.support.hostproc import SAMPLES, HostProcess

pytestmark = pytest.mark.azurite


@pytest.fixture
async def names(azurite: str) -> AsyncIterator[tuple[BlobServiceClient, QueueServiceClient, str]]:
    blobs = BlobServiceClient.from_connection_string(azurite, retry_total=0)
    queues = QueueServiceClient.from_connection_string(azurite, retry_total=0)
    name = f"t{uuid.uuid4().hex[:20]}"
    await blobs.create_container(name)
    yield blobs, queues, name
    await blobs.delete_container(name)
    with contextlib.suppress(ResourceNotFoundError):
        await queues.delete_queue(name)
    await blobs.close()
    await queues.close()


async def test_a_csv_upload_is_summarized_once(names: tuple[BlobServiceClient, QueueServiceClient, str]) -> None:
    blobs, queues, name = names
    env = {"UPLOADS_CONTAINER": name, "SUMMARY_QUEUE": name, "FUNCHOST_BLOB_SCAN_INTERVAL": "0.2"}
    container = blobs.get_container_client(name)
    with HostProcess(SAMPLES / "blob-uploads", env=env) as host:
        host.wait_ready()
        await container.upload_blob("incoming/sales.csv", b"region,amount\nnorth,3\nsouth,4\n")
        await container.upload_blob("incoming/readme.txt", b"not a csv")
        queue, taken = queues.get_queue_client(name), []
        deadline = time.monotonic() + 30
        while not taken:
            assert time.monotonic() < deadline, "no summary on the queue after 30 s"
            try:
                async for message in queue.receive_messages(messages_per_page=32):
                    taken.append(json.loads(base64.b64decode(message.content)))
                    await queue.delete_message(message)
            except ResourceNotFoundError:  # the output binding creates the queue with its first message
                await asyncio.sleep(0.1)
        assert host.terminate() == 0
        log = host.output()
    assert taken == [{"blob": f"{name}/incoming/sales.csv", "rows": 2, "columns": ["region", "amount"]}]
    assert "readme" not in log
