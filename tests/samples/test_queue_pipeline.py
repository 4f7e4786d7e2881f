"""samples/queue-pipeline through `funchost start` against real Azurite: HTTP POST → queue output → queue trigger
→ queue output, with `UseDevelopmentStorage=true` from local.settings.json and uuid-named queues."""

from __future__ import annotations

import base64
import json
import time

import httpx
import pytest
from azure.storage.queue.aio import QueueServiceClient

from tests.support.hostproc import SAMPLES, HostProcess

pytestmark = pytest.mark.azurite


async def take(service: QueueServiceClient, queue: str, count: int, within: float = 30.0) -> list[dict[str, object]]:
    """Receive and delete `count` JSON messages (base64, the sample's encoding) from `queue`."""
    client = service.get_queue_client(queue)
    taken: list[dict[str, object]] = []
    deadline = time.monotonic() + within
    while len(taken) < count:
        assert time.monotonic() < deadline, f"only {len(taken)} of {count} messages on '{queue}' after {within} s"
        async for message in client.receive_messages(messages_per_page=32, max_messages=32):
            taken.append(json.loads(base64.b64decode(message.content)))
            await client.delete_message(message)
    return taken


async def test_orders_flow_from_http_through_both_queues(queue_service: QueueServiceClient, unique_name: str) -> None:
    orders, processed = unique_name, f"{unique_name}-processed"
    env = {"AzureWebJobsStorage": "UseDevelopmentStorage=true", "ORDERS_QUEUE": orders, "PROCESSED_QUEUE": processed}
    sent = {f"A{i}": {"id": f"A{i}", "items": [{"price": 2.5, "quantity": i}, {"price": 1}]} for i in range(1, 6)}
    with HostProcess(SAMPLES / "queue-pipeline", env=env) as host:
        host.wait_ready()
        async with httpx.AsyncClient(base_url=host.base_url) as client:
            for order in sent.values():
                answer = await client.post("/api/orders", json=order)
                assert (answer.status_code, answer.json()) == (202, {"accepted": order["id"]})
            rejected = await client.post("/api/orders", content=b"not json")
            assert rejected.status_code == 400
        results = await take(queue_service, processed, len(sent))
        assert host.terminate() == 0
        log = host.output()
    assert {r["id"]: r["total"] for r in results} == {f"A{i}": 2.5 * i + 1 for i in range(1, 6)}
    assert len({r["messageId"] for r in results}) == len(sent)
    props = await queue_service.get_queue_client(orders).get_queue_properties()
    assert props.approximate_message_count == 0  # every order message was deleted after processing
    assert "Order A5 totals 13.50 (attempt 1)" in log
