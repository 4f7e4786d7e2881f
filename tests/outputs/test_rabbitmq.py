"""The `rabbitMQ` output binding against a real RabbitMQ: what each value type becomes on the wire, persistence
and routing, one shared connection per connection string, and clear errors for a missing queue or broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aio_pika
import pytest

from funchost.errors import InvocationError
from funchost.metadata.broker_settings import RabbitMQSettings, parse_rabbitmq
from funchost.metadata.host_config import HostConfig, load_host_config
from funchost.metadata.spec import BindingSpec
from funchost.outputs import sender_class
from funchost.outputs.rabbitmq import RabbitMQOutput
from tests.support.hostproc import free_port

pytestmark = pytest.mark.rabbitmq


def settings(queue: str, url: str) -> RabbitMQSettings:
    raw = {
        "name": "out",
        "type": "rabbitMQ",
        "direction": "out",
        "queueName": queue,
        "connectionStringSetting": "RabbitMQConnection",
    }
    return parse_rabbitmq(BindingSpec.from_dict(raw), "fn", {"RabbitMQConnection": url})


@pytest.fixture
def host_config(tmp_path: Path) -> HostConfig:
    return load_host_config(tmp_path, {})


@pytest.fixture
async def queue(rabbitmq: str, unique_name: str) -> AsyncIterator[str]:
    async with await aio_pika.connect(rabbitmq) as connection:
        channel = await connection.channel()
        await channel.declare_queue(unique_name, durable=True)
        yield unique_name
        await channel.queue_delete(unique_name)


async def received(url: str, queue: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    async with await aio_pika.connect(url) as connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        messages = []
        while (message := await declared.get(no_ack=True, fail=False)) is not None:
            messages.append(message)
        return messages


def test_the_registry_row_resolves_to_this_sender_for_either_spelling() -> None:
    assert sender_class("rabbitMQ", "fn") is RabbitMQOutput
    assert sender_class("RabbitMQ", "fn") is RabbitMQOutput


@pytest.mark.parametrize(
    ("value", "bodies"),
    [
        ("héllo", [b"h\xc3\xa9llo"]),
        (b"\x00\x01", [b"\x00\x01"]),
        ({"id": 1}, [b'{"id": 1}']),
        (["a", "b", "c"], [b"a", b"b", b"c"]),  # a list is several messages, one per item
        ([{"id": 1}, {"id": 2}], [b'{"id": 1}', b'{"id": 2}']),
        (42, [b"42"]),
    ],
)
async def test_values_become_persistent_messages_on_the_default_exchange(
    rabbitmq: str, queue: str, host_config: HostConfig, value: Any, bodies: list[bytes]
) -> None:
    sender = RabbitMQOutput(settings(queue, rabbitmq), host_config)
    try:
        await sender.send(value)  # returns once the broker confirmed every message
    finally:
        await sender.aclose()
    messages = await received(rabbitmq, queue)
    assert [m.body for m in messages] == bodies
    assert all(m.delivery_mode == aio_pika.DeliveryMode.PERSISTENT for m in messages)
    assert all(m.exchange == "" and m.routing_key == queue for m in messages)


async def test_bindings_with_the_same_connection_string_share_one_connection(
    rabbitmq: str, queue: str, host_config: HostConfig
) -> None:
    first = RabbitMQOutput(settings(queue, rabbitmq), host_config)
    second = RabbitMQOutput(settings(queue, rabbitmq), host_config)
    await first.send("one")
    await second.send("two")
    assert first._publisher is not None and first._publisher is second._publisher
    connection = first._publisher.connection
    await first.aclose()
    assert connection is not None and not connection.is_closed  # still used by the second binding
    await second.aclose()
    assert connection.is_closed
    assert sorted(m.body for m in await received(rabbitmq, queue)) == [b"one", b"two"]


async def test_a_closed_sender_reconnects_lazily_on_the_next_send(
    rabbitmq: str, queue: str, host_config: HostConfig
) -> None:
    sender = RabbitMQOutput(settings(queue, rabbitmq), host_config)
    await sender.send("before")
    await sender.aclose()
    await sender.send("after")
    await sender.aclose()
    assert [m.body for m in await received(rabbitmq, queue)] == [b"before", b"after"]


async def test_a_missing_queue_fails_the_send_with_a_clear_error(
    rabbitmq: str, unique_name: str, host_config: HostConfig
) -> None:
    sender = RabbitMQOutput(settings(unique_name, rabbitmq), host_config)
    with pytest.raises(InvocationError) as info:
        await sender.send("lost?")
    await sender.aclose()
    text = str(info.value)
    assert f"queue '{unique_name}'" in text and "does not exist" in text and "'RabbitMQConnection'" in text


async def test_an_unreachable_broker_fails_the_send_naming_the_host_but_not_the_password(
    host_config: HostConfig, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    sender = RabbitMQOutput(settings("q", f"amqp://app:TopSecret42@127.0.0.1:{port}/"), host_config)
    with pytest.raises(InvocationError) as info:
        await sender.send("x")
    await sender.aclose()
    assert f"127.0.0.1:{port}" in str(info.value) and "'RabbitMQConnection'" in str(info.value)
    assert "TopSecret42" not in str(info.value) + caplog.text


async def test_a_value_that_is_not_json_serializable_is_a_clear_error(
    rabbitmq: str, queue: str, host_config: HostConfig
) -> None:
    sender = RabbitMQOutput(settings(queue, rabbitmq), host_config)
    with pytest.raises(TypeError, match="a set cannot be sent as a RabbitMQ message"):
        await sender.send({1, 2})
    await sender.aclose()
    assert await received(rabbitmq, queue) == []
