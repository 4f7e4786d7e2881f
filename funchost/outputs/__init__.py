"""Output bindings: one sender module per binding type, and the dispatcher that sends a function's outputs.

`OUTPUTS` is the registry (binding type → lazy "module:Class"). The host builds one `OutputDispatcher` per
function; the invoker calls it after the function succeeded and before the trigger settles its message, so
an output that cannot be sent fails the invocation and the input is retried (at-least-once). A sender whose
`uses_binding_data` is True (a blob output with `out/{name}`) gets the invocation's binding data
(`funchost.inputs`) as `send(value, binding_data)`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from funchost.bindings.binding_data import BINDING_DATA_FIX
from funchost.errors import BindingDataError, ConfigurationError, OutputBindingError
from funchost.metadata.binding_settings import BindingSettings
from funchost.metadata.host_config import HostConfig
from funchost.metadata.registry import registered_class
from funchost.metadata.spec import Direction, FunctionSpec

# Binding type (canonical spelling) → "module:Class". Alphabetical. `http` outputs are the HTTP response.
OUTPUTS: dict[str, str] = {
    "blob": "funchost.outputs.blob:BlobOutput",
    "kafka": "funchost.outputs.kafka:KafkaOutput",
    "queue": "funchost.outputs.queue:QueueOutput",
    "rabbitMQ": "funchost.outputs.rabbitmq:RabbitMQOutput",
    "serviceBus": "funchost.outputs.servicebus:ServiceBusOutput",
}

logger = logging.getLogger("funchost.outputs")


class OutputSender(Protocol):
    """Sends the value a function set on one output binding (a single value or a list of them)."""

    def __init__(self, settings: Any, host_config: HostConfig) -> None: ...

    async def send(self, value: Any) -> None: ...

    async def aclose(self) -> None: ...


def sender_class(binding_type: str, function_name: str) -> Any:
    return registered_class(
        OUTPUTS,
        binding_type,
        function_name,
        problem="output binding type '{type}' is not supported by funchost",
        fix="use one of: {names}",
        also=("http",),
    )


class OutputDispatcher:
    """The senders of one function's non-HTTP output bindings."""

    def __init__(self, spec: FunctionSpec, settings: Mapping[str, BindingSettings], host_config: HostConfig) -> None:
        self._function = spec.name
        self._senders: dict[str, OutputSender] = {}
        self._types: dict[str, str] = {}
        self._bound: set[str] = set()  # senders that take the binding data
        for binding in spec.bindings:
            if binding.direction is Direction.IN or binding.is_type("http"):
                continue
            cls = sender_class(binding.type, spec.name)
            try:
                sender = self._senders[binding.name] = cls(settings[binding.name], host_config)
            except ConfigurationError as exc:
                if str(exc).startswith("Function '"):
                    raise
                raise ConfigurationError(f"Function '{spec.name}', output binding '{binding.name}': {exc}") from None
            self._types[binding.name] = binding.type
            if getattr(sender, "uses_binding_data", False):
                self._bound.add(binding.name)

    def __bool__(self) -> bool:
        return bool(self._senders)

    @property
    def needs_binding_data(self) -> bool:
        return bool(self._bound)

    async def send(self, outputs: Mapping[str, Any], binding_data: Mapping[str, Any] | None = None) -> None:
        """Send every output the function set; a failure is logged once, naming function, binding and fix."""
        sends = [
            self._send_one(name, sender, outputs[name], binding_data)
            for name, sender in self._senders.items()
            if outputs.get(name) is not None
        ]
        if len(sends) == 1:
            await sends[0]
        elif sends:
            await asyncio.gather(*sends)

    async def _send_one(
        self, name: str, sender: OutputSender, value: Any, binding_data: Mapping[str, Any] | None
    ) -> None:
        try:
            if name in self._bound:
                await sender.send(value, binding_data or {})  # type: ignore[call-arg]
            else:
                await sender.send(value)
        except Exception as exc:
            detail = str(exc) or type(exc).__name__
            if isinstance(exc, BindingDataError) and "Fix:" not in detail:
                detail += f". Fix: {BINDING_DATA_FIX}"
            if "Fix:" not in detail:
                detail += ". Fix: check the binding's settings and that its service is reachable"
            message = (
                f"Function '{self._function}': output binding '{name}' ({self._types[name]}) failed, so the "
                f"invocation fails and its trigger input is retried: {detail}"
            )
            logger.error("%s", message)
            raise OutputBindingError(message) from exc

    async def aclose(self) -> None:
        await asyncio.gather(*(sender.aclose() for sender in self._senders.values()), return_exceptions=True)
