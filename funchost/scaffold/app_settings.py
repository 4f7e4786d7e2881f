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
from funchost.metadata.json_files import read_json_object

SETTINGS_FILE = "local.settings.json"


def load_settings(path: Path) -> dict[str, Any] | None:
    """The parsed file, ``None`` when it does not exist; raises :class:`SettingsError` when it cannot be extended."""
    if not (path.exists() or path.is_symlink()):
        return None
    data = read_json_object(path, SettingsError)
    if not isinstance(data.get("Values", {}), dict):
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
