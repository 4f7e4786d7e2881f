"""Enqueue a burst of work items for samples/scale-demo: `python send_burst.py [COUNT]` (default 500)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
import uuid

from azure.core.exceptions import ResourceExistsError
from azure.storage.queue.aio import QueueClient

from funchost.metadata.connections import StorageConnection


async def send(count: int) -> None:
    queue_name = os.environ.get("WORK_QUEUE", "work-items")
    setting = os.environ.get("AzureWebJobsStorage", "UseDevelopmentStorage=true")
    connection = StorageConnection("AzureWebJobsStorage", connection_string=setting).effective_connection_string()
    assert connection is not None
    async with QueueClient.from_connection_string(connection, queue_name) as queue:
        try:
            await queue.create_queue()
        except ResourceExistsError:
            pass
        batch = uuid.uuid4().hex[:8]
        pending = [
            # base64, the host's default messageEncoding (host.json extensions.queues.messageEncoding)
            base64.b64encode(json.dumps({"id": f"{batch}-{n}"}).encode()).decode()
            for n in range(count)
        ]
        for start in range(0, count, 50):
            await asyncio.gather(*(queue.send_message(body) for body in pending[start : start + 50]))
    print(f"enqueued {count} items to '{queue_name}' (batch {batch})")


if __name__ == "__main__":
    asyncio.run(send(int(sys.argv[1]) if len(sys.argv) > 1 else 500))
