"""Typed settings and parsers of the trigger kinds funchost defines itself (HTTP, timer, warmup, storage queue); the
brokers' are in `broker_settings.py`. Each parser takes the raw `BindingSpec` and returns a frozen dataclass,
raising `FunctionDefinitionError` that names the function, the property, the value given and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from funchost.errors import FunctionDefinitionError
from funchost.metadata.booleans import binding_flag as _flag
from funchost.metadata.connections import StorageConnection, resolve_expressions, storage_connection
from funchost.metadata.entity_names import check_entity_name
from funchost.metadata.spec import BindingSpec

HTTP_METHODS = ("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS", "TRACE", "CONNECT")
AUTH_LEVELS = ("anonymous", "function", "admin")


@dataclass(frozen=True)
class HttpTriggerSettings:
    route: str
    methods: tuple[str, ...]  # empty = every method
    auth_level: str  # anonymous | function | admin


@dataclass(frozen=True)
class TimerTriggerSettings:
    schedule: str
    run_on_startup: bool
    use_monitor: bool


@dataclass(frozen=True)
class WarmupTriggerSettings:
    """The warmup trigger has no settings: the host runs the function named `warmup` when an instance is added."""


@dataclass(frozen=True)
class QueueBindingSettings:
    queue_name: str
    connection: StorageConnection


@dataclass(frozen=True)
class OutputHttpSettings:
    """The `http` output binding has no settings; it marks where the response comes from."""


def _text(
    binding: BindingSpec, function: str, key: str, env: Mapping[str, str] | None, default: str | None = None
) -> str:
    value = binding.get(key, default)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise FunctionDefinitionError(
            function, f"binding '{binding.name}' ({binding.type}) has no '{key}'", f"set {key} on the binding"
        )
    where = f"Function '{function}' binding '{binding.name}' property '{key}'"
    return resolve_expressions(str(value), env=env, where=where)


def parse_http_trigger(binding: BindingSpec, function: str, env: Mapping[str, str] | None) -> HttpTriggerSettings:
    route = binding.get("route")
    route_text = function if route is None else str(route)
    methods_raw: Any = binding.get("methods") or ()
    if isinstance(methods_raw, str):
        methods_raw = [methods_raw]
    methods = tuple(str(m).upper() for m in methods_raw)
    bad = [m for m in methods if m not in HTTP_METHODS]
    if bad:
        raise FunctionDefinitionError(
            function, f"HTTP methods {bad} are not HTTP methods", f"use some of {', '.join(HTTP_METHODS)}"
        )
    level = str(binding.get("authLevel", "function")).lower()
    if level not in AUTH_LEVELS:
        raise FunctionDefinitionError(
            function, f"authLevel '{binding.get('authLevel')}' is not valid", f"use one of {', '.join(AUTH_LEVELS)}"
        )
    return HttpTriggerSettings(route=route_text.strip("/"), methods=methods, auth_level=level)


def parse_timer_trigger(binding: BindingSpec, function: str, env: Mapping[str, str] | None) -> TimerTriggerSettings:
    schedule = _text(binding, function, "schedule", env)
    return TimerTriggerSettings(
        schedule=schedule,
        run_on_startup=_flag(binding, function, "runOnStartup"),
        use_monitor=_flag(binding, function, "useMonitor") if binding.get("useMonitor") is not None else True,
    )


def parse_warmup_trigger(binding: BindingSpec, function: str, env: Mapping[str, str] | None) -> WarmupTriggerSettings:
    return WarmupTriggerSettings()


def parse_queue(binding: BindingSpec, function: str, env: Mapping[str, str] | None) -> QueueBindingSettings:
    queue_name = _text(binding, function, "queueName", env).lower()  # the extension lowercases it too
    raw = binding.get("queueName")
    check_entity_name("storage-queue", queue_name, function=function, binding=binding.name, prop="queueName", raw=raw)
    where = f"Function '{function}' binding '{binding.name}' ({binding.type})"
    return QueueBindingSettings(
        queue_name=queue_name, connection=storage_connection(binding.get("connection"), where=where, env=env)
    )
