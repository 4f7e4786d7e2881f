"""local.settings.json: its Values become environment variables, never overriding real ones (as `func start`).

Read as Core Tools reads it (AppSettingsFile.cs, HostStartSettings.cs): `IsEncrypted` a boolean, `Values` an
object of name → string (numbers and booleans are written out as Json.NET writes them — `true` becomes "True"
— and null means "not set"), `ConnectionStrings`
an object of name → string or {"ConnectionString", "ProviderName"}, `Host` with `LocalHttpPort` (a port number),
`CORS` (a string) and `CORSCredentials` (a boolean); other keys are ignored. Where Core Tools warns and carries on
with an empty file, funchost refuses with the reason: a silently empty configuration fails later, far from here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from funchost.errors import SettingsError
from funchost.metadata.booleans import parse_bool
from funchost.metadata.json_files import read_json_object
from funchost.metadata.spec import lookup


@dataclass(frozen=True)
class LocalSettings:
    path: Path | None
    values: dict[str, str] = field(default_factory=dict)
    host: dict[str, Any] = field(default_factory=dict)  # "Host": LocalHttpPort, CORS, ...
    connection_strings: dict[str, str] = field(default_factory=dict)

    @property
    def local_http_port(self) -> int | None:
        """Host.LocalHttpPort, already checked to be 1..65535 (None when not set)."""
        value = lookup(self.host, "LocalHttpPort")
        return None if value is None else int(value)


def load_local_settings(script_root: Path) -> LocalSettings:
    path = script_root / "local.settings.json"
    if not (path.exists() or path.is_symlink()):
        return LocalSettings(path=None)
    doc = read_json_object(path, SettingsError)
    # Core Tools treats a missing IsEncrypted as true; a file written by hand usually has plain values, so only an
    # explicit true is refused here (we cannot decrypt DPAPI-protected values off Windows).
    if _boolean(path, "IsEncrypted", doc.get("IsEncrypted"), False):
        raise SettingsError(
            f"{path}: IsEncrypted is true, and funchost cannot decrypt values encrypted by "
            "'func settings encrypt' (they are bound to the machine that encrypted them). Fix: run "
            "'func settings decrypt' there, or set \"IsEncrypted\": false and write the values in plain text"
        )
    return LocalSettings(
        path=path,
        values=_values(path, _section(path, doc, "Values", '{"AzureWebJobsStorage": "UseDevelopmentStorage=true"}')),
        host=_host(path, _section(path, doc, "Host", '{"LocalHttpPort": 7071}')),
        connection_strings=_connection_strings(path, _section(path, doc, "ConnectionStrings", '{"Db": "Server=..."}')),
    )


def _section(path: Path, doc: Mapping[str, Any], key: str, example: str) -> dict[str, Any]:
    value = doc.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SettingsError(f"{path}: '{key}' must be an object, not {value!r:.40}. Fix: write it as {example}")
    return value


def _values(path: Path, values: Mapping[str, Any]) -> dict[str, str]:
    result = {}
    for name, value in values.items():
        if not name or "=" in name or "\0" in name:
            raise SettingsError(
                f"{path}: Values has the setting name {name!r}, which cannot be an environment variable name "
                "(empty, or containing '=' or a NUL character). Fix: rename the setting"
            )
        if value is None:
            continue  # as Core Tools: a null value sets nothing
        if not isinstance(value, (str, int, float, bool)):
            raise SettingsError(
                f"{path}: Values.{name} is {type(value).__name__ if not isinstance(value, dict) else 'an object'}; "
                "app settings are flat name → text pairs. Fix: write it as a string, e.g. "
                f'"{name}": "value" (a JSON document can be stored as an escaped string)'
            )
        text = _as_text(value)
        if "\0" in text:
            raise SettingsError(
                f"{path}: Values.{name} contains a NUL character (\\u0000), which no environment variable can hold. "
                "Fix: remove it"
            )
        result[name] = text
    return result


def _host(path: Path, host: dict[str, Any]) -> dict[str, Any]:
    port = lookup(host, "LocalHttpPort")
    if port is not None:
        number = port if isinstance(port, int) and not isinstance(port, bool) else _whole(port)
        if number is None or not 1 <= number <= 65535:
            raise SettingsError(
                f"{path}: Host.LocalHttpPort is {port!r}; expected a port number from 1 to 65535. "
                'Fix: write e.g. "LocalHttpPort": 7071, or pass --port'
            )
        host = {**host, next(k for k in host if k.casefold() == "localhttpport"): number}
    cors = lookup(host, "CORS")
    if cors is not None and not isinstance(cors, str):
        raise SettingsError(f'{path}: Host.CORS must be a string of origins, e.g. "*" or "https://a.example,https://b"')
    _boolean(path, "Host.CORSCredentials", lookup(host, "CORSCredentials"), False)
    return host


def _whole(value: Any) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _boolean(path: Path, name: str, value: Any, default: bool) -> bool:
    return default if value is None else parse_bool(value, str(path), name, SettingsError)


def _connection_strings(path: Path, strings: Mapping[str, Any]) -> dict[str, str]:
    result = {}
    for name, value in strings.items():
        if isinstance(value, dict):
            value = lookup(value, "ConnectionString")
        if value is None:
            value = ""
        if not isinstance(value, (str, int, float, bool)):
            raise SettingsError(
                f"{path}: ConnectionStrings.{name} must be a string or "
                '{"ConnectionString": "...", "ProviderName": "..."}'
            )
        result[name] = _as_text(value)
    return result


def _as_text(value: str | int | float | bool) -> str:
    """Text as Json.NET writes a JSON scalar into a string setting: True/False, 1.0 → "1"."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def apply_to_environment(settings: LocalSettings, environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Export Values that the environment does not already define; return the names exported."""
    environ = os.environ if environ is None else environ
    exported = []
    for name, value in settings.values.items():
        if name not in environ:
            environ[name] = value
            exported.append(name)
    return exported
