"""Keeping the locks of messages in work: renewed while the invocation runs, up to maxAutoLockRenewalDuration.

As the SDK's processor (which the extension runs with MaxAutoLockRenewalDuration): a lock is renewed before it
expires for as long as its invocation runs, but never past `maxAutoLockRenewalDuration` after the message was
received. Renewal stops when the invocation ends — unlike `AutoLockRenewer`, which would keep renewing a message a
function left unsettled (autoCompleteMessages false) until the limit. Session messages share their session's
lock, which the session loop renews with the SDK's `AutoLockRenewer`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

from azure.servicebus.aio import ServiceBusReceiver
from azure.servicebus.exceptions import ServiceBusError

from funchost.brokers.servicebus import describe

logger = logging.getLogger("funchost.servicebus")
MIN_WAIT = 0.2  # seconds between renewals at the least


def _remaining(message: Any) -> float:
    until = message.locked_until_utc
    if until is None:
        return 0.0
    return float((until - datetime.now(UTC)).total_seconds())


async def _renew(receiver: ServiceBusReceiver, messages: Sequence[Any], limit: float, function: str) -> None:
    deadline = time.monotonic() + limit
    live = list(messages)
    while live:
        wait = max(MIN_WAIT, min(_remaining(m) for m in live) / 2)
        if time.monotonic() + wait >= deadline:
            return  # maxAutoLockRenewalDuration reached: the lock runs out on its own
        await asyncio.sleep(wait)
        for message in list(live):
            try:
                await receiver.renew_message_lock(message)
            except ServiceBusError as exc:
                live.remove(message)
                logger.warning(
                    "Function '%s': renewing the lock of message %s failed (%s); it may be delivered again",
                    function,
                    message.message_id,
                    describe(exc),
                )


@contextlib.asynccontextmanager
async def locks_kept(
    receiver: ServiceBusReceiver, messages: Sequence[Any], limit: float, function: str
) -> AsyncIterator[None]:
    """Renew the messages' locks while the block runs (a limit of 0 turns renewal off, as in the extension)."""
    if limit <= 0:
        yield
        return
    task = asyncio.create_task(_renew(receiver, messages, limit, function))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
