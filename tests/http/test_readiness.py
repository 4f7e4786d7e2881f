"""`/readyz` of a real `funchost start` whose trigger waits for a queue that does not exist yet.

Real services only: the shared Azurite (storage queue) and RabbitMQ (AMQP queue). The host runs, serves HTTP and
answers ready (200) while each listener waits for its missing queue; the body says which listener waits, for
what, and that it counts as ready. Once the queue exists the listener runs and processes a message.
"""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest
from azure.storage.queue.aio import QueueServiceClient

from tests.services_support import RABBITMQ_URL
from tests.support.apps import write_app
from tests.support.hostproc import HostProcess, free_port
from tests.support.waiting import until

APP = """
import os
import azure.functions as func

app = func.FunctionApp()


@app.route(route="hello", auth_level=func.AuthLevel.ANONYMOUS)
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("hello")


@app.{trigger}
def work(msg: {annotation}) -> None:
    with open(os.environ["RECORD"], "a", encoding="utf-8") as out:
        out.write("done\\n")
"""
QUEUE_TRIGGER = 'queue_trigger(arg_name="msg", queue_name="%QUEUE%", connection="AzureWebJobsStorage")'
RABBITMQ_TRIGGER = (
    'generic_trigger(arg_name="msg", type="rabbitMQTrigger", queue_name="%QUEUE%", connection_string_setting="Rabbit")'
)


async def _readyz(host: HostProcess) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(f"{host.base_url}/readyz")


async def _wait_for_state(host: HostProcess, listener: str, state: str, *, with_detail: bool = False) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    async def reached() -> bool:
        nonlocal seen
        try:
            seen = (await _readyz(host)).json()
        except (httpx.HTTPError, ValueError):
            return False
        report = seen.get("listeners", {}).get(listener, {})
        return bool(report.get("state") == state and (report.get("detail") or not with_detail))

    await until(reached, what=f"{listener} {state} (last /readyz: {seen}); log:\n{host.output()}")
    return seen


@pytest.mark.azurite
async def test_a_storage_queue_trigger_waiting_for_its_queue_leaves_the_host_ready(
    tmp_path: Path, azurite: str, unique_name: str
) -> None:
    record = tmp_path / "record.txt"
    host_json = {"version": "2.0", "extensions": {"queues": {"maxPollingInterval": "00:00:02"}}}
    root = write_app(
        tmp_path / "app", APP.format(trigger=QUEUE_TRIGGER, annotation="func.QueueMessage"), host_json=host_json
    )
    env = {"AzureWebJobsStorage": azurite, "QUEUE": unique_name, "RECORD": str(record)}
    service = QueueServiceClient.from_connection_string(azurite)
    try:
        with HostProcess(root, env=env) as host:
            body = await _wait_for_state(host, "queue:work", "waiting")
            response = await _readyz(host)
            assert response.status_code == 200 and body["status"] == "Ready"
            report = body["listeners"]["queue:work"]
            assert report["ready"] is True
            assert f"queue '{unique_name}' does not exist" in report["detail"]
            assert "maxPollingInterval (2 s)" in report["detail"]
            log = host.output()
            assert "polls with back-off up to maxPollingInterval (2 s, host.json extensions.queues)" in log
            async with httpx.AsyncClient() as client:
                assert (await client.get(f"{host.base_url}/api/hello")).text == "hello"

            queue = service.get_queue_client(unique_name)
            await queue.create_queue()
            await queue.send_message(base64.b64encode(b"x").decode())
            await until(lambda: record.exists() and record.read_text() == "done\n", what="the message processed")
            body = await _wait_for_state(host, "queue:work", "running")
            assert body["listeners"]["queue:work"] == {"state": "running", "ready": True}
    finally:
        await service.delete_queue(unique_name)
        await service.close()


@pytest.mark.rabbitmq
async def test_a_rabbitmq_trigger_waiting_for_its_queue_leaves_the_host_ready(
    tmp_path: Path, rabbitmq: str, unique_name: str
) -> None:
    record = tmp_path / "record.txt"
    root = write_app(tmp_path / "app", APP.format(trigger=RABBITMQ_TRIGGER, annotation="str"))
    env = {"Rabbit": RABBITMQ_URL, "QUEUE": unique_name, "RECORD": str(record)}
    with HostProcess(root, env=env) as host:
        body = await _wait_for_state(host, "rabbitmq:work", "waiting")
        assert (await _readyz(host)).status_code == 200
        report = body["listeners"]["rabbitmq:work"]
        assert report["ready"] is True and f"queue '{unique_name}' does not exist" in report["detail"]
        assert "guest:guest" not in str(body)

        connection = await aio_pika.connect(RABBITMQ_URL)
        try:
            channel = await connection.channel()
            await channel.declare_queue(unique_name, auto_delete=False)
            await channel.default_exchange.publish(aio_pika.Message(b"x"), routing_key=unique_name)
            await until(lambda: record.exists() and record.read_text() == "done\n", what="the message processed")
            await _wait_for_state(host, "rabbitmq:work", "running")
        finally:
            channel = await connection.channel()
            await channel.queue_delete(unique_name)
            await connection.close()


def test_a_kafka_trigger_whose_brokers_do_not_answer_turns_readiness_503_and_says_why(tmp_path: Path) -> None:
    """No broker at all: a free 127.0.0.1 port nothing listens on (no shared service is involved)."""
    port = free_port()
    kafka = 'kafka_trigger(arg_name="msg", topic="t", broker_list="Brokers", consumer_group="g")'
    root = write_app(tmp_path / "app", APP.format(trigger=kafka, annotation="func.KafkaEvent"))
    with HostProcess(root, env={"Brokers": f"127.0.0.1:{port}", "RECORD": str(tmp_path / "r")}) as host:
        body = asyncio.run(_wait_for_state(host, "kafka:work", "starting", with_detail=True))
        response = httpx.get(f"{host.base_url}/readyz", timeout=5)
        assert response.status_code == 503 and body["status"] == "NotReady"
        report = body["listeners"]["kafka:work"]
        assert report["ready"] is False and f"cannot reach the brokers 127.0.0.1:{port}" in report["detail"]
        assert httpx.get(f"{host.base_url}/api/hello", timeout=5).text == "hello"  # HTTP is served all the same
