"""local.settings.json: its Values become environment variables, never overriding real ones (as `func start`)."""

from __future__ import annotations

import json
import os
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from funchost.errors import SettingsError


@dataclass(frozen=True)
class LocalSettings:
    path: Path | None
    values: dict[str, str] = field(default_factory=dict)
    host: dict[str, Any] = field(default_factory=dict)  # "Host": LocalHttpPort, CORS, ...
    connection_strings: dict[str, str] = field(default_factory=dict)


def load_local_settings(script_root: Path) -> LocalSettings:
    path = script_root / "local.settings.json"
    if not path.exists():
        return LocalSettings(path=None)
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise SettingsError(
            f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}. Fix: correct the syntax"
        ) from None
    if not isinstance(doc, dict):
        raise SettingsError(f"{path}: the top level must be a JSON object")
    # Core Tools treats a missing IsEncrypted as true; a file written by hand usually has plain values, so only an
    # explicit true is refused here (we cannot decrypt DPAPI-protected values off Windows).
    if doc.get("IsEncrypted") is True:
        raise SettingsError(
            f"{path}: IsEncrypted is true, and funchost cannot decrypt values encrypted by "
            "'func settings encrypt' (they are bound to the machine that encrypted them). Fix: run "
            "'func settings decrypt' there, or set \"IsEncrypted\": false and write the values in plain text"
        )
    values = doc.get("Values") or {}
    if not isinstance(values, dict):
        raise SettingsError(f"{path}: 'Values' must be an object of setting name → string value")
    bad = [k for k, v in values.items() if not isinstance(v, (str, int, float, bool))]
    if bad:
        raise SettingsError(f"{path}: Values {bad} must be strings (app settings are flat name → string pairs)")
    connection_strings: dict[str, str] = {}
    for name, value in (doc.get("ConnectionStrings") or {}).items():
        connection_strings[name] = value.get("ConnectionString", "") if isinstance(value, dict) else str(value)
    return LocalSettings(
        path=path,
        values={k: _as_text(v) for k, v in values.items()},
        host=dict(doc.get("Host") or {}),
        connection_strings=connection_strings,
    )


def _as_text(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
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
