"""Service Bus client construction (funchost/brokers/servicebus.py): a connection string builds the aio client, an
identity-based connection and an unparsable connection string are refused naming the app setting. The stand-in
(tests/support/servicebus_standin, reached by the real SDK over the network) checks the built client connects."""

from __future__ import annotations

from typing import Any

import pytest
from azure.servicebus import ServiceBusMessage

from funchost.brokers.servicebus import describe, servicebus_client
from funchost.errors import ConfigurationError
from funchost.metadata.broker_settings import ServiceBusSettings


def _settings(conn: str | None, namespace: str | None = None) -> ServiceBusSettings:
    return ServiceBusSettings("SbConn", conn, namespace, queue_name="q")


async def test_the_client_of_a_connection_string_sends_and_receives(servicebus: Any) -> None:
    queue = servicebus.queue()
    async with servicebus_client(_settings(servicebus.connection_string)) as client:
        async with client.get_queue_sender(queue) as sender:
            await sender.send_messages(ServiceBusMessage(b"hello"))
        async with client.get_queue_receiver(queue, max_wait_time=5) as receiver:
            (message,) = await receiver.receive_messages(max_wait_time=5)
            assert b"".join(message.body) == b"hello"
            await receiver.complete_message(message)


def test_an_identity_connection_is_refused_naming_the_setting() -> None:
    with pytest.raises(ConfigurationError, match=r"SbConn__fullyQualifiedNamespace.*Fix: set app setting 'SbConn'"):
        servicebus_client(_settings(None, "ns.servicebus.windows.net"))


def test_an_unparsable_connection_string_names_the_setting_and_not_the_value() -> None:
    with pytest.raises(ConfigurationError, match="app setting 'SbConn' is not a valid") as caught:
        servicebus_client(_settings("secretgarbage"))
    assert "secretgarbage" not in str(caught.value)


def test_describe_is_one_line() -> None:
    assert describe(ValueError("boom")) == "ValueError: boom"
