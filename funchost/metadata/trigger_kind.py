"""`TriggerKind`: every fact about one trigger type in one frozen object — its binding type names, typed settings
and parser, host.json section and options, the per-instance concurrency rule and the scale target derived from it,
KEDA's scaler name and default target, the scaler-option schema, and the app settings it connects with.

The rows are in `trigger_kinds.TRIGGER_KINDS`. This module imports nothing of the runtime: listeners and scalers
name their kind by its trigger type in their own tables (`LISTENERS`, `SCALERS`), and a test checks both agree.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from funchost.errors import ConfigurationError, FunctionDefinitionError
from funchost.metadata.host_config import HostConfig
from funchost.metadata.spec import BindingSpec

S = TypeVar("S")  # the settings dataclass
Opts = TypeVar("Opts")  # the host.json options dataclass
Opts_co = TypeVar("Opts_co", covariant=True)

# Scaler option name → allowed values (first = default; None = free text, default unset).
OptionSchema = Mapping[str, tuple[Any, ...] | None]


class OptionsType(Protocol[Opts_co]):
    """A host.json options class: `from_section(extensions.<section>)` with Azure's defaults."""

    def from_section(self, section: Mapping[str, Any], /) -> Opts_co: ...


@dataclass(frozen=True)
class NoOptions:
    """The options of a trigger without a host.json section (HTTP, timer)."""

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> NoOptions:
        return cls()


def _no_connections(settings: Any, scale_options: Mapping[str, Any]) -> tuple[str, ...]:
    return ()


def _no_check(options: Mapping[str, Any], where: str) -> None:
    return None


_OPTIONS_CACHE: dict[int, dict[str, Any]] = {}  # id(HostConfig) → section → options, dropped with the HostConfig


@dataclass(frozen=True)
class TriggerKind(Generic[S, Opts]):
    """One trigger type. `concurrency` is the ONE per-instance rule; the scale target is derived from it unless
    `scale_target_rule` says otherwise (Kafka: the binding's lagThreshold, as KafkaGenericTargetScaler)."""

    binding_types: tuple[str, ...]  # the trigger's type first (canonical spelling), matched case-insensitively
    output_types: tuple[str, ...]  # output bindings sharing the settings parser ("queue", "kafka", ...)
    settings_type: type[S]
    parse: Callable[[BindingSpec, str, Mapping[str, str] | None], S]
    host_json_section: str | None  # extensions.<section>; None: the trigger has none
    options_type: OptionsType[Opts]
    concurrency_rule: Callable[[S, Opts], int | None]  # None: bounded elsewhere (HTTP: by the server)
    scaled: bool  # False: no per-function scaler or KEDA trigger, said explicitly (timer; HTTP is scaled app-wide)
    keda_scaler: str | None = None  # KEDA's trigger type, e.g. "azure-queue"
    keda_default_target: int | None = None  # KEDA's default target (host.json scale.targetMode "keda")
    scale_target_rule: Callable[[S, Opts], int] | None = None  # None: the concurrency
    scaler_options: OptionSchema = field(default_factory=dict)
    option_defaults: Callable[[Opts], Mapping[str, Any]] = lambda options: {}  # defaults that follow host.json
    check_options: Callable[[Mapping[str, Any], str], None] = _no_check  # KEDA's combination rules
    connections: Callable[[S, Mapping[str, Any]], tuple[str, ...]] = _no_connections  # (settings, scale options)

    @property
    def name(self) -> str:
        return self.binding_types[0]

    def settings(self, value: object, function: str) -> S:
        """`value` as this kind's settings type, or a clear error (a function whose settings are another kind's)."""
        if not isinstance(value, self.settings_type):
            raise FunctionDefinitionError(
                function,
                f"its trigger settings are {type(value).__name__}, not the {self.settings_type.__name__} of a "
                f"{self.name}",
                "regenerate the metadata document with 'funchost functions list --json'",
            )
        return value

    def options(self, host_config: HostConfig) -> Opts:
        """host.json `extensions.<section>` as this kind's options, parsed once per HostConfig."""
        cache = _OPTIONS_CACHE.get(id(host_config))
        if cache is None:
            cache = _OPTIONS_CACHE[id(host_config)] = {}
            weakref.finalize(host_config, _OPTIONS_CACHE.pop, id(host_config), None)
        key = self.host_json_section or ""
        if key not in cache:
            cache[key] = self.options_type.from_section(host_config.extension(key) if key else {})
        options: Opts = cache[key]
        return options

    def concurrency(self, settings: object, host_config: HostConfig, function: str = "") -> int | None:
        """Events one host instance works on at once (what the listener enforces)."""
        return self.concurrency_rule(self.settings(settings, function), self.options(host_config))

    def scale_target(self, settings: object, host_config: HostConfig, function: str = "") -> int:
        """What one replica handles, as Azure's target-based scaling counts it (at least 1)."""
        if not self.scaled:
            raise ConfigurationError(f"Function '{function}': a {self.name} is not scaled on events")
        typed, options = self.settings(settings, function), self.options(host_config)
        if self.scale_target_rule is not None:
            return max(1, self.scale_target_rule(typed, options))
        return max(1, self.concurrency_rule(typed, options) or 1)

    def connection_settings(
        self, settings: object, scale_options: Mapping[str, Any], function: str = ""
    ) -> tuple[str, ...]:
        """The app settings a scaler of this kind reads to reach the broker."""
        return self.connections(self.settings(settings, function), scale_options)
