"""Service Bus conversions (funchost/bindings/servicebus.py): a message really received from the Service Bus
stand-in (tests/support/servicebus_standin, over TCP with the real azure-servicebus SDK) becomes the
`func.ServiceBusMessage` the Python worker builds — every metadata field — or a batch, str, bytes, or the SDK's own
message for the SDK-type binding; unsupported annotations are refused naming the fix."""

from __future__ import annotations

import typing
from datetime import timedelta
from typing import Any

import azure.functions as func
import azurefunctions.extensions.bindings.servicebus as sdk_types
import pytest
from azure.servicebus import ServiceBusMessage
from azure.servicebus.aio import ServiceBusClient

from funchost.bindings.servicebus import metadata, sdk_trigger_value, trigger_value
from funchost.errors import FunctionDefinitionError


async def _received(bus: Any, count: int = 1, use: Any = None) -> tuple[list[Any], Any]:
    """The received messages, and what `use(messages)` returned while they were still locked."""
    queue = bus.queue()
    async with ServiceBusClient.from_connection_string(bus.connection_string) as client:
        async with client.get_queue_sender(queue) as sender:
            await sender.send_messages(
                [
                    ServiceBusMessage(
                        f"body{i}",
                        message_id=f"m{i}",
                        correlation_id="c",
                        content_type="application/json",
                        application_properties={"n": i, "flag": True},
                        subject="s",
                        to="t",
                        reply_to="r",
                        time_to_live=timedelta(minutes=5),
                    )
                    for i in range(count)
                ]
            )
        async with client.get_queue_receiver(queue, max_wait_time=5) as receiver:
            got: list[Any] = []
            while len(got) < count:
                got += await receiver.receive_messages(max_message_count=count, max_wait_time=5)
            used = use(got) if use else None
            for message in got:
                await receiver.complete_message(message)
            return got, used


async def test_a_received_message_becomes_the_workers_service_bus_message(servicebus: Any) -> None:
    convert = trigger_value("f", func.ServiceBusMessage, "msg", "one")
    (received,), (message, token) = await _received(servicebus, use=lambda m: (convert(m), str(m[0].lock_token)))
    assert isinstance(message, func.ServiceBusMessage)
    assert message.get_body() == b"body0" and message.message_id == "m0" and message.correlation_id == "c"
    assert message.content_type == "application/json" and message.label == "s" and message.subject == "s"
    assert message.to == "t" and message.reply_to == "r" and message.delivery_count == 1
    assert message.application_properties == {"n": 0, "flag": True} and message.user_properties == {
        "n": 0,
        "flag": True,
    }
    assert message.lock_token == token and message.sequence_number == received.sequence_number
    assert message.enqueued_time_utc is not None and message.enqueued_time_utc.tzinfo is not None
    assert message.expires_at_utc is not None and message.time_to_live == timedelta(minutes=5)
    assert message.locked_until is not None and message.session_id is None
    assert message.metadata["MessageId"] == "m0" and message.metadata["DeliveryCount"] == 1
    assert {"LockToken", "EnqueuedTimeUtc", "UserProperties", "SequenceNumber"} <= set(message.metadata)
    assert "DeadLetterSource" not in metadata(received)  # only a message read from a dead-letter queue has one


async def test_batches_str_bytes_and_the_sdk_type(servicebus: Any) -> None:
    received, _ = await _received(servicebus, 3)
    batch = trigger_value("f", typing.List[func.ServiceBusMessage], "msgs", "many")(received)  # noqa: UP006
    assert sorted(m.get_body() for m in batch) == [b"body0", b"body1", b"body2"]
    assert sorted(m.application_properties["n"] for m in batch) == [0, 1, 2]
    assert trigger_value("f", str, "msg", "one")(received[:1]) == str(received[0])
    assert trigger_value("f", bytes, "msg", "one")(received[:1]) == str(received[0]).encode()
    single = sdk_trigger_value(sdk_types.ServiceBusReceivedMessage, "one")
    assert single is not None and single(received) is received[0]
    many = sdk_trigger_value(list[sdk_types.ServiceBusReceivedMessage], "many")
    assert many is not None and many(received) == received
    assert sdk_trigger_value(func.ServiceBusMessage, "one") is None


@pytest.mark.parametrize(
    ("annotation", "cardinality", "fix"),
    [(str, "many", "typing.List[func.ServiceBusMessage]"), (dict, "one", "annotate it as func.ServiceBusMessage")],
)
def test_unsupported_annotations_are_refused(annotation: Any, cardinality: str, fix: str) -> None:
    with pytest.raises(FunctionDefinitionError, match="Function 'f'.*msg") as caught:
        trigger_value("f", annotation, "msg", cardinality)
    assert fix in str(caught.value)
