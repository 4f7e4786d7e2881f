"""RabbitMQ output binding (`rabbitMQ`): publish what the function set to a queue, with publisher confirms.

As Azure's extension (Azure/azure-functions-rabbitmq-extension, Bindings/RabbitMQAsyncCollector.cs,
Services/RabbitMQService.cs): messages go to the default exchange with routing key = queueName, the queue must
already exist (checked once with a passive declare; it is never created), str is sent as UTF-8 and other
objects as JSON (Config/PocoToBytesConverter.cs). Deliberate differences: messages are published persistent
(delivery mode 2) and each publish waits for the broker's confirm (mandatory, so an unroutable message is an
error), so an invocation only succeeds once RabbitMQ owns its outputs.

One connection and channel is shared per connection string (and event loop) by every output binding that uses
it; it is opened on the first send and re-opened after a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection
from aio_pika.exceptions import ChannelNotFoundEntity

from funchost.bindings.rabbitmq import output_bodies
from funchost.brokers.rabbitmq import describe_endpoint, quiet_client_connection_logs, scrub, ssl_context
from funchost.errors import InvocationError
from funchost.metadata.broker_settings import RabbitMQSettings
from funchost.metadata.host_config import HostConfig

logger = logging.getLogger("funchost.rabbitmq")
CONNECT_TIMEOUT = 10.0


@dataclass
class _Publisher:
    """The shared connection of one connection string."""

    key: tuple[str, bool, int]  # (url, disableCertificateValidation, event loop id)
    loop: asyncio.AbstractEventLoop
    users: int = 0
    connection: AbstractConnection | None = None
    channel: AbstractChannel | None = None
    checked_queues: set[str] = field(default_factory=set)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def ready_channel(self) -> AbstractChannel:
        async with self.lock:
            if self.channel is None or self.channel.is_closed or self.connection is None or self.connection.is_closed:
                await self.reset()
                url, disable_validation, _ = self.key
                self.connection = await aio_pika.connect(
                    url,
                    timeout=CONNECT_TIMEOUT,
                    ssl_context=ssl_context(url, disable_validation),
                    client_properties={"connection_name": "funchost outputs"},
                )
                self.channel = await self.connection.channel(publisher_confirms=True, on_return_raises=True)
            return self.channel

    async def check_queue(self, queue: str) -> None:
        """Fail clearly when the queue is missing (a passive declare closes its channel, so use a throwaway one)."""
        if queue in self.checked_queues:
            return
        assert self.connection is not None
        probe = await self.connection.channel(publisher_confirms=False)
        try:
            await probe.declare_queue(queue, passive=True)
        finally:
            if not probe.is_closed:
                await probe.close()
        self.checked_queues.add(queue)

    async def discard(self, failed: AbstractChannel | None) -> None:
        """Drop the connection after `failed` broke — unless a concurrent send already replaced it."""
        async with self.lock:
            if self.channel is failed or self.channel is None:
                await self.reset()

    async def reset(self) -> None:
        connection, self.connection, self.channel = self.connection, None, None
        self.checked_queues.clear()
        if connection is not None and not connection.is_closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), 5.0)


_PUBLISHERS: dict[tuple[str, bool, int], _Publisher] = {}


def _key(settings: RabbitMQSettings) -> tuple[str, bool, int]:
    return settings.url, settings.disable_certificate_validation, id(asyncio.get_running_loop())


class RabbitMQOutput:
    def __init__(self, settings: RabbitMQSettings, host_config: HostConfig) -> None:
        self._settings = settings
        self._publisher: _Publisher | None = None
        self._endpoint = describe_endpoint(settings.url)
        quiet_client_connection_logs()

    async def send(self, value: Any) -> None:
        bodies = output_bodies(value)
        if not bodies:
            return
        publisher = self._shared()
        missing = "the queue does not exist", "declare the queue; funchost does not create it"
        channel: AbstractChannel | None = None
        try:
            channel = await publisher.ready_channel()
            await self._publish(publisher, channel, bodies)
        except ChannelNotFoundEntity:
            raise self._error(*missing) from None
        except Exception as first:
            # A dropped connection: reconnect once and publish again (at-least-once: a message may repeat).
            detail = scrub(str(first) or type(first).__name__, self._settings.url)
            logger.warning("RabbitMQ output to queue '%s' failed (%s); reconnecting", self._settings.queue_name, detail)
            await publisher.discard(channel)
            try:
                await self._publish(publisher, await publisher.ready_channel(), bodies)
            except ChannelNotFoundEntity:
                raise self._error(*missing) from None
            except Exception as exc:
                detail = scrub(f"{type(exc).__name__}: {exc}", self._settings.url)
                raise self._error(detail, "check that the broker is running and the queue exists") from None

    async def _publish(self, publisher: _Publisher, channel: AbstractChannel, bodies: list[bytes]) -> None:
        await publisher.check_queue(self._settings.queue_name)
        exchange = channel.default_exchange
        queue = self._settings.queue_name
        await asyncio.gather(
            *(
                exchange.publish(aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT), queue)
                for body in bodies
            )
        )

    def _shared(self) -> _Publisher:
        if self._publisher is None:
            key = _key(self._settings)
            publisher = _PUBLISHERS.get(key)
            if publisher is None or publisher.loop is not asyncio.get_running_loop():  # ids of dead loops recur
                publisher = _Publisher(key, asyncio.get_running_loop())
                _PUBLISHERS[key] = publisher
            publisher.users += 1
            self._publisher = publisher
        return self._publisher

    def _error(self, problem: str, fix: str) -> InvocationError:
        return InvocationError(
            f"RabbitMQ output to queue '{self._settings.queue_name}' at {self._endpoint} (connection setting "
            f"'{self._settings.connection_setting}') failed: {problem}. Fix: {fix}"
        )

    async def aclose(self) -> None:
        publisher, self._publisher = self._publisher, None
        if publisher is None:
            return
        publisher.users -= 1
        if publisher.users <= 0:
            if _PUBLISHERS.get(publisher.key) is publisher:
                del _PUBLISHERS[publisher.key]
            await publisher.reset()
