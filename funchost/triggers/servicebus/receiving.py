"""The receive loops of the Service Bus trigger: messages into work as gate slots free up, and the session workers.

`receive_loop` (no sessions): takes a `WorkGate` slot, receives as many messages as slots are free (a batch of up to
`maxMessageBatchSize` for cardinality many, waiting up to `maxBatchWaitTime` for `minMessageBatchSize`) and runs
each delivery in the background. `session_worker` (one per `maxConcurrentSessions`): accepts the next available
session, renews its lock with the SDK's `AutoLockRenewer`, runs up to `maxConcurrentCallsPerSession` of its messages
at a time (1: in order), and releases it after `sessionIdleTimeout` without messages. Every receive waits at most
`POLL_SECONDS`, so stop is noticed within that.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from typing import Any

from azure.servicebus import NEXT_AVAILABLE_SESSION
from azure.servicebus.aio import AutoLockRenewer, ServiceBusClient, ServiceBusReceiver
from azure.servicebus.exceptions import OperationTimeoutError, SessionLockLostError

from funchost.brokers.servicebus import describe
from funchost.metadata.broker_settings import ServiceBusSettings
from funchost.metadata.extension_options import ServiceBusOptions
from funchost.triggers.gate import WorkGate
from funchost.triggers.servicebus.delivery import Delivery

logger = logging.getLogger("funchost.servicebus")
POLL_SECONDS = 1.0  # longest receive wait, so stop is noticed quickly
DEFAULT_SESSION_IDLE = 60.0  # sessionIdleTimeout unset: the SDK's try timeout


class Receiving:
    def __init__(
        self,
        function: str,
        client: ServiceBusClient,
        settings: ServiceBusSettings,
        options: ServiceBusOptions,
        gate: WorkGate,
        delivery: Delivery,
        renewer: AutoLockRenewer,
        stopping: asyncio.Event,
    ) -> None:
        self._function = function
        self._client = client
        self._settings = settings
        self._options = options
        self._many = settings.cardinality == "many"
        self._gate = gate
        self._delivery = delivery
        self._renewer = renewer
        self._stopping = stopping

    def new_receiver(self, session: object) -> ServiceBusReceiver:
        options: dict[str, Any] = {"prefetch_count": self._options.prefetch_count, "max_wait_time": POLL_SECONDS}
        if session is not None:
            options["session_id"] = session
        s = self._settings
        if s.queue_name:
            return self._client.get_queue_receiver(s.queue_name, **options)
        assert s.topic_name and s.subscription_name
        return self._client.get_subscription_receiver(s.topic_name, s.subscription_name, **options)

    async def _receive(self, receiver: ServiceBusReceiver, most: int) -> list[Any]:
        messages = list(await receiver.receive_messages(max_message_count=most, max_wait_time=POLL_SECONDS))
        if self._many and messages and len(messages) < self._options.min_message_batch_size:
            until = time.monotonic() + self._options.max_batch_wait_time
            while len(messages) < self._options.min_message_batch_size and not self._stopping.is_set():
                left = until - time.monotonic()
                if left <= 0:
                    break
                more = await receiver.receive_messages(
                    max_message_count=most - len(messages), max_wait_time=min(POLL_SECONDS, left)
                )
                messages.extend(more)
        return messages

    async def receive_loop(self, receiver: ServiceBusReceiver) -> None:
        held = False  # a gate slot taken for the next message
        try:
            while not self._stopping.is_set():
                if not held:
                    await self._gate.acquire()
                    held = True
                    if self._stopping.is_set():
                        break
                most = self._options.max_message_batch_size if self._many else self._gate.free
                messages = await self._receive(receiver, most)
                if not messages:
                    continue
                if self._many:
                    self._gate.spawn(self._delivery.run(receiver, messages, session=False))
                else:
                    for index, message in enumerate(messages):
                        if index:
                            await self._gate.acquire()
                        self._gate.spawn(self._delivery.run(receiver, [message], session=False))
                held = False
        finally:
            if held:
                self._gate.spawn(asyncio.sleep(0))  # gives the held slot back

    async def session_worker(self) -> None:
        idle_limit = self._options.session_idle_timeout or DEFAULT_SESSION_IDLE
        while not self._stopping.is_set():
            receiver = self.new_receiver(NEXT_AVAILABLE_SESSION)
            try:
                await receiver.__aenter__()
            except OperationTimeoutError:
                continue  # no session has messages now
            try:
                assert receiver.session is not None
                self._renewer.register(receiver, receiver.session)
                idle_since = time.monotonic()
                most = (
                    self._options.max_message_batch_size
                    if self._many
                    else self._options.max_concurrent_calls_per_session
                )
                while not self._stopping.is_set() and time.monotonic() - idle_since < idle_limit:
                    messages = await self._receive(receiver, most)
                    if messages:
                        await self._run_session_messages(receiver, messages)
                        idle_since = time.monotonic()
            except SessionLockLostError as exc:
                logger.warning(
                    "Function '%s': the lock of session '%s' was lost (%s); Service Bus delivers its unsettled "
                    "messages again",
                    self._function,
                    receiver.session.session_id if receiver.session else "?",
                    describe(exc),
                )
            finally:
                with contextlib.suppress(Exception):
                    await receiver.close()

    async def _run_session_messages(self, receiver: ServiceBusReceiver, messages: Sequence[Any]) -> None:
        async def one(batch: Sequence[Any]) -> None:
            await self._gate.acquire()
            await self._gate.run_here(self._delivery.run(receiver, batch, session=True))

        if self._many:
            await one(messages)
        else:  # messages of one session come in order; with one call per session they run in order
            await asyncio.gather(*(one([m]) for m in messages))
