"""One delivery of Service Bus messages (one message, or a batch): convert, invoke with the locks kept, settle.

The trigger parameter gets `funchost.bindings.servicebus`'s conversion for its annotation (or, for the SDK-type
binding, the received message itself); a parameter annotated `ServiceBusMessageActions` gets a `MessageActions`
for this invocation. Settlement follows `settlement.settle` once the invocation (outputs included) has ended.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from azure.servicebus.aio import ServiceBusReceiver

from funchost.bindings.servicebus import is_sdk_type, sdk_trigger_value, trigger_value
from funchost.errors import InvocationError
from funchost.metadata.broker_settings import ServiceBusSettings
from funchost.metadata.extension_options import ServiceBusOptions
from funchost.triggers.base import ListenerContext
from funchost.triggers.servicebus.locks import locks_kept
from funchost.triggers.servicebus.settlement import MessageActions, settle

logger = logging.getLogger("funchost.servicebus")


class Delivery:
    def __init__(self, ctx: ListenerContext, options: ServiceBusOptions) -> None:
        assert isinstance(ctx.settings, ServiceBusSettings)
        settings = ctx.settings
        self._invoker = ctx.invoker
        self._function = ctx.invoker.name
        trigger = ctx.invoker.spec.trigger
        self._binding = trigger.name
        annotations = ctx.app.function(self._function).annotations
        annotation = annotations.get(trigger.name)
        self._convert = sdk_trigger_value(annotation, settings.cardinality) or trigger_value(
            self._function, annotation, trigger.name, settings.cardinality
        )
        self._actions_parameter = next(
            (name for name, hint in annotations.items() if is_sdk_type(hint, "ServiceBusMessageActions")), None
        )
        self.auto_complete = options.auto_complete_messages and settings.auto_complete_messages
        self._renewal = options.max_auto_lock_renewal_duration

    async def invoke_once(self, message: Any) -> None:
        """POST /admin/functions/{name}: the payload as a message, nothing to settle."""
        await self._invoker.invoke({self._binding: self._convert([message])})

    async def run(self, receiver: ServiceBusReceiver, messages: Sequence[Any], *, session: bool) -> None:
        """Session messages share the session's lock (renewed by the session loop), so only others are renewed."""
        actions = MessageActions() if self._actions_parameter else None
        succeeded = False
        async with locks_kept(receiver, messages, 0.0 if session else self._renewal, self._function):
            try:
                inputs = {self._binding: self._convert(messages)}
                if actions is not None and self._actions_parameter is not None:
                    inputs[self._actions_parameter] = actions
                await self._invoker.invoke(inputs)
                succeeded = True
            except InvocationError:
                pass  # logged by the invoker
            except Exception:
                logger.exception("Function '%s': the message could not be bound to the function", self._function)
        await settle(receiver, messages, succeeded, self.auto_complete, actions, self._function)
