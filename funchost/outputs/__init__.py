"""Output bindings: one sender module per binding type, and the dispatcher that sends a function's outputs.

`OUTPUTS` is the registry (binding type → lazy "module:Class"). The host builds one `OutputDispatcher` per
function; the invoker calls it after the function succeeded and before the trigger settles its message, so
an output that cannot be sent fails the invocation and the input is retried (at-least-once).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Protocol

from funchost.errors import FunctionDefinitionError
from funchost.metadata.binding_settings import BindingSettings
from funchost.metadata.host_config import HostConfig
from funchost.metadata.registry import find_registered
from funchost.metadata.spec import Direction, FunctionSpec

# Binding type (canonical spelling) → "module:Class". Alphabetical. `http` outputs are the HTTP response.
OUTPUTS: dict[str, str] = {
    "kafka": "funchost.outputs.kafka:KafkaOutput",
    "queue": "funchost.outputs.queue:QueueOutput",
    "rabbitMQ": "funchost.outputs.rabbitmq:RabbitMQOutput",
}


class OutputSender(Protocol):
    """Sends the value a function set on one output binding (a single value or a list of them)."""

    def __init__(self, settings: Any, host_config: HostConfig) -> None: ...

    async def send(self, value: Any) -> None: ...

    async def aclose(self) -> None: ...


def sender_class(binding_type: str, function_name: str) -> Any:
    found = find_registered(OUTPUTS, binding_type)
    if found is None:
        raise FunctionDefinitionError(
            function_name,
            f"output binding type '{binding_type}' is not supported by funchost",
            f"use one of: http, {', '.join(sorted(OUTPUTS))}",
        )
    return found


class OutputDispatcher:
    """The senders of one function's non-HTTP output bindings."""

    def __init__(self, spec: FunctionSpec, settings: Mapping[str, BindingSettings], host_config: HostConfig) -> None:
        self._senders: dict[str, OutputSender] = {}
        for binding in spec.bindings:
            if binding.direction is Direction.IN or binding.is_type("http"):
                continue
            cls = sender_class(binding.type, spec.name)
            self._senders[binding.name] = cls(settings[binding.name], host_config)

    def __bool__(self) -> bool:
        return bool(self._senders)

    async def send(self, outputs: Mapping[str, Any]) -> None:
        sends = [sender.send(outputs[name]) for name, sender in self._senders.items() if outputs.get(name) is not None]
        if sends:
            await asyncio.gather(*sends)

    async def aclose(self) -> None:
        await asyncio.gather(*(sender.aclose() for sender in self._senders.values()), return_exceptions=True)
