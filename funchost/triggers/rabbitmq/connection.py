"""One consumer session of the RabbitMQ trigger: connection, channel (QoS prefetchCount, publisher confirms for
republishing), the passive queue check and the consumer — opened together, watched together, closed together —
and the user-facing explanation of why a session could not be opened.

As Azure's extension (Azure/azure-functions-rabbitmq-extension, Services/RabbitMQService.cs and
Trigger/RabbitMQListener.cs): `BasicQos(0, prefetchCount, false)`, `QueueDeclarePassive(queue)` — the queue is
never created — and `BasicConsume(queue, autoAck: false)`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage, AbstractQueue
from aio_pika.exceptions import AuthenticationError, ChannelNotFoundEntity, ProbableAuthenticationError

from funchost.brokers.rabbitmq import describe_endpoint, scrub, ssl_context
from funchost.metadata.broker_settings import RabbitMQSettings

CONNECT_TIMEOUT = 10.0  # seconds for TCP + AMQP handshake
CLOSE_TIMEOUT = 5.0
OnMessage = Callable[[AbstractIncomingMessage, AbstractChannel], Awaitable[None]]


@dataclass
class Session:
    connection: AbstractConnection
    channel: AbstractChannel
    queue: AbstractQueue
    consumer_tag: str | None
    lost: asyncio.Event  # set when the connection or the channel closes, for whatever reason

    async def cancel_consumer(self) -> None:
        """`basic.cancel`: no further deliveries; delivered messages can still be settled on the channel."""
        tag, self.consumer_tag = self.consumer_tag, None
        if tag is not None and not self.channel.is_closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.queue.cancel(tag), CLOSE_TIMEOUT)

    async def close(self) -> None:
        """Close the channel (RabbitMQ requeues every unsettled delivery) and the connection."""
        await close_quietly(self.channel, self.connection)


async def close_quietly(*closables: AbstractChannel | AbstractConnection | None) -> None:
    for closable in closables:
        if closable is not None and not closable.is_closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(closable.close(), CLOSE_TIMEOUT)


async def open_session(settings: RabbitMQSettings, prefetch_count: int, name: str, on_message: OnMessage) -> Session:
    """Connect and start consuming; on any failure close what was opened and raise."""
    lost = asyncio.Event()
    connection = await aio_pika.connect(
        settings.url,
        timeout=CONNECT_TIMEOUT,
        ssl_context=ssl_context(settings.url, settings.disable_certificate_validation),
        client_properties={"connection_name": name},
    )
    channel: AbstractChannel | None = None
    try:
        connection.close_callbacks.add(lambda *_: lost.set())
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        channel.close_callbacks.add(lambda *_: lost.set())
        await channel.set_qos(prefetch_count=prefetch_count)
        queue = await channel.declare_queue(settings.queue_name, passive=True)
        consuming_channel = channel

        async def deliver(message: AbstractIncomingMessage) -> None:
            await on_message(message, consuming_channel)

        tag = await queue.consume(deliver, no_ack=False)
    except BaseException:
        await close_quietly(channel, connection)
        raise
    return Session(connection, channel, queue, tag, lost)


def queue_missing(exc: BaseException) -> bool:
    """The broker answered, but the queue to consume does not exist (the passive declare failed with 404)."""
    return isinstance(exc, ChannelNotFoundEntity)


def explain(function: str, settings: RabbitMQSettings, exc: BaseException) -> str:
    """Why the session could not be opened, naming the function, setting, host and fix — never the password."""
    setting, queue, endpoint = settings.connection_setting, settings.queue_name, describe_endpoint(settings.url)
    detail = scrub(f"{type(exc).__name__}: {exc}", settings.url)
    if isinstance(exc, ChannelNotFoundEntity):
        return (
            f"Function '{function}': RabbitMQ queue '{queue}' does not exist at {endpoint} (connection setting "
            f"'{setting}'). funchost does not create it, as Azure's extension does not. Fix: declare the queue "
            "(rabbitmqadmin, the management UI or your deployment)"
        )
    if isinstance(exc, ProbableAuthenticationError | AuthenticationError):
        return (
            f"Function '{function}': RabbitMQ at {endpoint} refused the login from app setting '{setting}' "
            f"({detail}). Fix: correct the user name and password in '{setting}'"
        )
    return (
        f"Function '{function}': cannot consume RabbitMQ queue '{queue}' at {endpoint} (app setting '{setting}'): "
        f"{detail}. Fix: start the broker or correct '{setting}' (amqp://user:pass@host:5672/vhost)"
    )
