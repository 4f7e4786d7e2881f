"""Service Bus trigger (`serviceBusTrigger`): a queue, or a topic subscription, received in peek-lock mode with the
azure-servicebus aio client; every message is settled only after the outcome is known (outputs included).

As the extension (Microsoft.Azure.WebJobs.Extensions.ServiceBus: ServiceBusListener, MessageProcessor,
SessionMessageProcessor), with host.json `extensions.serviceBus`:
- cardinality one: up to `maxConcurrentCalls` (16 × CPUs) messages in work at once;
- cardinality many: one batch at a time of up to `maxMessageBatchSize` (1000) messages, waiting up to
  `maxBatchWaitTime` (30 s) for `minMessageBatchSize` (1);
- sessions (`isSessionsEnabled`): `maxConcurrentSessions` (8) sessions at once, each with up to
  `maxConcurrentCallsPerSession` (1) messages in work, in order; a session is released after `sessionIdleTimeout`
  without messages (unset: 60 s, the SDK's try timeout) and the next available one taken;
- `autoCompleteMessages` (host.json, and the binding's `autoCompleteMessages`; false if either says false),
  abandon on failure, the function's own settlement (`settlement.py`), lock renewal (`locks.py`) up to
  `maxAutoLockRenewalDuration` (5 min); `prefetchCount` (0) is the receiver's.

A missing entity or an unreachable namespace is logged and retried by `funchost.triggers.supervisor` (a missing
entity is "waiting"). Stop: stop receiving (within one receive wait, `POLL_SECONDS`), let in-flight invocations
finish within the grace period and settle, then close the receivers and the client. Messages a killed host held
come back when their locks expire.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from azure.servicebus import ServiceBusMessage
from azure.servicebus.aio import AutoLockRenewer, ServiceBusReceiver
from azure.servicebus.exceptions import MessagingEntityNotFoundError

from funchost.brokers.servicebus import describe, servicebus_client
from funchost.metadata.broker_settings import ServiceBusSettings
from funchost.metadata.trigger_kinds import SERVICE_BUS
from funchost.triggers.base import ListenerContext
from funchost.triggers.gate import WorkGate
from funchost.triggers.servicebus.delivery import Delivery
from funchost.triggers.servicebus.receiving import POLL_SECONDS, Receiving
from funchost.triggers.supervisor import Problem, SupervisedListener, Supervisor

logger = logging.getLogger("funchost.servicebus")


class ServiceBusListener(SupervisedListener):
    def __init__(self, ctx: ListenerContext) -> None:
        assert isinstance(ctx.settings, ServiceBusSettings)
        self._ctx = ctx
        self._settings = settings = ctx.settings
        self._function = ctx.invoker.name
        self.name = f"servicebus:{self._function}"
        self._options = options = SERVICE_BUS.options(ctx.app.host_config)
        self._delivery = Delivery(ctx, options)
        self._many = settings.cardinality == "many"
        if settings.is_sessions_enabled:
            per_session = 1 if self._many else options.max_concurrent_calls_per_session
            limit = options.max_concurrent_sessions * per_session
        else:
            limit = 1 if self._many else options.max_concurrent_calls
        self._gate = WorkGate(limit, self.name)
        # No network yet; a refused connection setting fails here. Sessions: no SDK retry, because the SDK retries
        # "no session available" (OperationTimeoutError) 3 times with back-off, so taking the next session would
        # wait ~20 s instead of one receive wait — and a stop with it; the session loop tries again itself.
        self._client = servicebus_client(settings, **({"retry_total": 0} if settings.is_sessions_enabled else {}))
        self._receiver: ServiceBusReceiver | None = None
        self._renewer = AutoLockRenewer(max_lock_renewal_duration=options.max_auto_lock_renewal_duration)
        self._idle = asyncio.Event()  # set while no receive loop runs
        self._idle.set()
        self._supervisor = Supervisor(self.name, self, logger)
        self._receiving = Receiving(
            self._function,
            self._client,
            settings,
            options,
            self._gate,
            self._delivery,
            self._renewer,
            self._supervisor.stopping,
        )
        if ctx.invoker.spec.retry is not None:
            logger.warning(
                "Function '%s': retry policies do not apply to Service Bus triggers (as on Azure); a failed message "
                "is abandoned and redelivered until the entity's max delivery count, then dead-lettered",
                self._function,
            )

    # -- Listener contract (state, detail, in_flight and start come from SupervisedListener) ----------------------

    async def stop(self, grace_seconds: float) -> None:
        self._supervisor.begin_stop()
        # The receive loop ends within one receive wait (if it waits for a free slot, cancel() ends it: it holds no
        # message then); session workers run their messages inline, so they may take the grace period.
        sessions = self._settings.is_sessions_enabled
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                self._idle.wait(), max(grace_seconds, POLL_SECONDS) if sessions else POLL_SECONDS * 3
            )
        await self._gate.drain(grace_seconds)  # in-flight invocations finish and settle on their receivers
        await self._supervisor.cancel()
        await self.disconnect()
        with contextlib.suppress(Exception):
            await self._renewer.close()
        await self._client.close()
        self._supervisor.stopped()
        logger.info("Service Bus listener for function '%s' stopped", self._function)

    async def trigger_manually(self, payload: str) -> None:
        await self._delivery.invoke_once(ServiceBusMessage(payload.encode("utf-8")))

    # -- Supervised --------------------------------------------------------------------------------------------

    async def connect(self) -> None:
        if not self._settings.is_sessions_enabled:
            receiver = self._receiving.new_receiver(None)
            await receiver.__aenter__()  # attaches the link: a missing entity or a bad key fails here
            self._receiver = receiver
        logger.info(
            "Function '%s' receives Service Bus %s '%s' (%s; autoCompleteMessages %s)",
            self._function,
            "queue" if self._settings.queue_name else "subscription",
            self._settings.entity,
            self._concurrency_text(),
            str(self._delivery.auto_complete).lower(),
        )

    async def consume(self) -> str:
        self._idle.clear()
        try:
            if self._settings.is_sessions_enabled:
                workers = [
                    asyncio.create_task(self._receiving.session_worker())
                    for _ in range(self._options.max_concurrent_sessions)
                ]
                try:
                    await asyncio.gather(*workers)
                finally:  # one failed (the connection is lost): the others end with it, the supervisor reconnects
                    for worker in workers:
                        worker.cancel()
                    await asyncio.gather(*workers, return_exceptions=True)
            else:
                assert self._receiver is not None
                await self._receiving.receive_loop(self._receiver)
        finally:
            self._idle.set()
        return ""

    def explain(self, exc: Exception) -> Problem:
        missing = isinstance(exc, MessagingEntityNotFoundError)
        where = f"Service Bus entity '{self._settings.entity}' (connection '{self._settings.connection_setting}')"
        return Problem(f"Function '{self._function}': {where}: {describe(exc)}", waiting=missing)

    async def disconnect(self) -> None:
        receiver, self._receiver = self._receiver, None
        if receiver is not None:
            with contextlib.suppress(Exception):
                await receiver.close()

    # -- helpers -----------------------------------------------------------------------------------------------

    def _concurrency_text(self) -> str:
        o = self._options
        if self._settings.is_sessions_enabled:
            return f"maxConcurrentSessions {o.max_concurrent_sessions}, maxConcurrentCallsPerSession " + str(
                o.max_concurrent_calls_per_session
            )
        if self._many:
            return f"batches of up to maxMessageBatchSize {o.max_message_batch_size}"
        return f"maxConcurrentCalls {o.max_concurrent_calls}"
