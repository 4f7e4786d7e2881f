"""Checking a parsed JSON document against a declared shape, once, before anything reads it.

A `Shape` says what a value must be (an object with known keys, a map, an array, a scalar, a string); keys are
matched case-insensitively, as the Functions host reads configuration, unknown keys are left alone (the host
ignores them too) and `null` counts as absent. `check_shape()` raises the caller's error naming the file, the
dotted path, what was found, and an example of what to write — so the typed accessors after it can trust the
structure and only judge values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from funchost.errors import ConfigurationError

_KIND_TEXT = {
    "object": "an object",
    "array": "an array",
    "scalar": "a string, a number or true/false",
    "string": "a string",
}


@dataclass(frozen=True)
class Shape:
    kind: str  # object | array | scalar | string
    fields: Mapping[str, Shape] = field(default_factory=dict)  # object: known keys
    each: Shape | None = None  # object used as a map: every value; array: every item
    example: str = ""

    def describe(self) -> str:
        text = _KIND_TEXT[self.kind]
        if self.kind == "array" and self.each is not None:
            text += f" of {_KIND_TEXT[self.each.kind].removeprefix('a ').removeprefix('an ')}s"
        return text


SCALAR = Shape("scalar", example='"text", 5 or true')
STRING = Shape("string", example='"text"')


def obj(fields: Mapping[str, Shape] | None = None, *, each: Shape | None = None, example: str = "{}") -> Shape:
    return Shape("object", fields=fields or {}, each=each, example=example)


def array(each: Shape, example: str) -> Shape:
    return Shape("array", each=each, example=example)


def scalars(*keys: str, example: str = "{}") -> Shape:
    """An object whose listed keys must be scalars (other keys are not looked at)."""
    return obj({key: SCALAR for key in keys}, example=example)


def check_shape(value: Any, shape: Shape, where: str, error: type[ConfigurationError], path: str = "") -> None:
    """Raise `error` at the first value in `value` that does not have `shape`."""
    if value is None:
        return
    if not _matches(value, shape.kind):
        shown = json.dumps(value)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        name = f"'{path}'" if path else "the top level"
        raise error(
            f"{where}: {name} must be {shape.describe()}, not {_kind_of(value)} ({shown}). "
            f"Fix: write it as {shape.example or _KIND_TEXT[shape.kind]}"
        )
    if isinstance(value, dict):
        folded = {key.casefold(): child for key, child in shape.fields.items()}
        for key, child_value in value.items():
            child_shape = folded.get(key.casefold(), shape.each)
            if child_shape is not None:
                check_shape(child_value, child_shape, where, error, f"{path}.{key}" if path else key)
    elif isinstance(value, list) and shape.each is not None:
        for index, item in enumerate(value):
            check_shape(item, shape.each, where, error, f"{path}[{index}]")


def _matches(value: Any, kind: str) -> bool:
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "string":
        return isinstance(value, str)
    return isinstance(value, (str, int, float, bool))


def _kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "true/false"
    return "a number"
