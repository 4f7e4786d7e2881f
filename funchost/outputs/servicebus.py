"""The `serviceBus` output binding: send what the function set to a Service Bus queue or topic before the
invocation counts as done (so the trigger input settles only after Service Bus owns the outputs: at-least-once).

Values become messages as `servicebus_messages` describes. One message is sent alone; several go as
`ServiceBusMessageBatch`es, a new batch begun whenever the current one is full. One client and sender is shared per
(connection string, entity, event loop) by every binding that uses them, opened on first use and dropped after a
failure so the next send reconnects; sends through it take turns (the SDK's sender is not safe for concurrent
use). Errors are classified (authentication, a missing Send right, a missing entity, an oversized message, an
unreachable namespace) and raised, so the output dispatcher fails the invocation.
The entity is never created (as on Azure: the extension sends to an existing queue or topic).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

from azure.servicebus import ServiceBusMessage
from azure.servicebus.aio import ServiceBusClient, ServiceBusSender
from azure.servicebus.exceptions import (
    MessageSizeExceededError,
    MessagingEntityNotFoundError,
    ServiceBusAuthenticationError,
    ServiceBusAuthorizationError,
    ServiceBusError,
)

from funchost.brokers.servicebus import check_connection, servicebus_client
from funchost.errors import ConfigurationError, InvocationError
from funchost.metadata.broker_settings import ServiceBusSettings
from funchost.metadata.host_config import HostConfig
from funchost.outputs.servicebus_messages import messages_for


class ServiceBusSendError(InvocationError):
    """Service Bus refused or could not take an output message (the invocation fails; its input is retried)."""


@dataclass
class _Shared:
    """The client and sender of one (connection string, entity) in one event loop."""

    settings: ServiceBusSettings
    loop: asyncio.AbstractEventLoop
    users: int = 0
    client: ServiceBusClient | None = None
    sender: ServiceBusSender | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # One send at a time: the SDK's aio sender is not safe for concurrent sends (they race on the link, and
    # its retries then duplicate messages), so invocations of this process queue here.
    sending: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def ready(self) -> ServiceBusSender:
        async with self.lock:
            if self.sender is None:
                self.client = servicebus_client(self.settings)
                entity = self.settings.queue_name
                sender = (
                    self.client.get_queue_sender(entity)
                    if entity
                    else self.client.get_topic_sender(str(self.settings.topic_name))
                )
                # Open the link here, once: the SDK's lazy open on first send races when invocations send at once.
                try:
                    await sender.__aenter__()
                except BaseException:
                    await self.reset()
                    raise
                self.sender = sender
            return self.sender

    async def discard(self, failed: ServiceBusSender) -> None:
        async with self.lock:
            if self.sender is failed:
                await self.reset()

    async def reset(self) -> None:
        client, sender, self.client, self.sender = self.client, self.sender, None, None
        for closable in (sender, client):
            if closable is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(closable.close(), 5.0)


_SHARED: dict[tuple[int, str, str], _Shared] = {}


class ServiceBusOutput:
    def __init__(self, settings: ServiceBusSettings, host_config: HostConfig) -> None:
        if not settings.queue_name and not settings.topic_name:
            raise ConfigurationError(
                f"Service Bus output binding (connection '{settings.connection_setting}') names neither queueName "
                "nor topicName. Fix: use service_bus_queue_output(queue_name=...) or "
                "service_bus_topic_output(topic_name=...)"
            )
        check_connection(settings)  # identity-based or malformed: refused before anything runs
        self._settings = settings
        kind = "queue" if settings.queue_name else "topic"
        self._entity = str(settings.queue_name or settings.topic_name)
        self._where = f"Service Bus output to {kind} '{self._entity}' (connection '{settings.connection_setting}')"
        self._shared: _Shared | None = None

    async def send(self, value: Any) -> None:
        messages = messages_for(value)
        if not messages:
            return
        shared = self._acquire()
        try:
            sender = await shared.ready()
        except (ServiceBusError, OSError) as exc:
            raise self._explain(exc) from exc
        try:
            async with shared.sending:
                if len(messages) == 1:
                    await sender.send_messages(messages[0])
                else:
                    await self._send_batches(sender, messages)
        except ServiceBusSendError:
            raise
        except (ServiceBusError, OSError) as exc:
            await shared.discard(sender)
            raise self._explain(exc) from exc

    async def _send_batches(self, sender: ServiceBusSender, messages: list[ServiceBusMessage]) -> None:
        batch = await sender.create_message_batch()
        for number, message in enumerate(messages):
            try:
                batch.add_message(message)
                continue
            except MessageSizeExceededError:
                if len(batch) == 0:
                    raise self._too_large(number, batch.max_size_in_bytes) from None
            await sender.send_messages(batch)
            batch = await sender.create_message_batch()
            try:
                batch.add_message(message)
            except MessageSizeExceededError:
                raise self._too_large(number, batch.max_size_in_bytes) from None
        await sender.send_messages(batch)

    def _too_large(self, number: int, limit: int) -> ServiceBusSendError:
        return ServiceBusSendError(
            f"{self._where} failed: message {number} of the list is larger than a batch may be ({limit} bytes); "
            "the messages before it were sent. Fix: send smaller messages (Standard tier: 256 KB)"
        )

    def _explain(self, exc: BaseException) -> ServiceBusSendError:
        setting = self._settings.connection_setting
        if isinstance(exc, ServiceBusAuthenticationError):
            problem = "the namespace refused the key"
            fix = f"check SharedAccessKeyName and SharedAccessKey in '{setting}'"
        elif isinstance(exc, ServiceBusAuthorizationError):
            problem, fix = "the policy lacks the Send right", f"use a policy with Send rights in '{setting}'"
        elif isinstance(exc, MessagingEntityNotFoundError):
            problem, fix = f"'{self._entity}' does not exist", "create it; funchost does not create entities"
        elif isinstance(exc, MessageSizeExceededError):
            problem, fix = "the message is too large", "send smaller messages (Standard tier: 256 KB)"
        else:
            detail = (getattr(exc, "message", None) or str(exc) or type(exc).__name__).splitlines()[0]
            problem = f"{type(exc).__name__}: {detail}"
            fix = f"check that the namespace in '{setting}' is reachable"
        return ServiceBusSendError(f"{self._where} failed: {problem}. Fix: {fix}")

    def _acquire(self) -> _Shared:
        if self._shared is None:
            key = (id(asyncio.get_running_loop()), str(self._settings.connection_string), self._entity)
            shared = _SHARED.get(key)
            if shared is None or shared.loop is not asyncio.get_running_loop():  # ids of dead loops recur
                shared = _SHARED[key] = _Shared(self._settings, asyncio.get_running_loop())
            shared.users += 1
            self._shared = shared
        return self._shared

    async def aclose(self) -> None:
        shared, self._shared = self._shared, None
        if shared is None:
            return
        shared.users -= 1
        if shared.users <= 0:
            for key, value in list(_SHARED.items()):
                if value is shared:
                    del _SHARED[key]
            await shared.reset()
