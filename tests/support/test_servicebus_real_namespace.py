"""Which Service Bus the Service Bus tests ran against. Without FUNCHOST_TEST_SERVICEBUS_CONNECTION_STRING they ran
against the stand-in only, and this test is skipped saying so (visible in pytest's -rs report); with it, this test
checks the real namespace round trip the other tests rely on (docs/servicebus-standin.md)."""

from __future__ import annotations

import os
import uuid

import pytest
from azure.servicebus import ServiceBusClient, ServiceBusMessage

from tests.support.servicebus_standin.target import ENV, ServiceBusUnderTest


def test_a_real_namespace_round_trip(servicebus: ServiceBusUnderTest) -> None:
    if not os.environ.get(ENV):
        pytest.skip(
            f"{ENV} is not set: the Service Bus tests ran against the stand-in "
            "(tests/support/servicebus_standin), not a real namespace — see docs/servicebus-standin.md"
        )
    assert servicebus.standin is None
    queue = servicebus.queue()
    body = f"real-{uuid.uuid4().hex}"
    with ServiceBusClient.from_connection_string(servicebus.connection_string) as client:
        with client.get_queue_sender(queue) as sender:
            sender.send_messages(ServiceBusMessage(body))
        with client.get_queue_receiver(queue, max_wait_time=30) as receiver:
            (message,) = receiver.receive_messages(max_wait_time=30)
            assert str(message) == body
            receiver.complete_message(message)
