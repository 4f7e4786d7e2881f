"""Fixtures of the blob-trigger tests: the real shared Azurite, a uuid-named container per test, and in-process
blob listeners over a loaded app (real FunctionInvoker, real storage clients)."""

from __future__ import annotations

import base64
import json
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from azure.storage.blob.aio import BlobServiceClient
from azure.storage.queue.aio import QueueServiceClient

from funchost.invocation import FunctionInvoker, InFlight
from funchost.metadata.app_loader import load_app
from funchost.metrics import HostMetrics
from funchost.triggers.base import ListenerContext
from funchost.triggers.blob.listener import BlobListener
from funchost.triggers.blob.poison import POISON_QUEUE
from tests.support.apps import write_app
from tests.support.waiting import until

HEADER = "import azure.functions as func\napp = func.FunctionApp()\n"


class Storage:
    def __init__(self, conn: str, container: str) -> None:
        self.blobs = BlobServiceClient.from_connection_string(conn, retry_total=0)
        self.queues = QueueServiceClient.from_connection_string(conn, retry_total=0)
        self.container_name = container
        self.container = self.blobs.get_container_client(container)

    async def put(self, name: str, data: bytes | str) -> str:
        result = await self.container.get_blob_client(name).upload_blob(data, overwrite=True)
        return '"' + str(result["etag"]).strip('"') + '"'  # quoted, as the ETag header

    async def poisoned(self) -> list[dict[str, Any]]:
        """The poison-queue messages of this test's container (others' are left alone)."""
        mine = []
        poison = self.queues.get_queue_client(POISON_QUEUE)
        if not await poison_exists(poison):
            return []
        async for message in poison.receive_messages(messages_per_page=32, visibility_timeout=1):
            body = json.loads(base64.b64decode(message.content))
            if body.get("ContainerName") == self.container_name:
                mine.append(body)
                await poison.delete_message(message)
        return mine

    async def wait_poisoned(self) -> list[dict[str, Any]]:
        """Wait for this container's messages on webjobs-blobtrigger-poison and take them."""
        found: list[dict[str, Any]] = []

        async def poisoned() -> bool:
            found.extend(await self.poisoned())
            return bool(found)

        await until(poisoned, what="the blob's message on webjobs-blobtrigger-poison")
        return found

    def message(self, name: str, etag: str, function: str = "work") -> dict[str, Any]:
        """The shared-queue message (BlobTriggerMessage) of one blob of this container."""
        return {
            "Type": "BlobTrigger",
            "FunctionId": f"Host.Functions.{function}",
            "BlobType": "BlockBlob",
            "ContainerName": self.container_name,
            "BlobName": name,
            "ETag": etag,
        }

    async def receipts(self, host_id: str) -> list[str]:
        hosts = self.blobs.get_container_client("azure-webjobs-hosts")
        return [b.name async for b in hosts.list_blobs(name_starts_with=f"blobreceipts/{host_id}/")]


async def poison_exists(queue: Any) -> bool:
    try:
        await queue.get_queue_properties()
    except Exception:
        return False
    return True


@pytest.fixture
async def storage(azurite: str) -> AsyncIterator[Storage]:
    state = Storage(azurite, f"t{uuid.uuid4().hex[:20]}")
    await state.container.create_container()
    yield state
    await state.container.delete_container()
    await state.blobs.close()
    await state.queues.close()


@pytest.fixture
def host_id() -> str:
    return f"test-{uuid.uuid4().hex[:16]}"


@pytest.fixture
def make_listener(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, azurite: str, host_id: str
) -> Iterator[Callable[..., BlobListener]]:
    """`make_listener(source, host_json=...)` → an unstarted BlobListener of the app's one function."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("AzureWebJobsStorage", azurite)
    monkeypatch.setenv("FUNCHOST_BLOB_SCAN_INTERVAL", "0.2")
    executor = ThreadPoolExecutor(max_workers=4)
    counter = iter(range(100))
    started: list[BlobListener] = []

    def make(source: str, *, host_json: dict[str, Any] | None = None, env: dict[str, str] | None = None) -> Any:
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        root = write_app(tmp_path / f"app{next(counter)}", HEADER + source, host_json=host_json)
        loaded = load_app(root, apply_settings=False)
        indexed = loaded.functions[0]
        spec, metrics = indexed.spec, HostMetrics()
        invoker = FunctionInvoker(
            indexed, executor=executor, timeout=None, metrics=metrics, in_flight=InFlight(), function_directory="."
        )
        context = ListenerContext(loaded, invoker, loaded.settings[spec.name][spec.trigger.name], metrics, host_id)
        listener = BlobListener(context)
        started.append(listener)
        listener.module = indexed.callable.__globals__  # type: ignore[attr-defined]
        return listener

    yield make
    sys.modules.pop("function_app", None)
    executor.shutdown(wait=False, cancel_futures=True)
