"""Typed, validated settings for each binding type — the one parser listeners, scalers and manifests share.

`BINDING_SETTINGS` is the registry: binding type (case-insensitive) → parser, built from the trigger kinds
(`trigger_kinds.TRIGGER_KINDS`: each trigger type and the output types that share its parser) plus the `http`
output. A parser takes the raw `BindingSpec` and returns a frozen dataclass, raising `FunctionDefinitionError`
that names the function, the property, the value given and what is allowed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from funchost.errors import FunctionDefinitionError
from funchost.metadata.blob_settings import BlobBindingSettings, parse_blob
from funchost.metadata.blob_trigger_settings import BlobTriggerSettings
from funchost.metadata.broker_settings import KafkaSettings, RabbitMQSettings, ServiceBusSettings
from funchost.metadata.not_hosted import is_hosted
from funchost.metadata.spec import BindingSpec, Direction
from funchost.metadata.trigger_kinds import TRIGGER_KINDS
from funchost.metadata.trigger_settings import (
    AUTH_LEVELS,
    HTTP_METHODS,
    HttpTriggerSettings,
    OutputHttpSettings,
    QueueBindingSettings,
    TimerTriggerSettings,
    WarmupTriggerSettings,
    parse_http_trigger,
    parse_queue,
    parse_timer_trigger,
)

__all__ = [
    "AUTH_LEVELS",
    "BlobTriggerSettings",
    "BINDING_SETTINGS",
    "HTTP_METHODS",
    "BindingSettings",
    "HttpTriggerSettings",
    "OutputHttpSettings",
    "QueueBindingSettings",
    "TimerTriggerSettings",
    "WarmupTriggerSettings",
    "hosted_types",
    "parse_binding",
    "parse_http_trigger",
    "parse_queue",
    "parse_timer_trigger",
    "supported_types",
]

# The settings of every kind in TRIGGER_KINDS, and of the http output (mypy needs the union spelled out; a test
# checks it against the table).
BindingSettings = (
    HttpTriggerSettings
    | TimerTriggerSettings
    | WarmupTriggerSettings
    | QueueBindingSettings
    | OutputHttpSettings
    | RabbitMQSettings
    | KafkaSettings
    | ServiceBusSettings
    | BlobBindingSettings
    | BlobTriggerSettings
)
Parser = Callable[[BindingSpec, str, Mapping[str, str] | None], BindingSettings]


def parse_http_output(binding: BindingSpec, function: str, env: Mapping[str, str] | None) -> OutputHttpSettings:
    return OutputHttpSettings()


BINDING_SETTINGS: dict[str, Parser] = {
    "blob": parse_blob,  # input and output (no trigger kind of its own)
    "http": parse_http_output,
    **{name: kind.parse for kind in TRIGGER_KINDS for name in (*kind.binding_types, *kind.output_types)},
}
_BY_FOLDED_TYPE = {name.casefold(): parser for name, parser in BINDING_SETTINGS.items()}


def supported_types(*, triggers: bool) -> list[str]:
    """Binding types with a settings parser (the scale controller parses some the host does not run yet)."""
    return sorted(name for name in BINDING_SETTINGS if name.casefold().endswith("trigger") == triggers)


def hosted_types(*, triggers: bool) -> list[str]:
    """Binding types the host runs: parsed and not in `NOT_HOSTED` — what fix messages offer."""
    return [name for name in supported_types(triggers=triggers) if is_hosted(name)]


def parse_binding(binding: BindingSpec, function: str, env: Mapping[str, str] | None = None) -> BindingSettings:
    """Parse one binding with its registered parser; unknown types raise naming the supported ones."""
    parser = _BY_FOLDED_TYPE.get(binding.type.casefold())
    if parser is None:
        kind = "trigger" if binding.is_trigger else "binding"
        if not binding.is_trigger and binding.direction is Direction.IN:
            fix = "funchost hosts these input bindings: blob; read other data with its SDK inside the function"
        else:
            fix = f"use one of: {', '.join(hosted_types(triggers=binding.is_trigger))}"
        raise FunctionDefinitionError(
            function, f"{kind} type '{binding.type}' (binding '{binding.name}') is not supported by funchost", fix
        )
    return parser(binding, function, env)
