"""samples/servicebus-orders through `funchost start` against the Service Bus stand-in (tests/support/
servicebus_standin — a protocol-level stand-in reached by the real azure-servicebus SDK over AMQP, not Service Bus;
or the real namespace named by FUNCHOST_TEST_SERVICEBUS_CONNECTION_STRING). Orders posted over HTTP are sent by the
`serviceBus` output binding to the queue (a JSON list as one message per order); ProcessOrder prices them and
publishes them to the topic, and an order it cannot price is dead-lettered."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from azure.servicebus import ServiceBusClient, ServiceBusReceivedMessage, ServiceBusSubQueue

from tests.support.hostproc import SAMPLES, HostProcess
from tests.support.servicebus_standin.target import ServiceBusUnderTest

ORDERS = [
    {"id": f"A{n}", "lines": [{"item": "apple", "quantity": n}, {"item": "melon", "quantity": 1}]} for n in range(1, 4)
]


def take(
    connection_string: str,
    count: int,
    *,
    queue: str = "",
    topic: str = "",
    subscription: str = "",
    dead_letter: bool = False,
    within: float = 60,
) -> list[ServiceBusReceivedMessage]:
    """Receive and complete `count` messages (waiting up to `within` seconds in all); fewer if they do not come."""
    got: list[ServiceBusReceivedMessage] = []
    options: dict[str, Any] = {"sub_queue": ServiceBusSubQueue.DEAD_LETTER} if dead_letter else {}
    with ServiceBusClient.from_connection_string(connection_string) as client:
        receiver = (
            client.get_subscription_receiver(topic, subscription, **options)
            if topic
            else client.get_queue_receiver(queue, **options)
        )
        with receiver:
            for _ in range(int(within / 5)):
                if len(got) >= count:
                    break
                batch = receiver.receive_messages(max_message_count=count - len(got), max_wait_time=5)
                for message in batch:
                    receiver.complete_message(message)
                got += batch
    return got


def body(message: ServiceBusReceivedMessage) -> Any:
    return json.loads(b"".join(message.body))


def post(host: HostProcess, payload: str) -> httpx.Response:
    return httpx.post(f"{host.base_url}/api/orders", content=payload, timeout=10)


def sample_env(servicebus: ServiceBusUnderTest, queue: str, topic: str) -> dict[str, str]:
    return {"ServiceBusConnection": servicebus.connection_string, "OrdersQueue": queue, "OrderEventsTopic": topic}


async def test_orders_flow_through_the_trigger_to_the_topic(servicebus: ServiceBusUnderTest) -> None:
    queue = servicebus.queue(max_delivery_count=2)
    topic, (billing, shipping) = servicebus.topic({"billing": {}, "shipping": {}})
    with HostProcess(SAMPLES / "servicebus-orders", env=sample_env(servicebus, queue, topic)) as host:
        await asyncio.to_thread(host.wait_ready)
        accepted = await asyncio.to_thread(post, host, json.dumps(ORDERS))
        assert accepted.status_code == 202 and accepted.json() == {"queued": ["A1", "A2", "A3"]}
        assert (await asyncio.to_thread(post, host, "not json")).status_code == 400
        assert (await asyncio.to_thread(post, host, json.dumps([{"no": "id"}]))).status_code == 400
        bad = {"id": "BAD", "lines": [{"item": "rock", "quantity": 1}]}
        assert (await asyncio.to_thread(post, host, json.dumps(bad))).status_code == 202
        events = {
            name: await asyncio.to_thread(take, servicebus.connection_string, 3, topic=topic, subscription=name)
            for name in (billing, shipping)
        }
        dead = await asyncio.to_thread(take, servicebus.connection_string, 1, queue=queue, dead_letter=True)
        assert await asyncio.to_thread(host.terminate) == 0
    for name, messages in events.items():
        priced = {event["id"]: event for event in map(body, messages)}
        assert sorted(priced) == ["A1", "A2", "A3"], name
        assert priced["A2"]["total"] == 4.0 and priced["A2"]["status"] == "accepted"  # 2 apples + a melon
    assert [body(m) for m in dead] == [bad]
    assert dead[0].dead_letter_reason == "MaxDeliveryCountExceeded"
