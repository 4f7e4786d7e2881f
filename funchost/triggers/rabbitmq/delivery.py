"""One RabbitMQ delivery: convert the body, invoke the function, then settle the message as Azure's extension does.

Settlement rule (Azure/azure-functions-rabbitmq-extension, extension/WebJobs.Extensions.RabbitMQ/Trigger/
RabbitMQListener.cs, `ReceivedHandler`): success → `basic.ack`; failure → read the `x-ms-rabbitmq-requeuecount`
header (absent = 0) and add one; at 5 or more → `basic.reject(requeue=false)` (the queue's dead-letter exchange
gets it, if it has one; otherwise RabbitMQ drops it); below 5 → publish a copy (same body, properties and
headers, the count updated) to the same queue through the default exchange, then ack the original. The copy is
published with a publisher confirm before the original is acked, so a broker failure in between duplicates a
message but never loses one.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage

from funchost.bindings.binding_data import rabbitmq_binding_data
from funchost.bindings.rabbitmq import BodyConversionError, requeue_count
from funchost.errors import InvocationError
from funchost.invocation import FunctionInvoker
from funchost.metrics import HostMetrics

logger = logging.getLogger("funchost.rabbitmq")
REQUEUE_COUNT_HEADER = "x-ms-rabbitmq-requeuecount"
MAX_REQUEUE_COUNT = 5  # RabbitMQListener.cs: `requeueCount >= 5` rejects


def binding_data(message: AbstractIncomingMessage) -> dict[str, Any]:
    """The message's binding data (`funchost.bindings.binding_data`), basic properties under their .NET names."""
    properties = {
        "ContentType": message.content_type,
        "ContentEncoding": message.content_encoding,
        "Headers": dict(message.headers or {}),
        "DeliveryMode": int(message.delivery_mode) if message.delivery_mode is not None else None,
        "Priority": message.priority,
        "CorrelationId": message.correlation_id,
        "ReplyTo": message.reply_to,
        "Expiration": message.expiration,
        "MessageId": message.message_id,
        "Timestamp": message.timestamp,
        "Type": message.type,
        "UserId": message.user_id,
        "AppId": message.app_id,
    }
    return rabbitmq_binding_data(
        consumer_tag=message.consumer_tag,
        delivery_tag=message.delivery_tag,
        redelivered=bool(message.redelivered),
        exchange=message.exchange,
        routing_key=message.routing_key,
        properties=properties,
        body=message.body,
    )


class Delivery:
    """Processes the messages of one listener (one function, one queue)."""

    def __init__(
        self,
        invoker: FunctionInvoker,
        binding_name: str,
        queue_name: str,
        convert: Callable[[bytes], Any],
        metrics: HostMetrics,
    ) -> None:
        self._invoker = invoker
        self._function = invoker.name
        self._binding = binding_name
        self._queue = queue_name
        self._convert = convert
        self._metrics = metrics

    async def run(self, message: AbstractIncomingMessage, channel: AbstractChannel) -> None:
        """Invoke the function for `message`, then settle it on `channel` (the channel that delivered it)."""
        succeeded = await self._invoke(message)
        try:
            await self._settle(message, channel, succeeded)
        except Exception as exc:  # the channel or connection went away: the broker redelivers the message
            logger.warning(
                "Function '%s': could not settle a message of queue '%s' (%s: %s); RabbitMQ will deliver it again",
                self._function,
                self._queue,
                type(exc).__name__,
                exc or "the channel is closed",
            )

    async def _invoke(self, message: AbstractIncomingMessage) -> bool:
        try:
            value = self._convert(message.body)
        except BodyConversionError as exc:
            # A binding failure fails the invocation on Azure too (TryExecuteAsync → !Succeeded → retry path).
            logger.error(
                "Function '%s': the message from queue '%s' (message id %s) cannot be bound to parameter '%s': %s",
                self._function,
                self._queue,
                message.message_id or "-",
                self._binding,
                exc,
            )
            return False
        try:
            data = functools.partial(binding_data, message) if self._invoker.needs_binding_data else None
            await self._invoker.invoke({self._binding: value}, binding_data=data)
        except InvocationError:
            return False  # logged by the invoker
        return True

    async def _settle(self, message: AbstractIncomingMessage, channel: AbstractChannel, succeeded: bool) -> None:
        if succeeded:
            await message.ack()
            return
        count = requeue_count(message.headers, REQUEUE_COUNT_HEADER) + 1
        if count >= MAX_REQUEUE_COUNT:
            logger.error(
                "Function '%s' failed %d times for a message of queue '%s' (message id %s); rejecting it "
                "(to the queue's dead-letter exchange if it has one, otherwise RabbitMQ discards it)",
                self._function,
                count,
                self._queue,
                message.message_id or "-",
            )
            await message.reject(requeue=False)
            return
        try:
            await channel.default_exchange.publish(_copy(message, count), routing_key=self._queue)
        except Exception:
            await message.nack(requeue=True)  # keep the original rather than lose it
            raise
        self._metrics.retries.labels(self._function).inc()
        logger.warning(
            "Function '%s' failed; message republished to queue '%s' with %s=%d (rejected at %d)",
            self._function,
            self._queue,
            REQUEUE_COUNT_HEADER,
            count,
            MAX_REQUEUE_COUNT,
        )
        await message.ack()


def _copy(message: AbstractIncomingMessage, count: int) -> aio_pika.Message:
    """The message with the same body and properties, and the requeue-count header set to `count`."""
    headers = dict(message.headers or {})
    headers[REQUEUE_COUNT_HEADER] = count
    return aio_pika.Message(
        body=message.body,
        headers=headers,
        content_type=message.content_type,
        content_encoding=message.content_encoding,
        delivery_mode=message.delivery_mode,
        priority=message.priority,
        correlation_id=message.correlation_id,
        reply_to=message.reply_to,
        expiration=message.expiration,
        message_id=message.message_id,
        timestamp=message.timestamp,
        type=message.type,
        user_id=message.user_id,
        app_id=message.app_id,
    )
