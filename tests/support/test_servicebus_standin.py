"""The Service Bus stand-in (tests/support/servicebus_standin), driven only through the real azure-servicebus SDK
over TCP — a protocol-level stand-in, not Service Bus. With FUNCHOST_TEST_SERVICEBUS_CONNECTION_STRING set the same
tests run against a real namespace (tests needing per-test entity settings are then skipped, saying why).

Core: SASL + CBS, send, peek-lock receive with Service Bus annotations, complete / abandon / dead-letter / defer,
the `$management` lock renewal, max delivery count -> `$DeadLetterQueue`, lock expiry -> redelivery."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from azure.servicebus import (
    ServiceBusClient,
    ServiceBusMessage,
    ServiceBusMessageState,
    ServiceBusReceiveMode,
    ServiceBusSubQueue,
)
from azure.servicebus.exceptions import (
    MessageLockLostError,
    MessageNotFoundError,
    MessagingEntityNotFoundError,
    ServiceBusAuthenticationError,
)

from tests.support.servicebus_standin.target import ServiceBusUnderTest

WAIT = 5  # seconds a receive may wait for a message that should be there


@pytest.fixture
def client(servicebus: ServiceBusUnderTest):
    with ServiceBusClient.from_connection_string(servicebus.connection_string) as one:
        yield one


def send(client: ServiceBusClient, queue: str, *bodies: str, **fields) -> None:
    with client.get_queue_sender(queue) as sender:
        sender.send_messages([ServiceBusMessage(body, **fields) for body in bodies])


def test_send_receive_complete_with_service_bus_annotations(client: ServiceBusClient, servicebus) -> None:
    queue = servicebus.queue()
    before = datetime.now(UTC).replace(microsecond=0)
    send(
        client,
        queue,
        "one",
        "two",
        application_properties={"kind": "order", "n": 7},
        subject="s",
        message_id="m-1",
        content_type="text/plain",
        correlation_id="c-1",
    )
    with client.get_queue_receiver(queue) as receiver:
        got = []
        while len(got) < 2:
            got += receiver.receive_messages(max_message_count=2, max_wait_time=WAIT)
        first, second = got
        assert [str(m) for m in got] == ["one", "two"]
        assert second.sequence_number > first.sequence_number  # monotonic per entity
        assert first.application_properties == {b"kind": b"order", b"n": 7}
        assert (first.subject, first.message_id, first.content_type, first.correlation_id) == (
            "s",
            "m-1",
            "text/plain",
            "c-1",
        )
        assert first.delivery_count == 0
        assert isinstance(first.lock_token, uuid.UUID) and first.lock_token != second.lock_token
        assert first.enqueued_time_utc is not None and first.enqueued_time_utc >= before
        assert first.locked_until_utc is not None and first.locked_until_utc > first.enqueued_time_utc
        for message in got:
            receiver.complete_message(message)
    with client.get_queue_receiver(queue) as receiver:
        assert receiver.receive_messages(max_wait_time=1) == []  # completed means gone


def test_abandon_until_max_delivery_count_dead_letters(client: ServiceBusClient, servicebus) -> None:
    queue = servicebus.queue(max_delivery_count=2)
    send(client, queue, "poison")
    with client.get_queue_receiver(queue) as receiver:
        counts = []
        for _ in range(2):
            (message,) = receiver.receive_messages(max_wait_time=WAIT)
            counts.append(message.delivery_count)
            receiver.abandon_message(message)
        assert counts == [0, 1]
        assert receiver.receive_messages(max_wait_time=1) == []
    with client.get_queue_receiver(queue, sub_queue=ServiceBusSubQueue.DEAD_LETTER) as dead:
        (message,) = dead.receive_messages(max_wait_time=WAIT)
        assert str(message) == "poison"
        assert message.dead_letter_reason == "MaxDeliveryCountExceeded"
        assert message.dead_letter_error_description == "Message could not be consumed after 2 delivery attempts."
        assert message.dead_letter_source == queue
        dead.complete_message(message)


def test_dead_letter_with_reason_and_description(client: ServiceBusClient, servicebus) -> None:
    queue = servicebus.queue()
    typed_properties = {"big": 2**31 - 1, "ratio": 1.5, "flag": True, "name": "x"}  # kept when dead-lettered
    send(client, queue, "bad", application_properties=typed_properties)
    with client.get_queue_receiver(queue) as receiver:
        (message,) = receiver.receive_messages(max_wait_time=WAIT)
        receiver.dead_letter_message(message, reason="Invalid", error_description="field x is missing")
    with client.get_queue_receiver(queue, sub_queue=ServiceBusSubQueue.DEAD_LETTER) as dead:
        (message,) = dead.receive_messages(max_wait_time=WAIT)
        assert (message.dead_letter_reason, message.dead_letter_error_description) == ("Invalid", "field x is missing")
        assert str(message) == "bad"
        properties = message.application_properties
        assert {k: properties[k.encode()] for k in ("big", "ratio", "flag")} == {
            "big": 2**31 - 1,
            "ratio": 1.5,
            "flag": True,
        }
        assert properties[b"name"] == b"x"
        dead.complete_message(message)


def test_lock_expiry_redelivers_and_the_old_lock_is_lost(client: ServiceBusClient, servicebus) -> None:
    queue = servicebus.queue(lock_duration=1)
    send(client, queue, "slow")
    with client.get_queue_receiver(queue) as receiver:
        (first,) = receiver.receive_messages(max_wait_time=WAIT)
        again = []
        while not again:  # redelivered once the 1-second lock has expired
            again = receiver.receive_messages(max_wait_time=WAIT)
        (second,) = again
        assert second.sequence_number == first.sequence_number
        assert second.delivery_count == 1 and second.lock_token != first.lock_token
        with pytest.raises(MessageLockLostError):
            receiver.complete_message(first)
        receiver.complete_message(second)


def test_renewing_the_lock_keeps_the_message(client: ServiceBusClient, servicebus) -> None:
    queue = servicebus.queue(lock_duration=2)
    send(client, queue, "long job")
    with client.get_queue_receiver(queue) as receiver, client.get_queue_receiver(queue) as other:
        (message,) = receiver.receive_messages(max_wait_time=WAIT)
        first_until = message.locked_until_utc
        deadline = first_until.timestamp() + 1
        while time.time() < deadline:  # past the first lock's end, renewing on the way
            renewed = receiver.renew_message_lock(message)
            assert renewed >= first_until
            assert other.receive_messages(max_wait_time=0.4) == []  # still locked: nobody else gets it
        assert message.locked_until_utc > first_until
        receiver.complete_message(message)


def test_defer_then_receive_deferred(servicebus: ServiceBusUnderTest) -> None:
    queue = servicebus.queue()
    client = ServiceBusClient.from_connection_string(servicebus.connection_string, retry_total=0)
    send(client, queue, "later")
    with client, client.get_queue_receiver(queue) as receiver:
        (message,) = receiver.receive_messages(max_wait_time=WAIT)
        seq = message.sequence_number
        receiver.defer_message(message)
        assert receiver.receive_messages(max_wait_time=1) == []  # deferred: only by sequence number
        (deferred,) = receiver.receive_deferred_messages([seq])
        assert str(deferred) == "later" and deferred.state == ServiceBusMessageState.DEFERRED
        receiver.complete_message(deferred)  # settled through $management update-disposition
        with pytest.raises(MessageNotFoundError):  # completed: no longer there to receive
            receiver.receive_deferred_messages([seq])


def test_peek_neither_locks_nor_counts(client: ServiceBusClient, servicebus) -> None:
    queue = servicebus.queue()
    send(client, queue, "a", "b", "c")
    with client.get_queue_receiver(queue) as receiver:
        peeked = receiver.peek_messages(max_message_count=10)
        assert [str(m) for m in peeked] == ["a", "b", "c"]
        assert receiver.peek_messages(max_message_count=2, sequence_number=peeked[1].sequence_number)[0].body
        got = []
        while len(got) < 3:
            got += receiver.receive_messages(max_message_count=3, max_wait_time=WAIT)
        assert [m.delivery_count for m in got] == [0, 0, 0]
        for m in got:
            receiver.complete_message(m)


def test_batch_and_list_sends_arrive_in_order(client: ServiceBusClient, servicebus) -> None:
    queue = servicebus.queue()
    with client.get_queue_sender(queue) as sender:
        batch = sender.create_message_batch()
        for n in range(5):
            batch.add_message(ServiceBusMessage(f"batch-{n}", application_properties={"n": n}))
        sender.send_messages(batch)
        sender.send_messages([ServiceBusMessage("list-0"), ServiceBusMessage("list-1")])
        sender.send_messages(ServiceBusMessage("x" * 100_000))  # several AMQP frames
    with client.get_queue_receiver(queue, receive_mode=ServiceBusReceiveMode.RECEIVE_AND_DELETE) as receiver:
        got = []
        while len(got) < 8:
            got += receiver.receive_messages(max_message_count=8, max_wait_time=WAIT)
    assert [str(m) for m in got[:7]] == [f"batch-{n}" for n in range(5)] + ["list-0", "list-1"]
    assert got[2].application_properties == {b"n": 2}
    assert str(got[7]) == "x" * 100_000
    seqs = [m.sequence_number for m in got]
    assert seqs == sorted(seqs) and len(set(seqs)) == 8


def test_scheduled_messages_wait_and_can_be_cancelled(client: ServiceBusClient, servicebus) -> None:
    queue = servicebus.queue()
    at = datetime.now(UTC) + timedelta(seconds=4)
    with client.get_queue_sender(queue) as sender:
        (kept,) = sender.schedule_messages(ServiceBusMessage("soon"), at)
        (cancelled,) = sender.schedule_messages(ServiceBusMessage("never"), at)
        sender.cancel_scheduled_messages(cancelled)
    with client.get_queue_receiver(queue) as receiver:
        peeked = receiver.peek_messages(max_message_count=5)
        assert [(m.sequence_number, m.state) for m in peeked] == [(kept, ServiceBusMessageState.SCHEDULED)]
        got = []
        while not got:
            got = receiver.receive_messages(max_wait_time=WAIT)
        assert [str(m) for m in got] == ["soon"]
        assert got[0].enqueued_time_utc >= at - timedelta(seconds=1)
        receiver.complete_message(got[0])
        assert receiver.receive_messages(max_wait_time=2) == []  # the cancelled one never arrives


def test_expired_messages_are_dropped_or_dead_lettered(client: ServiceBusClient, servicebus) -> None:
    dropping = servicebus.queue()
    keeping = servicebus.queue(dead_lettering_on_message_expiration=True)
    for queue in (dropping, keeping):
        with client.get_queue_sender(queue) as sender:
            sender.send_messages(
                [ServiceBusMessage("stale", time_to_live=timedelta(seconds=1)), ServiceBusMessage("fresh")]
            )
    time.sleep(1.5)  # past the first message's time-to-live
    for queue in (dropping, keeping):
        with client.get_queue_receiver(queue) as receiver:
            got = receiver.receive_messages(max_message_count=1, max_wait_time=WAIT)
            assert [str(m) for m in got] == ["fresh"]  # sent after "stale", which is gone
            receiver.complete_message(got[0])
    with client.get_queue_receiver(keeping, sub_queue=ServiceBusSubQueue.DEAD_LETTER) as dead:
        (message,) = dead.receive_messages(max_wait_time=WAIT)
        assert (str(message), message.dead_letter_reason) == ("stale", "TTLExpiredException")
        dead.complete_message(message)
    with client.get_queue_receiver(dropping, sub_queue=ServiceBusSubQueue.DEAD_LETTER) as dead:
        assert dead.receive_messages(max_wait_time=1) == []


def test_a_wrong_key_is_refused_as_by_azure(servicebus: ServiceBusUnderTest) -> None:
    queue = servicebus.queue()
    wrong = servicebus.connection_string.replace("SharedAccessKey=", "SharedAccessKey=x")
    with ServiceBusClient.from_connection_string(wrong, retry_total=0) as client:
        with pytest.raises(ServiceBusAuthenticationError), client.get_queue_sender(queue) as sender:
            sender.send_messages(ServiceBusMessage("nope"))
        with pytest.raises(ServiceBusAuthenticationError), client.get_queue_receiver(queue) as receiver:
            receiver.receive_messages(max_wait_time=1)


def test_a_missing_entity_is_reported(client: ServiceBusClient) -> None:
    missing = f"missing-{uuid.uuid4().hex[:8]}"
    with pytest.raises(MessagingEntityNotFoundError, match=missing), client.get_queue_sender(missing) as sender:
        sender.send_messages(ServiceBusMessage("where"))
