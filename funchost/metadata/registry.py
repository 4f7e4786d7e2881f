"""Registry tables, looked up by binding type case-insensitively: "look up the row or raise listing the table".

Listeners, output senders and scalers each keep a table of lazy "module:Class" strings (the broker client behind
a row is imported only when an app uses that binding type); `trigger_kinds.TRIGGER_KINDS` is looked up the same way.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from funchost.errors import ConfigurationError, FunctionDefinitionError

T = TypeVar("T")


def _row(table: Mapping[str, T], key: str) -> T | None:
    return next((v for k, v in table.items() if k.casefold() == key.casefold()), None)


def find_row(table: Mapping[str, T], key: str, what: str) -> T:
    """The row for `key`, or `ConfigurationError` naming `what` was asked for and every key the table has."""
    row = _row(table, key)
    if row is None:
        raise ConfigurationError(f"{what} '{key}' is not one funchost knows; known: {', '.join(sorted(table))}")
    return row


def find_registered(table: Mapping[str, str], binding_type: str) -> Any | None:
    """The class registered for `binding_type` (imported now), or None when the table has no row for it."""
    target = _row(table, binding_type)
    if target is None:
        return None
    module_name, _, class_name = target.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def registered_class(
    table: Mapping[str, str], binding_type: str, function: str, *, problem: str, fix: str, also: Sequence[str] = ()
) -> Any:
    """The class registered for `binding_type`, or `FunctionDefinitionError` for `function`: `problem` (with
    `{type}`) and `fix` (with `{names}`: `also` and then the table's keys)."""
    found = find_registered(table, binding_type)
    if found is None:
        names = ", ".join([*also, *sorted(table)])
        raise FunctionDefinitionError(function, problem.format(type=binding_type), fix.format(names=names))
    return found
