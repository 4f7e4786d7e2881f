"""samples/rabbitmq-orders through `funchost start` against a real RabbitMQ: orders posted over HTTP are queued,
validated by the RabbitMQ trigger and published to the accepted queue; an invalid order is retried and ends in
the dead-letter queue; bad HTTP input is refused before anything is queued."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest

from tests.support.hostproc import SAMPLES, HostProcess

pytestmark = pytest.mark.rabbitmq


@pytest.fixture
async def sample(rabbitmq: str, tmp_path: Path, unique_name: str) -> AsyncIterator[tuple[Path, dict[str, str]]]:
    """A copy of the sample (keys are written next to it) with its own queues, declared by its setup script."""
    root = tmp_path / "rabbitmq-orders"
    shutil.copytree(SAMPLES / "rabbitmq-orders", root)
    env = {
        "RabbitMQConnection": rabbitmq,
        "OrdersQueue": f"{unique_name}-orders",
        "AcceptedOrdersQueue": f"{unique_name}-accepted",
        "RejectedOrdersQueue": f"{unique_name}-rejected",
    }
    setup = await asyncio.to_thread(
        subprocess.run, [sys.executable, "setup_queues.py"], cwd=root, env=env, capture_output=True, text=True
    )
    assert setup.returncode == 0, setup.stderr
    yield root, env
    async with await aio_pika.connect(rabbitmq) as connection:
        channel = await connection.channel()
        for name in ("OrdersQueue", "AcceptedOrdersQueue", "RejectedOrdersQueue"):
            await channel.queue_delete(env[name])


async def take(url: str, queue: str, count: int, within: float = 30) -> list[dict[str, Any]]:
    """Wait until `count` messages could be taken from `queue`; their JSON bodies."""
    taken: list[dict[str, Any]] = []
    deadline = time.monotonic() + within
    async with await aio_pika.connect(url) as connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        while len(taken) < count:
            assert time.monotonic() < deadline, f"{len(taken)} of {count} messages arrived in {queue}"
            message = await declared.get(no_ack=True, fail=False)
            if message is None:
                await asyncio.sleep(0.05)
            else:
                taken.append(json.loads(message.body))
    return taken


def post(host: HostProcess, body: str) -> httpx.Response:
    return httpx.post(f"{host.base_url}/api/orders", content=body, timeout=10)


async def test_orders_flow_from_http_through_the_trigger_to_the_accepted_and_rejected_queues(
    sample: tuple[Path, dict[str, str]],
) -> None:
    root, env = sample
    url = env["RabbitMQConnection"]
    orders = [
        {"id": f"A{i}", "lines": [{"item": "apple", "quantity": i}, {"item": "melon", "quantity": 1}]}
        for i in range(1, 6)
    ]
    with HostProcess(root, env=env) as host:
        await asyncio.to_thread(host.wait_ready)
        for order in orders:
            response = await asyncio.to_thread(post, host, json.dumps(order))
            assert response.status_code == 202 and response.json() == {"queued": order["id"]}
        refused = await asyncio.to_thread(post, host, "not json")
        assert refused.status_code == 400
        invalid = await asyncio.to_thread(
            post, host, json.dumps({"id": "BAD", "lines": [{"item": "rock", "quantity": 1}]})
        )
        assert invalid.status_code == 202
        accepted = await take(url, env["AcceptedOrdersQueue"], 5)
        rejected = await take(url, env["RejectedOrdersQueue"], 1)
        assert await asyncio.to_thread(host.terminate) == 0
        log = host.output()
    assert sorted(a["id"] for a in accepted) == ["A1", "A2", "A3", "A4", "A5"]
    assert {a["id"]: a["total"] for a in accepted}["A4"] == 5.0  # 4 apples at 0.50 + a melon at 3.00
    assert all(a["status"] == "accepted" for a in accepted)
    assert rejected == [{"id": "BAD", "lines": [{"item": "rock", "quantity": 1}]}]
    assert log.count("x-ms-rabbitmq-requeuecount=") == 4 and "failed 5 times" in log
