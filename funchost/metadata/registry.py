"""Registry tables of lazy "module:Class" strings, looked up by binding type case-insensitively.

Listeners, output senders and scalers each keep one such table; the broker client behind a row is imported
only when an app uses that binding type.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any


def find_registered(table: Mapping[str, str], binding_type: str) -> Any | None:
    """The class registered for `binding_type` (imported now), or None when the table has no row for it."""
    target = next((v for k, v in table.items() if k.casefold() == binding_type.casefold()), None)
    if target is None:
        return None
    module_name, _, class_name = target.partition(":")
    return getattr(importlib.import_module(module_name), class_name)
