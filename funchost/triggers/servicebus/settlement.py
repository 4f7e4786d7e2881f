"""Settling received Service Bus messages, and the `ServiceBusMessageActions` a function may settle with.

The rule (the extension's MessageProcessor.CompleteProcessingMessageAsync): after a successful invocation the
message is completed when `autoCompleteMessages` is on; after a failed one it is abandoned, so Service Bus
redelivers it until the entity's max delivery count and then dead-letters it. A message the function settled itself
is left as the function decided.

`MessageActions` is what a parameter annotated `azurefunctions.extensions.bindings.servicebus.
ServiceBusMessageActions` receives: the same methods (`complete`, `abandon`, `deadletter(message,
deadletter_reason, deadletter_error_description)`, `defer`, `renew_message_lock`), taking the trigger's message
(`func.ServiceBusMessage` or the SDK's `ServiceBusReceivedMessage`). Azure's package sends each call over gRPC to
the host at once; here the call records the decision and the listener applies it as soon as the invocation returns
(before any automatic settlement), because a sync method cannot wait on the listener's event loop from inside an
async function. `renew_message_lock` is accepted and does nothing: the listener renews every lock while the
invocation runs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from azure.servicebus.aio import ServiceBusReceiver
from azure.servicebus.exceptions import MessageLockLostError, ServiceBusError, SessionLockLostError

from funchost.brokers.servicebus import describe

logger = logging.getLogger("funchost.servicebus")


@dataclass(frozen=True)
class Decision:
    action: str  # complete | abandon | deadletter | defer
    reason: str | None = None
    description: str | None = None


def _token(message: Any) -> str:
    token = getattr(message, "lock_token", None)
    if not token:
        raise ValueError("lockToken is required in ServiceBusReceivedMessage.")
    return str(token)


class MessageActions:
    """Records the function's settlement of its messages (one object per invocation)."""

    def __init__(self) -> None:
        self.decisions: dict[str, Decision] = {}

    def _decide(self, message: Any, decision: Decision) -> None:
        token = _token(message)
        if token in self.decisions:
            raise RuntimeError(
                f"message {token} was already settled ({self.decisions[token].action}) in this invocation"
            )
        self.decisions[token] = decision

    def complete(self, message: Any) -> None:
        self._decide(message, Decision("complete"))

    def abandon(self, message: Any) -> None:
        self._decide(message, Decision("abandon"))

    def deadletter(
        self,
        message: Any,
        deadletter_reason: str | None = None,
        deadletter_error_description: str | None = None,
    ) -> None:
        self._decide(message, Decision("deadletter", deadletter_reason, deadletter_error_description))

    def defer(self, message: Any) -> None:
        self._decide(message, Decision("defer"))

    def renew_message_lock(self, message: Any) -> None:
        _token(message)  # the listener renews locks while the invocation runs


async def settle(
    receiver: ServiceBusReceiver,
    messages: Sequence[Any],
    succeeded: bool,
    auto_complete: bool,
    actions: MessageActions | None,
    function: str,
) -> None:
    """Apply the function's decisions, then the automatic rule, to each message; a lost lock is logged (Service Bus
    redelivers the message)."""
    decisions = actions.decisions if actions is not None else {}
    for message in messages:
        decision = decisions.get(str(message.lock_token))
        try:
            if decision is not None:
                await _apply(receiver, message, decision)
            elif not succeeded:
                await receiver.abandon_message(message)
            elif auto_complete:
                await receiver.complete_message(message)
        except (MessageLockLostError, SessionLockLostError) as exc:
            logger.warning(
                "Function '%s': the lock of message %s was lost before it was settled (%s); Service Bus delivers "
                "it again",
                function,
                message.message_id,
                describe(exc),
            )
        except ServiceBusError as exc:
            logger.error(
                "Function '%s': settling message %s failed (%s); Service Bus delivers it again once its lock expires",
                function,
                message.message_id,
                describe(exc),
            )


async def _apply(receiver: ServiceBusReceiver, message: Any, decision: Decision) -> None:
    if decision.action == "complete":
        await receiver.complete_message(message)
    elif decision.action == "abandon":
        await receiver.abandon_message(message)
    elif decision.action == "defer":
        await receiver.defer_message(message)
    else:
        await receiver.dead_letter_message(message, reason=decision.reason, error_description=decision.description)
