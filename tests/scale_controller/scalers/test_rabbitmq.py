"""RabbitMQ scaler against the real broker: AMQP (passive declare: ready messages) and the management API
(`messages` = ready + unacknowledged, `messages_ready` with excludeUnacknowledged), plus KEDA's URL rules."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aio_pika
import aiohttp
import pytest
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage

from funchost.errors import ConfigurationError
from funchost.metadata.broker_settings import RabbitMQSettings
from scale_controller.scalers.base import ScalerError
from scale_controller.scalers.rabbitmq import RabbitMQScaler
from scale_controller.scalers.rabbitmq_urls import basic_auth, management_host, queue_api_url

STATS_DEADLINE = 30.0  # the management API's counts lag the broker by its statistics interval (5 s by default)


def settings(url: str, queue: str) -> RabbitMQSettings:
    return RabbitMQSettings(queue_name=queue, connection_setting="RabbitMQConnection", url=url)


@pytest.fixture
async def channel(rabbitmq: str, unique_name: str) -> AsyncIterator[AbstractChannel]:
    connection = await aio_pika.connect(rabbitmq)
    channel = await connection.channel()
    await channel.declare_queue(unique_name, auto_delete=False)
    yield channel
    await channel.queue_delete(unique_name)
    await connection.close()


async def publish(channel: AbstractChannel, queue: str, count: int) -> None:
    for i in range(count):
        await channel.default_exchange.publish(aio_pika.Message(f"m{i}".encode()), routing_key=queue)


async def take_unacked(channel: AbstractChannel, queue: str, count: int) -> list[AbstractIncomingMessage]:
    """Deliver `count` messages to a consumer that holds them unacknowledged."""
    await channel.set_qos(prefetch_count=count)
    held: list[AbstractIncomingMessage] = []
    arrived = asyncio.Event()

    async def hold(message: AbstractIncomingMessage) -> None:
        held.append(message)
        if len(held) == count:
            arrived.set()

    await (await channel.get_queue(queue)).consume(hold)
    await arrived.wait()
    return held


@pytest.mark.rabbitmq
async def test_amqp_counts_ready_messages_on_one_connection(
    rabbitmq: str, channel: AbstractChannel, unique_name: str
) -> None:
    queue = unique_name
    scaler = RabbitMQScaler(settings=settings(rabbitmq, queue), target=30)
    try:
        assert scaler.protocol == "amqp"
        assert (await scaler.measure()).value == 0
        await publish(channel, queue, 37)
        measured = await scaler.measure()  # the same plain channel: a fresh declare, not a cached count
        assert (measured.value, measured.target, measured.active) == (37, 30, True)
        await take_unacked(channel, queue, 7)
        assert (await scaler.measure()).value == 30  # AMQP's message count is ready messages only
    finally:
        await scaler.aclose()


@pytest.mark.rabbitmq
async def test_activation_threshold_is_strictly_greater(
    rabbitmq: str, channel: AbstractChannel, unique_name: str
) -> None:
    queue = unique_name
    await publish(channel, queue, 2)
    for activation, active in ((2, False), (1.5, True)):
        scaler = RabbitMQScaler(settings=settings(rabbitmq, queue), target=30, activation=activation)
        try:
            assert (await scaler.measure()).active is active
        finally:
            await scaler.aclose()


@pytest.mark.rabbitmq
async def test_management_api_counts_unacknowledged_unless_excluded(
    rabbitmq: str, rabbitmq_management: str, channel: AbstractChannel, unique_name: str
) -> None:
    queue, api = unique_name, rabbitmq_management  # the test broker's API (its port need not be 15672)
    await publish(channel, queue, 12)
    await take_unacked(channel, queue, 5)
    await _wait_for_stats(api, queue, messages=12, ready=7)
    both = RabbitMQScaler(settings=settings(rabbitmq, queue), target=30, protocol="http", host_url=api)
    ready = RabbitMQScaler(
        settings=settings(rabbitmq, queue), target=30, protocol="http", host_url=api, exclude_unacknowledged=True
    )
    try:
        assert (await both.measure()).value == 12
        assert (await ready.measure()).value == 7
    finally:
        await both.aclose()
        await ready.aclose()


@pytest.mark.rabbitmq
async def test_missing_queue_is_a_scaler_error_then_recovers(
    rabbitmq: str, rabbitmq_management: str, unique_name: str
) -> None:
    scaler = RabbitMQScaler(settings=settings(rabbitmq, unique_name), target=30, function="orders")
    http = RabbitMQScaler(
        settings=settings(rabbitmq, unique_name),
        target=30,
        protocol="http",
        host_url=rabbitmq_management,
        function="orders",
    )
    try:
        with pytest.raises(ScalerError, match=f"Function 'orders'.*'{unique_name}' does not exist"):
            await scaler.measure()
        with pytest.raises(ScalerError, match="HTTP 404"):
            await http.measure()
        connection = await aio_pika.connect(rabbitmq)
        declared = await (await connection.channel()).declare_queue(unique_name)
        assert (await scaler.measure()).value == 0  # reconnected after the channel was closed by the broker
        await declared.delete()
        await connection.close()
    finally:
        await scaler.aclose()
        await http.aclose()


@pytest.mark.rabbitmq
async def test_unreachable_broker_names_the_setting_not_the_password() -> None:
    scaler = RabbitMQScaler(settings=settings("amqp://user:s3cret@127.0.0.1:1/", "q"), target=1, function="f")
    with pytest.raises(ScalerError) as caught:
        await scaler.measure()
    message = str(caught.value)
    assert "RabbitMQConnection" in message and "127.0.0.1:1" in message and "s3cret" not in message


@pytest.mark.parametrize(
    ("host", "vhost_name", "expected"),
    [
        ("http://u:p@h:15672", None, "http://h:15672/api/queues/%2F/q%201"),
        ("http://u:p@h:15672/", None, "http://h:15672/api/queues/%2F/q%201"),
        ("http://u:p@h:15672/prod", None, "http://h:15672/api/queues/prod/q%201"),
        ("https://h/rabbit/mgmt/prod", None, "https://h/rabbit/mgmt/api/queues/prod/q%201"),  # path prefix kept
        ("http://h:15672/prod", "a/b", "http://h:15672/api/queues/a%2Fb/q%201"),  # vhostName wins
    ],
)
def test_management_url_follows_keda(host: str, vhost_name: str | None, expected: str) -> None:
    assert queue_api_url(host, "q 1", vhost_name) == expected


def test_management_host_is_derived_from_the_amqp_url() -> None:
    assert management_host("amqp://a:b@rabbit:5672/") == "http://a:b@rabbit:15672/%2F"
    assert management_host("amqps://a:b@rabbit/sales") == "https://a:b@rabbit:15671/sales"


def test_protocol_rules() -> None:
    amqp = settings("amqp://guest:guest@h:5672/", "q")
    assert RabbitMQScaler(settings=amqp, target=1, host_url="http://g:g@h:15672/").protocol == "http"  # auto
    with pytest.raises(ConfigurationError, match="excludeUnacknowledged needs protocol http"):
        RabbitMQScaler(settings=amqp, target=1, exclude_unacknowledged=True)


async def _wait_for_stats(host: str, queue: str, *, messages: int, ready: int) -> None:
    """Poll the management API until its (delayed) statistics show the broker's state; a condition, not a sleep."""
    url = queue_api_url(host, queue)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STATS_DEADLINE
    async with aiohttp.ClientSession(headers={"Authorization": basic_auth(host)}) as session:
        while True:
            async with session.get(url) as response:
                info = await response.json() if response.status == 200 else {}
            if (info.get("messages"), info.get("messages_ready")) == (messages, ready):
                return
            assert loop.time() < deadline, f"management stats never reached {messages}/{ready}: {info}"
            await asyncio.sleep(0.2)  # poll interval of the condition above
