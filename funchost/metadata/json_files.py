"""The one reader of project JSON files that must hold an object: host.json, local.settings.json, function.json, keys.

The Functions host and Core Tools read these files with Json.NET's `JObject.Parse`, which skips `//` and `/* */`
comments and trailing commas and refuses documents nested deeper than 64 levels. `read_json_object()` does the
same: a pre-pass blanks comments and trailing commas (keeping every line and column where it was, so errors still
point at the right place) and warns that strict JSON tools would refuse them, then `json.loads` parses the rest.
Every failure — a folder, an unreadable or non-UTF-8 file, bad syntax, `NaN`/`Infinity`, too deep, not an
object — raises the caller's `ConfigurationError` subclass naming the file, the line and the fix.
"""

from __future__ import annotations

import codecs
import json
import logging
import math
from pathlib import Path
from typing import Any

from funchost.errors import ConfigurationError

logger = logging.getLogger("funchost.config")

MAX_DEPTH = 64  # Json.NET JsonReader.MaxDepth default: the host refuses deeper host.json / function.json
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_CONSTANTS = ("-Infinity", "Infinity", "NaN")


def read_json_object(path: Path, error: type[ConfigurationError]) -> dict[str, Any]:
    """The object in `path`; comments and trailing commas are accepted with a warning, anything else raises."""
    if path.is_dir():
        raise error(f"{path} is a folder, not a file. Fix: remove the folder, or make {path.name} a JSON file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc}). Fix: make the file readable") from None
    return parse_json_object(decode(data, path, error), path, error)


def decode(data: bytes, path: Path, error: type[ConfigurationError]) -> str:
    """UTF-8 (with or without a BOM), or UTF-16 with a BOM — what .NET's File.ReadAllText recognises."""
    encoding = "utf-8"
    for bom, name in _BOMS:
        if data.startswith(bom):
            data, encoding = data[len(bom) :], name
            break
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(
            f"{path} is not {encoding.upper()} text: byte 0x{data[exc.start]:02x} at line {line} cannot be decoded. "
            "Fix: save the file as UTF-8"
        ) from None


def parse_json_object(text: str, path: Path, error: type[ConfigurationError]) -> dict[str, Any]:
    cleaned, comments, commas = _strip_lenient_syntax(text, path, error)
    try:
        document = json.loads(cleaned, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise error(
            f"{path} is not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}. Fix: correct the syntax"
        ) from None
    except _InfiniteNumberError as exc:
        raise error(f"{path}: the number {exc} is too large to be a number. Fix: write a smaller one") from None
    if not isinstance(document, dict):
        raise error(f"{path}: the top level must be a JSON object ({{...}}), got {_kind(document)}")
    if comments or commas:
        logger.warning("%s", _leniency_warning(path, comments, commas))
    return document


class _InfiniteNumberError(ValueError):
    """A JSON number too large for a float (1e400): the text is the message."""


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _InfiniteNumberError(text if len(text) <= 30 else text[:27] + "...")
    return value


def _leniency_warning(path: Path, comments: list[int], commas: list[int]) -> str:
    parts = []
    if comments:
        parts.append(f"{_plural(len(comments), 'comment')} ({_lines(comments)})")
    if commas:
        parts.append(f"{_plural(len(commas), 'trailing comma')} ({_lines(commas)})")
    return (
        f"{path} has {' and '.join(parts)}; Azure accepts this, strict JSON tools do not. "
        "Fix (optional): remove them if other tools read this file"
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _lines(lines: list[int]) -> str:
    unique = sorted(set(lines))
    shown = ", ".join(str(n) for n in unique[:5]) + (", ..." if len(unique) > 5 else "")
    return f"line {shown}" if len(unique) == 1 else f"lines {shown}"


def _kind(value: object) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(type(value), "a number")


def _strip_lenient_syntax(text: str, path: Path, error: type[ConfigurationError]) -> tuple[str, list[int], list[int]]:
    """Blank comments and trailing commas outside strings; refuse NaN/Infinity and nesting past MAX_DEPTH.

    Returns the cleaned text (same length, same newlines) and the lines of the comments and trailing commas.
    """
    out = list(text)
    comments: list[int] = []
    commas: list[int] = []
    pending_comma: int | None = None  # index of a ',' after a value, not yet followed by another value
    previous = ""  # the last character outside strings and comments that was not white space
    depth, line, i, n = 0, 1, 0, len(text)
    while i < n:
        char = text[i]
        if char == '"':
            i = _skip_string(text, i)
            pending_comma, previous = None, '"'
            continue
        if char == "/" and text.startswith(("//", "/*"), i):
            comments.append(line)
            end = text.find("\n", i) if text[i + 1] == "/" else text.find("*/", i + 2)
            if end < 0 and text[i + 1] == "*":
                raise error(f"{path}: the comment opened at line {line} is never closed. Fix: end it with */")
            end = n if end < 0 else (end if text[i + 1] == "/" else end + 2)
            for j in range(i, end):
                if out[j] != "\n":
                    out[j] = " "
            line += text.count("\n", i, end)
            i = end
            continue
        if char == "\n":
            line += 1
        elif char in "}]":
            if pending_comma is not None:
                out[pending_comma] = " "
                commas.append(text.count("\n", 0, pending_comma) + 1)
                pending_comma = None
            depth -= 1
        elif char in "{[":
            depth += 1
            if depth > MAX_DEPTH:
                raise error(
                    f"{path}: line {line} nests objects/arrays more than {MAX_DEPTH} levels deep, which Azure's "
                    "JSON reader refuses too. Fix: flatten the document"
                )
        elif char == ",":
            # Only a comma after a value can be trailing: ",," and "[," stay for json.loads to report.
            pending_comma = i if previous not in ("", ",", "[", "{") else None
        elif not char.isspace():
            pending_comma = None
            constant = next((c for c in _CONSTANTS if text.startswith(c, i)), None)
            if constant is not None:
                raise error(
                    f"{path}: line {line} has {constant}, which is not a JSON number. Fix: write a finite number"
                )
        if not char.isspace():
            previous = char
        i += 1
    return "".join(out), comments, commas


def _skip_string(text: str, start: int) -> int:
    """The index after the string starting at `start` (a '"'); an unterminated one runs to the end."""
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            if text.startswith("\n", i + 1):
                return i + 1
            i += 2
            continue
        if text[i] == '"':
            return i + 1
        if text[i] == "\n":  # JSON strings cannot span lines: let json.loads report it here
            return i
        i += 1
    return i
