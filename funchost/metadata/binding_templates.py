"""Binding expressions in curly braces — `{name}`, `{queueTrigger}`, `{data.id}`, `{rand-guid}`, `{DateTime:yyyy}` —
parsed and bound as the WebJobs SDK does (its `BindingTemplate`, `BindingTemplateParser`, `BindingTemplateToken`).

- **Grammar**: `{{` and `}}` are literal braces; `{expr}` is an expression; an unbalanced brace or an empty `{}` is an
  error at load. An expression is an identifier path (`name`, `data.key.sub`: letters, digits, `_`, `-` and `.`; the
  first part starts with a letter or `_` and has no `-`), optionally followed by `:format`.
- **Binding** looks the first part up in the binding data (the trigger's metadata, the JSON payload's top-level
  properties, `sys`), case-insensitively as the host's binding-data contract does, then each further part as a
  property (case-insensitive on JSON objects). `rand-guid` and `datetime` (any case) are built in and used when the
  data has no such name; `sys.randguid`, `sys.utcnow` and `sys.methodname` are always there.
- **Values** become text as the host's `BindingDataPathHelper` makes them: strings as they are, numbers in the
  invariant culture, GUIDs and date-times with their .NET format (default `yyyy-MM-ddTHH-mm-ssK`), JSON objects and
  arrays as nothing.
- **Capture** (`capture_regex`, the SDK's `BindingTemplateSource`): a trigger path such as `images/{name}.{ext}` as a
  regex whose named groups (`.*`, greedy) give the binding data a blob name produces.

`%AppSetting%` expressions are resolved before this, at load (`funchost.metadata.connections.resolve_expressions`).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from funchost.errors import BindingDataError, BindingTemplateError
from funchost.metadata.dotnet_formats import format_datetime, format_guid

__all__ = ["BindingTemplate", "SystemBindingData", "parse_template"]

BUILTINS = ("rand-guid", "datetime")  # the SDK's BindingParameterResolver names, matched as case-insensitive prefixes
_TOKEN = re.compile(r"(?P<escape>\{\{|\}\})|\{(?P<expression>[^{}]*)\}|(?P<literal>[^{}]+)|(?P<unbalanced>[{}])")
_PART_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Nl", "Nd", "Pc", "Mn", "Mc", "Cf"})
_FIRST_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Nl"})


@dataclass(frozen=True)
class _Literal:
    text: str


@dataclass(frozen=True)
class _Expression:
    parts: tuple[str, ...]
    format: str | None
    builtin: str | None  # "rand-guid" / "datetime" when the expression starts with one

    @property
    def name(self) -> str:
        return self.parts[0]


class SystemBindingData:
    """`{sys.…}`: what the host adds to every invocation's binding data."""

    def __init__(self, method_name: str = "") -> None:
        self.methodname = method_name

    @property
    def utcnow(self) -> datetime.datetime:
        return datetime.datetime.now(datetime.UTC)

    @property
    def randguid(self) -> uuid.UUID:
        return uuid.uuid4()


def _builtin(expression: str) -> str | None:
    lowered = expression.lower()
    return next((name for name in BUILTINS if lowered.startswith(name)), None)


def _valid_identifier(text: str) -> bool:
    if not text or not (text[0] == "_" or unicodedata.category(text[0]) in _FIRST_CATEGORIES):
        return False
    return all(char in ".-" or unicodedata.category(char) in _PART_CATEGORIES for char in text[1:])


def _expression(text: str, template: str) -> _Expression:
    builtin = _builtin(text)
    fmt: str | None = None
    if builtin is None:  # a built-in keeps its ":format" in its name, as the SDK's resolvers read it from there
        colon = text.find(":")
        if colon > 0:
            text, fmt = text[:colon], text[colon + 1 :]
    if builtin is None and not _valid_identifier(text):
        raise BindingTemplateError(f"Invalid template '{template}': '{{{text}}}' is not a valid binding expression")
    parts = tuple(text.split("."))
    if builtin is None and "-" in parts[0]:
        raise BindingTemplateError(f"Invalid template '{template}': the parameter name '{parts[0]}' is invalid")
    if any(not part.strip() for part in parts):
        raise BindingTemplateError(f"Invalid template '{template}': '{{{text}}}' has an empty property name")
    return _Expression(parts, fmt or None, builtin)


def parse_template(text: str) -> BindingTemplate:
    """Parse a binding path/property; `BindingTemplateError` names the template and the position of a bad brace."""
    tokens: list[_Literal | _Expression] = []
    for match in _TOKEN.finditer(text):
        if match["escape"]:
            tokens.append(_Literal(match["escape"][0]))
        elif match["literal"] is not None:
            tokens.append(_Literal(match["literal"]))
        elif match["unbalanced"]:
            side = "closing" if match["unbalanced"] == "{" else "opening"
            raise BindingTemplateError(
                f"Invalid template '{text}': missing {side} bracket at position {match.start() + 1}"
            )
        else:
            if not match["expression"]:
                raise BindingTemplateError(
                    f"Invalid template '{text}': the parameter name at position {match.start() + 1} is empty"
                )
            tokens.append(_expression(match["expression"], text))
    return BindingTemplate(text, tuple(tokens))


@dataclass(frozen=True)
class BindingTemplate:
    pattern: str
    tokens: tuple[_Literal | _Expression, ...]

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(token.name for token in self.tokens if isinstance(token, _Expression))

    @property
    def literal_prefix(self) -> str:
        """The literal text before the first expression (a blob trigger's listing prefix)."""
        prefix = []
        for token in self.tokens:
            if not isinstance(token, _Literal):
                break
            prefix.append(token.text)
        return "".join(prefix)

    @property
    def has_parameters(self) -> bool:
        return any(isinstance(token, _Expression) for token in self.tokens)

    def bind(self, data: Mapping[str, Any], system: SystemBindingData | None = None) -> str:
        """The template with every expression replaced from `data`; `BindingDataError` names what has no value."""
        if not self.has_parameters:
            return self.pattern if not self.tokens else "".join(t.text for t in self.tokens if isinstance(t, _Literal))
        system = system or SystemBindingData()
        out: list[str] = []
        for token in self.tokens:
            out.append(token.text if isinstance(token, _Literal) else self._evaluate(token, data, system))
        return "".join(out)

    def capture_regex(self) -> re.Pattern[str]:
        """The SDK's capture pattern: literals escaped, each `{name}` a greedy named group (no dotted paths)."""
        pieces = ["^"]
        for token in self.tokens:
            if isinstance(token, _Literal):
                pieces.append(re.escape(token.text))
            elif len(token.parts) != 1 or token.format is not None or token.builtin is not None:
                raise BindingTemplateError(
                    f"Invalid path '{self.pattern}': a trigger path can only capture plain names like "
                    f"{{name}}, not '{{{'.'.join(token.parts)}}}'"
                )
            else:
                try:
                    pieces.append(f"(?P<{token.name}>.*)")
                except re.error as exc:  # pragma: no cover - names were validated above
                    raise BindingTemplateError(str(exc)) from None
        pieces.append("$")
        try:
            return re.compile("".join(pieces), re.DOTALL)
        except re.error as exc:
            raise BindingTemplateError(f"Invalid path '{self.pattern}': {exc}") from None

    def _evaluate(self, token: _Expression, data: Mapping[str, Any], system: SystemBindingData) -> str:
        found, value = _lookup(data, token.name)
        if not found and token.name.lower() == "sys":
            found, value = True, system
        if found:
            for part in token.parts[1:]:
                value = _property(value, part, token)
        elif token.builtin is not None:
            value = system.randguid if token.builtin == "rand-guid" else system.utcnow
            fmt = token.name[len(token.builtin) + 1 :] if token.name[len(token.builtin) :].startswith(":") else None
            return _text(value, fmt)
        else:
            known = ", ".join(sorted(data)) or "none"
            raise BindingDataError(
                f"No value for named parameter '{token.name}' in '{self.pattern}' (binding data: {known})"
            )
        return _text(value, token.format)


def _lookup(data: Mapping[str, Any], name: str) -> tuple[bool, Any]:
    if name in data:
        return True, data[name]
    folded = name.casefold()
    for key, value in data.items():
        if isinstance(key, str) and key.casefold() == folded:
            return True, value
    return False, None


def _property(value: Any, name: str, token: _Expression) -> Any:
    if isinstance(value, Mapping):
        found, result = _lookup(value, name)
        if found:
            return result
    elif value is not None and not isinstance(value, (str, int, float, bool, list)):
        for attribute in dir(value):
            if attribute.casefold() == name.casefold() and not attribute.startswith("_"):
                return getattr(value, attribute)
    raise BindingDataError(f"Error while accessing '{name}' of '{{{'.'.join(token.parts)}}}': property doesn't exist")


def _text(value: Any, fmt: str | None) -> str:
    """The host's BindingDataPathHelper.ConvertParameterValueToString (JSON values as Json.NET prints them)."""
    fmt = fmt if fmt and fmt.strip() else None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value).replace("e+", "E+")
    if isinstance(value, datetime.datetime):
        return format_datetime(value, fmt)
    if isinstance(value, uuid.UUID):
        return format_guid(value, fmt)
    return ""  # None, JSON objects and arrays: the host appends nothing
