"""host.json: loading, validation, `AzureFunctionsJobHost__*` overrides and typed accessors.

Only the host-wide keys are interpreted here (version, functionTimeout, functions, logging, http); each
trigger's `extensions.<name>` section is kept as a mapping for its listener's typed options.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from funchost.errors import HostJsonError
from funchost.metadata.host_json_shape import HOST_JSON
from funchost.metadata.json_files import read_json_object
from funchost.metadata.json_shape import check_shape
from funchost.metadata.spec import lookup
from funchost.metadata.timespan import parse_timespan

ENV_PREFIX = "AzureFunctionsJobHost__"
DEFAULT_FUNCTION_TIMEOUT = 30 * 60.0  # dedicated / container default (ScriptJobHostOptionsSetup)
DEFAULT_ROUTE_PREFIX = "api"
DEFAULT_MAX_REQUEST_BODY_SIZE = 100 * 1024 * 1024  # Azure's documented HTTP request limit (100 MB)

# Azure / .NET log levels → Python logging levels.
LOG_LEVELS = {
    "trace": 5,
    "debug": logging.DEBUG,
    "information": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
    "none": logging.CRITICAL + 10,
}


@dataclass(frozen=True)
class HostConfig:
    """The parsed host.json (after env overrides); `raw` keeps every section for later readers."""

    path: Path | None
    raw: Mapping[str, Any] = field(repr=False)
    function_timeout: float | None  # seconds; None = unlimited ("-1")
    route_prefix: str
    max_request_body_size: int
    functions: tuple[str, ...] | None  # the host.json/env "functions" allow-list
    log_levels: Mapping[str, int]

    def extension(self, name: str) -> Mapping[str, Any]:
        """`extensions.<name>` (case-insensitive), or an empty mapping."""
        extensions = lookup(self.raw, "extensions", {}) or {}
        section = lookup(extensions, name, {}) if isinstance(extensions, Mapping) else {}
        return section if isinstance(section, Mapping) else {}

    def log_level_for(self, category: str) -> int:
        """The most specific `logging.logLevel` entry for a category such as 'Function.hello'."""
        best, best_len = self.log_levels.get("default", logging.INFO), -1
        for prefix, level in self.log_levels.items():
            if prefix != "default" and (category == prefix or category.startswith(prefix + ".")):
                if len(prefix) > best_len:
                    best, best_len = level, len(prefix)
        return best


def load_host_config(script_root: Path, env: Mapping[str, str] | None = None) -> HostConfig:
    """Read `<script_root>/host.json` (missing file = defaults) and apply environment overrides.

    The file's shape is checked before the overrides (naming the file) and again after them, when there were any
    (naming the environment), so every reader after this can trust the structure.
    """
    env = os.environ if env is None else env
    path = script_root / "host.json"
    exists = path.exists() or path.is_symlink()
    raw: dict[str, Any] = {"version": "2.0"}
    if exists:
        raw = read_json_object(path, HostJsonError)
        check_shape(raw, HOST_JSON, str(path), HostJsonError)
    if _apply_env_overrides(raw, env):
        check_shape(raw, HOST_JSON, f"{ENV_PREFIX}* environment variables (over host.json)", HostJsonError)
    return _interpret(path if exists else None, raw)


def _apply_env_overrides(raw: dict[str, Any], env: Mapping[str, str]) -> bool:
    """`AzureFunctionsJobHost__a__b=v` sets host.json a.b = v; `...__functions__0=x` builds the list.

    Returns whether any override applied."""
    lists: dict[tuple[str, ...], dict[int, str]] = {}
    applied = False
    for name, value in sorted(env.items()):
        if not name.lower().startswith(ENV_PREFIX.lower()):
            continue
        keys = [k for k in name[len(ENV_PREFIX) :].split("__") if k]
        if not keys:
            continue
        applied = True
        if keys[-1].isdigit():
            lists.setdefault(tuple(keys[:-1]), {})[int(keys[-1])] = value
            continue
        _set_nested(raw, keys, value)
    for list_keys, items in lists.items():
        _set_nested(raw, list(list_keys), [items[i] for i in sorted(items)])
    return applied


def _set_nested(raw: dict[str, Any], keys: list[str], value: Any) -> None:
    node = raw
    for key in keys[:-1]:
        existing = next((k for k in node if k.casefold() == key.casefold()), key)
        child = node.get(existing)
        if not isinstance(child, dict):
            child = {}
            node[existing] = child
        node = child
    last = next((k for k in node if k.casefold() == keys[-1].casefold()), keys[-1])
    node[last] = value


def _interpret(path: Path | None, raw: dict[str, Any]) -> HostConfig:
    where = str(path) if path else "host.json (defaults)"
    version = lookup(raw, "version")
    if str(version) != "2.0":
        raise HostJsonError(
            f"{where}: 'version' is {json.dumps(version)}; funchost runs Functions host version 2.0 apps. "
            'Fix: set "version": "2.0"'
        )
    return HostConfig(
        path=path,
        raw=raw,
        function_timeout=_function_timeout(where, lookup(raw, "functionTimeout")),
        route_prefix=_route_prefix(where, raw),
        max_request_body_size=_max_body(where, raw),
        functions=_functions(where, lookup(raw, "functions")),
        log_levels=_log_levels(where, raw),
    )


def _function_timeout(where: str, value: Any) -> float | None:
    if value is None:
        return DEFAULT_FUNCTION_TIMEOUT
    if str(value).strip() == "-1":
        return None
    try:
        seconds = parse_timespan(str(value))
    except ValueError as exc:
        raise HostJsonError(f'{where}: functionTimeout {exc}; use "-1" for no limit') from None
    if seconds < 1:
        raise HostJsonError(f"{where}: functionTimeout '{value}' is below the minimum of 00:00:01")
    return seconds


def _route_prefix(where: str, raw: Mapping[str, Any]) -> str:
    http = lookup(lookup(raw, "extensions", {}) or {}, "http", {}) or {}
    prefix = lookup(http, "routePrefix", DEFAULT_ROUTE_PREFIX)
    if not isinstance(prefix, str):
        raise HostJsonError(f"{where}: extensions.http.routePrefix must be a string, got {json.dumps(prefix)}")
    return prefix.strip("/")


def _max_body(where: str, raw: Mapping[str, Any]) -> int:
    http = lookup(lookup(raw, "extensions", {}) or {}, "http", {}) or {}
    value = lookup(http, "maxRequestBodySize", DEFAULT_MAX_REQUEST_BODY_SIZE)
    try:
        size = int(value)
    except (TypeError, ValueError):
        size = -1
    if size <= 0:
        raise HostJsonError(f"{where}: extensions.http.maxRequestBodySize must be a positive number of bytes")
    return size


def _functions(where: str, value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise HostJsonError(f"{where}: 'functions' must be a list of function names, got {json.dumps(value)}")
    return tuple(value)


def _log_levels(where: str, raw: Mapping[str, Any]) -> dict[str, int]:
    section = lookup(lookup(raw, "logging", {}) or {}, "logLevel", {}) or {}
    if not isinstance(section, Mapping):
        raise HostJsonError(f"{where}: logging.logLevel must be an object of category → level")
    levels: dict[str, int] = {}
    for category, name in section.items():
        level = LOG_LEVELS.get(str(name).lower())
        if level is None:
            raise HostJsonError(
                f"{where}: logging.logLevel.{category} is '{name}'; use one of "
                "Trace, Debug, Information, Warning, Error, Critical, None"
            )
        levels["default" if category.lower() == "default" else category] = level
    return levels
