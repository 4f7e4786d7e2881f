"""The Service Bus stand-in (a protocol-level stand-in, not Service Bus) through the SDK's asyncio client, the one
the Service Bus trigger uses: peek-lock receive and settlement, AutoLockRenewer keeping a lock past its duration,
a session receiver whose lock expires losing it, and receive-and-delete."""

from __future__ import annotations

import asyncio
import gc
import uuid
import warnings

import pytest
from azure.servicebus import NEXT_AVAILABLE_SESSION, ServiceBusMessage, ServiceBusReceiveMode
from azure.servicebus.aio import AutoLockRenewer, ServiceBusClient
from azure.servicebus.exceptions import SessionLockLostError

from tests.support.servicebus_standin.target import ServiceBusUnderTest

WAIT = 5


async def receive(receiver, count: int) -> list:
    got: list = []
    while len(got) < count:
        more = await receiver.receive_messages(max_message_count=count - len(got), max_wait_time=WAIT)
        assert more, f"expected {count} messages, got {len(got)}"
        got += more
    return got


async def test_async_receive_complete_abandon(servicebus: ServiceBusUnderTest) -> None:
    queue = servicebus.queue()
    async with ServiceBusClient.from_connection_string(servicebus.connection_string) as client:
        async with client.get_queue_sender(queue) as sender:
            await sender.send_messages([ServiceBusMessage("a"), ServiceBusMessage("b")])
        async with client.get_queue_receiver(queue) as receiver:
            a, b = await receive(receiver, 2)
            await receiver.complete_message(a)
            await receiver.abandon_message(b)
            (again,) = await receive(receiver, 1)
            assert (str(again), again.delivery_count) == ("b", 1)
            await receiver.complete_message(again)
            assert await receiver.receive_messages(max_wait_time=1) == []


async def test_auto_lock_renewer_holds_the_lock_past_its_duration(servicebus: ServiceBusUnderTest) -> None:
    queue = servicebus.queue(lock_duration=4)  # the renewer looks once a second, renewing with 2.25 s left
    async with ServiceBusClient.from_connection_string(servicebus.connection_string) as client:
        async with client.get_queue_sender(queue) as sender:
            await sender.send_messages(ServiceBusMessage("long"))
        renewer = AutoLockRenewer(max_lock_renewal_duration=30)
        async with client.get_queue_receiver(queue, auto_lock_renewer=renewer) as receiver:
            (message,) = await receive(receiver, 1)
            first_until = message.locked_until_utc
            async with client.get_queue_receiver(queue) as other:  # past the lock duration: it would have come back
                for _ in range(5):
                    assert await other.receive_messages(max_wait_time=1) == []
            assert message.locked_until_utc > first_until  # renewed over $management
            await receiver.complete_message(message)
        await renewer.close()


async def test_an_expired_session_lock_is_lost(servicebus: ServiceBusUnderTest) -> None:
    queue = servicebus.queue(requires_session=True, lock_duration=1)
    sid = f"s-{uuid.uuid4().hex[:6]}"
    async with ServiceBusClient.from_connection_string(servicebus.connection_string, retry_total=0) as client:
        async with client.get_queue_sender(queue) as sender:
            await sender.send_messages(ServiceBusMessage("x", session_id=sid))
        async with client.get_queue_receiver(queue, session_id=NEXT_AVAILABLE_SESSION, max_wait_time=WAIT) as r:
            (message,) = await receive(r, 1)
            await asyncio.sleep(2)  # past the 1-second session lock (no renewal)
            with pytest.raises(SessionLockLostError):
                await r.session.renew_lock()
        async with client.get_queue_receiver(queue, session_id=sid) as again:
            (message,) = await receive(again, 1)
            assert message.delivery_count == 1  # the lapsed lock counted as an attempt
            await again.complete_message(message)


async def test_receive_and_delete_removes_on_delivery(servicebus: ServiceBusUnderTest) -> None:
    queue = servicebus.queue()
    async with ServiceBusClient.from_connection_string(servicebus.connection_string) as client:
        async with client.get_queue_sender(queue) as sender:
            await sender.send_messages(ServiceBusMessage("once"))
        mode = ServiceBusReceiveMode.RECEIVE_AND_DELETE
        async with client.get_queue_receiver(queue, receive_mode=mode) as receiver:
            (message,) = await receive(receiver, 1)
            assert str(message) == "once" and message.lock_token is None
        async with client.get_queue_receiver(queue) as receiver:
            assert await receiver.receive_messages(max_wait_time=1) == []


async def test_an_expired_session_lock_with_prefetch_frees_the_session(servicebus: ServiceBusUnderTest) -> None:
    queue = servicebus.queue(requires_session=True, lock_duration=1)
    sid = f"s-{uuid.uuid4().hex[:6]}"
    async with ServiceBusClient.from_connection_string(servicebus.connection_string, retry_total=0) as client:
        async with client.get_queue_sender(queue) as sender:
            await sender.send_messages([ServiceBusMessage("one", session_id=sid)])
        async with client.get_queue_receiver(queue, session_id=sid, prefetch_count=10) as first:
            (message,) = await receive(first, 1)  # credit stays open: the broker may deliver more at any time
            async with client.get_queue_sender(queue) as sender:
                await sender.send_messages([ServiceBusMessage("two", session_id=sid)])
            await asyncio.sleep(2)  # the session lock lapses
            async with client.get_queue_receiver(queue, session_id=sid) as second:  # free again
                got = await receive(second, 2)
                # both were locked to the lapsed session (one received, one prefetched): one attempt each
                assert [(str(m), m.delivery_count) for m in got] == [("one", 1), ("two", 1)]
                for m in got:
                    await second.complete_message(m)


async def test_clients_reconnect_after_the_connections_are_cut(servicebus: ServiceBusUnderTest) -> None:
    if servicebus.standin is None:
        pytest.skip("cutting connections is a stand-in fault injection; a real namespace cannot be told to")
    queue = servicebus.queue()
    async with ServiceBusClient.from_connection_string(servicebus.connection_string) as client:
        async with client.get_queue_sender(queue) as sender, client.get_queue_receiver(queue) as receiver:
            await sender.send_messages(ServiceBusMessage("before"))
            (first,) = await receive(receiver, 1)
            await receiver.complete_message(first)
            assert servicebus.standin.drop_connections() >= 1
            await sender.send_messages(ServiceBusMessage("after"))  # the SDK reconnects and retries
            (second,) = await receive(receiver, 1)
            assert str(second) == "after"
            await receiver.complete_message(second)
    # The SDK leaves the sockets of the cut connections to the garbage collector: collect them here, so their
    # ResourceWarnings (the SDK's, not the stand-in's) do not surface in whichever test runs next.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
