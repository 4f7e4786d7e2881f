"""Adding placeholder app settings to a project's ``local.settings.json`` when a new function needs them.

Only settings missing from ``Values`` are added; existing values are never changed. The file is rewritten as
2-space indented JSON with its keys in their original order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from funchost.errors import SettingsError

SETTINGS_FILE = "local.settings.json"


def load_settings(path: Path) -> dict[str, Any] | None:
    """The parsed file, ``None`` when it does not exist; raises :class:`SettingsError` when it cannot be extended."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SettingsError(
            f"{path} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}). "
            "Fix: correct the file, then add the function again."
        ) from error
    if not isinstance(data, dict) or not isinstance(data.get("Values", {}), dict):
        raise SettingsError(
            f'{path} must hold a JSON object whose "Values" is an object of setting names to strings. '
            "Fix: correct the file, then add the function again."
        )
    if data.get("IsEncrypted") is True:
        raise SettingsError(
            f'{path} is encrypted ("IsEncrypted": true), so plain settings cannot be added to it. '
            'Fix: decrypt it (or set "IsEncrypted": false with plain values), then add the function again.'
        )
    return data


def missing_settings(data: Mapping[str, Any], wanted: Mapping[str, str]) -> dict[str, str]:
    """The entries of ``wanted`` (setting → placeholder) whose setting is absent from ``Values``."""
    values = data.get("Values", {})
    return {name: placeholder for name, placeholder in wanted.items() if name not in values}


def add_settings(path: Path, data: dict[str, Any], added: Mapping[str, str]) -> None:
    """Write ``data`` to ``path`` with ``added`` merged into ``Values``."""
    if not added:
        return
    values = data.setdefault("Values", {})
    values.update(added)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
