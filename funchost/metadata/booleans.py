"""The one boolean parser for project input: function.json / decorator binding properties, host.json, local.settings
.json and funchost's own environment flags.

What Azure accepts: the host binds a binding property or host.json value to a .NET `bool` with Json.NET, which takes
a JSON boolean, or a string through `bool.Parse` — "true" or "false" in any case, surrounding white space ignored.
Anything else ("yes", "1", "on") fails there, so it fails here too, naming the file/function and the setting,
instead of silently reading as false (`isSessionsEnabled: "yes"` used to). Environment flags (`FUNCHOST_STRICT`)
also take 1/0 and yes/no, as documented in docs/configuration.md; an unset or empty flag is off.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from funchost.errors import ConfigurationError, FunctionDefinitionError, HostJsonError
from funchost.metadata.spec import BindingSpec, lookup

EXPECTED = 'true or false (a JSON boolean, or the string "true" or "false" in any case)'
_ENV_ON, _ENV_OFF = ("1", "true", "yes"), ("", "0", "false", "no")


def strict_bool(value: object) -> bool | None:
    """A JSON boolean or a bool.Parse string → bool; None for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def parse_bool(value: object, where: str, setting: str, error: type[ConfigurationError] = ConfigurationError) -> bool:
    """`strict_bool`, or `error` (a message-only ConfigurationError class) naming `where` and the setting."""
    parsed = strict_bool(value)
    if parsed is None:
        raise error(f"{where}: {setting} is {value!r}; expected {EXPECTED}. Fix: set {setting} to true or false")
    return parsed


def binding_flag(binding: BindingSpec, function: str, key: str, default: bool = False) -> bool:
    """A boolean binding property (absent = `default`); `FunctionDefinitionError` naming function, binding, key."""
    value = binding.get(key, default)
    parsed = strict_bool(value)
    if parsed is None:
        raise FunctionDefinitionError(
            function,
            f"binding '{binding.name}' property '{key}' is '{value}', not true/false",
            f"set {key} to {EXPECTED}",
        )
    return parsed


def host_json_flag(section: Mapping[str, Any], key: str, default: bool, where: str) -> bool:
    """A boolean in a host.json section (absent = `default`); `HostJsonError` naming `host.json <where>.<key>`."""
    value = lookup(section, key)
    return default if value is None else parse_bool(value, "host.json", f"{where}.{key}", HostJsonError)


def env_flag(env: Mapping[str, str], name: str) -> bool:
    """A funchost environment flag: 1/true/yes on, unset/empty/0/false/no off (any case); anything else fails."""
    text = str(env.get(name, "")).strip().lower()
    if text in _ENV_ON or text in _ENV_OFF:
        return text in _ENV_ON
    raise ConfigurationError(
        f"the setting {name} is {env.get(name)!r}; expected true or false (or 1/0, yes/no). Fix: set {name}=true, "
        "or unset it"
    )
