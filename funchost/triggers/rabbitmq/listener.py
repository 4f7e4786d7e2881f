"""RabbitMQ trigger (`rabbitMQTrigger`, also spelled `rabbitMqTrigger`): consume a queue with aio-pika, one
invocation per message, settled only after the outcome is known (`delivery.py` has the retry rule,
`connection.py` the session: QoS prefetchCount, passive queue check, consumer).

Like the Functions host with any listener that fails to start (azure-webjobs-sdk Listeners/FunctionListener.cs),
a missing queue or an unreachable broker is logged and retried in the background; a lost connection is
re-established and the consumer re-created, as RabbitMQ.Client's automatic recovery does (every 5 s). Until then
the state is "starting" / "reconnecting", which turns /readyz to 503 — except while the broker answers but the queue
does not exist yet: that is "waiting", which leaves /readyz at 200 (funchost.http.health says why). The retry loop,
its delays and states are `funchost.triggers.supervisor`'s; this listener plugs in connect/consume/disconnect.

Stop: cancel the consumer (no new deliveries), let in-flight invocations finish within the grace period and
settle them, then close the channel — RabbitMQ puts every delivered-but-unsettled message back in the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aio_pika.abc import AbstractChannel, AbstractIncomingMessage

from funchost.bindings.rabbitmq import body_converter
from funchost.brokers.rabbitmq import describe_endpoint, quiet_client_connection_logs
from funchost.metadata.broker_settings import RabbitMQSettings
from funchost.metadata.trigger_kinds import RABBITMQ
from funchost.triggers.base import ListenerContext
from funchost.triggers.gate import WorkGate
from funchost.triggers.rabbitmq.connection import Session, explain, open_session, queue_missing
from funchost.triggers.rabbitmq.delivery import Delivery
from funchost.triggers.supervisor import Problem, SupervisedListener, Supervisor

logger = logging.getLogger("funchost.rabbitmq")


class RabbitMQListener(SupervisedListener):
    def __init__(self, ctx: ListenerContext) -> None:
        assert isinstance(ctx.settings, RabbitMQSettings)
        self._ctx = ctx
        self._settings = ctx.settings
        self._function = ctx.invoker.name
        self.name = f"rabbitmq:{self._function}"
        trigger = ctx.invoker.spec.trigger
        self._binding = trigger.name
        annotation = ctx.app.function(self._function).annotations.get(trigger.name)
        self._convert = body_converter(self._function, annotation, trigger.name, trigger.data_type)
        self._options = RABBITMQ.options(ctx.app.host_config)
        self._gate = WorkGate(self._options.prefetch_count, self.name)
        self._delivery = Delivery(ctx.invoker, trigger.name, self._settings.queue_name, self._convert, ctx.metrics)
        self._session: Session | None = None
        self._supervisor = Supervisor(self.name, self, logger)  # its problem is never the password
        quiet_client_connection_logs()
        if ctx.invoker.spec.retry is not None:
            logger.warning(
                "Function '%s': retry policies do not apply to RabbitMQ triggers (as on Azure); a failed message is "
                "republished up to 4 times, then rejected to the queue's dead-letter exchange",
                self._function,
            )

    # -- Listener contract -------------------------------------------------------------------------------------

    async def stop(self, grace_seconds: float) -> None:
        self._supervisor.begin_stop()
        if self._session is not None:
            await self._session.cancel_consumer()
        await self._gate.drain(grace_seconds)  # invocations finish and settle on their channel
        await self._supervisor.cancel()
        if self._session is not None:
            await self._session.close()
        self._supervisor.stopped()
        logger.info("RabbitMQ listener for function '%s' stopped", self._function)

    async def trigger_manually(self, payload: str) -> None:
        await self._ctx.invoker.invoke({self._binding: self._convert(payload.encode("utf-8"))})

    # -- sessions (Supervised) ---------------------------------------------------------------------------------

    async def connect(self) -> None:
        self._session = await open_session(
            self._settings, self._options.prefetch_count, f"funchost {self._function}", self._on_message
        )
        failures = self._supervisor.failures
        logger.info(
            "Function '%s' consumes RabbitMQ queue '%s' at %s (prefetchCount %d%s)",
            self._function,
            self._settings.queue_name,
            describe_endpoint(self._settings.url),
            self._options.prefetch_count,
            f"; connected after {failures} failed attempts" if failures else "",
        )

    async def consume(self) -> str:
        session = self._session
        assert session is not None
        await self._wait_for(session.lost)
        if self._supervisor.stopping.is_set():
            return ""  # stop() settles and closes
        logger.warning(
            "Function '%s': the connection to RabbitMQ at %s was lost; reconnecting (RabbitMQ redelivers the "
            "messages that were not settled)",
            self._function,
            describe_endpoint(self._settings.url),
        )
        return f"the connection to {describe_endpoint(self._settings.url)} was lost; reconnecting"

    def explain(self, exc: Exception) -> Problem:
        return Problem(explain(self._function, self._settings, exc), waiting=queue_missing(exc))

    async def disconnect(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def _on_message(self, message: AbstractIncomingMessage, channel: AbstractChannel) -> None:
        if not self._supervisor.stopping.is_set():
            await self._gate.acquire()  # never waits while one channel's prefetch bounds the deliveries
            work = self._delivery.run(message, channel) if not self._supervisor.stopping.is_set() else _requeue(message)
            await self._gate.run_here(work)  # aio-pika already runs this callback in a task of its own
        else:
            await _requeue(message)  # delivered after stop began: straight back to the queue

    async def _wait_for(self, lost: asyncio.Event) -> None:
        waiters = {asyncio.create_task(lost.wait()), asyncio.create_task(self._supervisor.stopping.wait())}
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()


async def _requeue(message: AbstractIncomingMessage) -> None:
    with contextlib.suppress(Exception):  # a closed channel requeues it as well
        await message.nack(requeue=True)
