"""The Azure queue side: a private Azurite per run, creating, feeding, counting and deleting queues."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench.common.azurite import AZURITE_ACCOUNT, AZURITE_KEY, PrivateAzurite
from bench.events_bench.progress import body

QUEUE_ENDPOINT = ""  # set by use_queue_port(): the harness and its children share AZURITE_QUEUE_PORT
QUEUE_CONN = ""
AZURITE_HEADERS = {"x-ms-version": "2021-02-12"}


def use_queue_port(port: int) -> None:
    """Point this process, and the processes it starts (funchost included), at Azurite's queue on `port`."""
    global QUEUE_ENDPOINT, QUEUE_CONN
    os.environ["AZURITE_QUEUE_PORT"] = str(port)
    QUEUE_ENDPOINT = f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}"
    QUEUE_CONN = (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"QueueEndpoint={QUEUE_ENDPOINT};"
    )


use_queue_port(int(os.environ.get("AZURITE_QUEUE_PORT", "10001")))


def start_private_azurite(logdir: Path) -> subprocess.Popen[bytes]:
    """A fresh Azurite queue service on a free port for one consumer run (see bench/common/azurite.py for why a
    private one, persisted to a folder), and this process and its children pointed at it."""
    azurite = PrivateAzurite(Path(tempfile.mkdtemp(prefix="azurite-", dir=logdir)), logdir / "azurite.log")
    use_queue_port(azurite.port)
    return azurite.proc


async def queue_create(name: str) -> None:
    from azure.storage.queue.aio import QueueClient

    async with QueueClient.from_connection_string(QUEUE_CONN, name) as queue:
        await queue.create_queue()


class AzuriteQueue:
    """Sends and counts straight over HTTP with an account SAS: the SDK's pipeline costs ~1.4 ms of CPU per send,
    which would make the producer slower than the consumers. Bodies are base64 text (`messageEncoding: base64`)."""

    def __init__(self, name: str, session: Any) -> None:
        from azure.storage.queue import AccountSasPermissions, ResourceTypes, generate_account_sas

        sas = generate_account_sas(
            AZURITE_ACCOUNT,
            AZURITE_KEY,
            ResourceTypes(service=True, container=True, object=True),
            AccountSasPermissions(add=True, read=True),
            expiry=datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1),
        )
        self.session = session
        self.messages_url = f"{QUEUE_ENDPOINT}/{name}/messages?{sas}"
        self.metadata_url = f"{QUEUE_ENDPOINT}/{name}?comp=metadata&{sas}"

    async def send(self, numbers: range, concurrency: int = 64) -> None:
        todo = iter(numbers)

        async def sender() -> None:
            for i in todo:
                text = base64.b64encode(body(i)).decode()
                payload = f"<QueueMessage><MessageText>{text}</MessageText></QueueMessage>"
                async with self.session.post(self.messages_url, data=payload, headers=AZURITE_HEADERS) as response:
                    if response.status != 201:
                        raise RuntimeError(f"Azurite refused a message: HTTP {response.status} {await response.text()}")
                    await response.read()

        await asyncio.gather(*(sender() for _ in range(concurrency)))

    async def depth(self) -> int:
        """Messages in the queue, visible or not (received, not yet deleted)."""
        async with self.session.get(self.metadata_url, headers=AZURITE_HEADERS) as response:
            await response.read()
            return int(response.headers.get("x-ms-approximate-messages-count", "0"))


async def queue_feed(name: str, n: int, depth: int) -> None:
    """Azurite's in-memory store scans the whole queue on every receive and delete: with 20,000 messages waiting it
    drains ~11 msg/s (one core busy), with 3,000 ~150 msg/s. So the queue is not filled with all N up front: `depth`
    messages are pre-loaded ("READY" on stdout), then topped up — whenever a tenth of `depth` is missing — until N
    were sent. Both consumers see the same queue depth and the same producer load on Azurite."""
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:
        queue = AzuriteQueue(name, session)
        sent = min(depth, n)
        await queue.send(range(sent))
        print("READY", flush=True)
        while sent < n:
            missing = min(depth - await queue.depth(), n - sent)
            if missing >= max(1, min(depth // 10, n - sent)):
                await queue.send(range(sent, sent + missing))
                sent += missing
            else:
                await asyncio.sleep(0.02)


async def queue_remaining(name: str) -> int:
    from azure.storage.queue.aio import QueueClient

    async with QueueClient.from_connection_string(QUEUE_CONN, name) as queue:
        return (await queue.get_queue_properties()).approximate_message_count or 0


async def queue_delete(name: str) -> None:
    from azure.core.exceptions import ResourceNotFoundError
    from azure.storage.queue.aio import QueueClient

    for queue_name in (name, f"{name}-poison"):
        async with QueueClient.from_connection_string(QUEUE_CONN, queue_name) as queue:
            with contextlib.suppress(ResourceNotFoundError):
                await queue.delete_queue()
