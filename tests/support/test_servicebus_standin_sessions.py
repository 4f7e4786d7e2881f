"""Sessions and topics on the Service Bus stand-in (a protocol-level stand-in, not Service Bus), driven through the
real azure-servicebus SDK: session receivers get one session's messages in order under an exclusive session lock,
with session state and lock renewal over `$management`; a topic fans each message out to every subscription."""

from __future__ import annotations

import uuid

import pytest
from azure.servicebus import NEXT_AVAILABLE_SESSION, ServiceBusClient, ServiceBusMessage, ServiceBusSubQueue
from azure.servicebus.exceptions import OperationTimeoutError, ServiceBusError, SessionCannotBeLockedError

from tests.support.servicebus_standin.target import ServiceBusUnderTest

WAIT = 5


@pytest.fixture
def client(servicebus: ServiceBusUnderTest):
    with ServiceBusClient.from_connection_string(servicebus.connection_string, retry_total=0) as one:
        yield one


def receive(receiver, count: int) -> list:
    got: list = []
    while len(got) < count:
        more = receiver.receive_messages(max_message_count=count - len(got), max_wait_time=WAIT)
        assert more, f"expected {count} messages, got {len(got)}"
        got += more
    return got


def test_sessions_in_order_with_state_and_renewal(client: ServiceBusClient, servicebus) -> None:
    queue = servicebus.queue(requires_session=True)
    a, b = f"a-{uuid.uuid4().hex[:6]}", f"b-{uuid.uuid4().hex[:6]}"
    with client.get_queue_sender(queue) as sender:
        sender.send_messages([ServiceBusMessage(f"{sid}-{n}", session_id=sid) for n in range(3) for sid in (a, b)])
    with client.get_queue_receiver(queue, session_id=a) as first:
        assert first.session.session_id == a
        got = receive(first, 3)
        assert [str(m) for m in got] == [f"{a}-0", f"{a}-1", f"{a}-2"]
        assert all(m.session_id == a for m in got)
        assert first.session.get_state() is None
        first.session.set_state(b"step-3")
        assert first.session.get_state() == b"step-3"
        before = first.session.locked_until_utc
        assert first.session.renew_lock() >= before
        with pytest.raises(SessionCannotBeLockedError):  # the lock is exclusive
            with client.get_queue_receiver(queue, session_id=a) as second:
                second.receive_messages(max_wait_time=1)
        for m in got:
            first.complete_message(m)
    with client.get_queue_receiver(queue, session_id=NEXT_AVAILABLE_SESSION, max_wait_time=WAIT) as nxt:
        assert nxt.session.session_id == b  # the only session with messages left
        got = receive(nxt, 3)
        assert [str(m) for m in got] == [f"{b}-0", f"{b}-1", f"{b}-2"]
        for m in got:
            nxt.complete_message(m)
    with client.get_queue_receiver(queue, session_id=a) as again:
        assert again.session.get_state() == b"step-3"  # state outlives the lock


def test_next_available_session_times_out_when_there_is_none(client: ServiceBusClient, servicebus) -> None:
    queue = servicebus.queue(requires_session=True)
    with pytest.raises(OperationTimeoutError):
        with client.get_queue_receiver(queue, session_id=NEXT_AVAILABLE_SESSION, max_wait_time=1) as receiver:
            receiver.receive_messages(max_wait_time=1)


def test_a_session_queue_refuses_messages_without_a_session_id(client: ServiceBusClient, servicebus) -> None:
    queue = servicebus.queue(requires_session=True)
    with client.get_queue_sender(queue) as sender, pytest.raises(ServiceBusError, match="SessionId"):
        sender.send_messages(ServiceBusMessage("orphan"))


def test_abandoned_session_messages_come_back_in_order(client: ServiceBusClient, servicebus) -> None:
    queue = servicebus.queue(requires_session=True)
    sid = f"s-{uuid.uuid4().hex[:6]}"
    with client.get_queue_sender(queue) as sender:
        sender.send_messages([ServiceBusMessage(f"m{n}", session_id=sid) for n in range(2)])
    with client.get_queue_receiver(queue, session_id=sid) as receiver:
        first, second = receive(receiver, 2)
        receiver.abandon_message(first)
        receiver.complete_message(second)
        (again,) = receive(receiver, 1)
        assert (str(again), again.delivery_count) == ("m0", 1)
        receiver.complete_message(again)


def test_a_topic_fans_out_to_every_subscription(client: ServiceBusClient, servicebus) -> None:
    topic, (audit, mail) = servicebus.topic({"audit": {}, "mail": {}})
    with client.get_topic_sender(topic) as sender:
        sender.send_messages([ServiceBusMessage("event-1"), ServiceBusMessage("event-2")])
    seen = {}
    for sub in (audit, mail):
        with client.get_subscription_receiver(topic, sub) as receiver:
            got = receive(receiver, 2)
            seen[sub] = [(str(m), m.sequence_number) for m in got]
            for m in got:
                receiver.complete_message(m)
    assert [body for body, _ in seen[audit]] == ["event-1", "event-2"]
    assert seen[audit] == seen[mail]  # one copy each, the topic's sequence numbers


def test_a_subscription_has_its_own_dead_letter_queue(client: ServiceBusClient, servicebus) -> None:
    topic, (audit, mail) = servicebus.topic({"audit": {}, "mail": {}})
    with client.get_topic_sender(topic) as sender:
        sender.send_messages(ServiceBusMessage("bad"))
    with client.get_subscription_receiver(topic, audit) as receiver:
        (message,) = receive(receiver, 1)
        receiver.dead_letter_message(message, reason="NoHandler", error_description="audit is down")
    with client.get_subscription_receiver(topic, audit, sub_queue=ServiceBusSubQueue.DEAD_LETTER) as dead:
        (message,) = receive(dead, 1)
        assert (str(message), message.dead_letter_reason) == ("bad", "NoHandler")
        dead.complete_message(message)
    with client.get_subscription_receiver(topic, mail) as receiver:  # the other subscription is untouched
        (message,) = receive(receiver, 1)
        receiver.complete_message(message)
