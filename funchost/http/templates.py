"""Parsed route templates (ASP.NET Core syntax, as the Functions host uses): the model and inbound matching.

A `RouteTemplate` is one `Segment` per `/`-separated part, each made of literal text and `Parameter`s (`{name}`,
`{name?}`, `{name=default}`, `{*rest}` / `{**rest}`, with inline constraints); `template_parser.parse_template`
builds it. `RouteTemplate.match(segments)` takes the URL-decoded path segments and returns the route values, or None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from funchost.http.constraints import Constraint


@dataclass(frozen=True)
class Parameter:
    name: str
    constraints: tuple[Constraint, ...] = ()
    optional: bool = False
    default: str | None = None
    catch_all: bool = False

    @property
    def omittable(self) -> bool:
        return self.optional or self.catch_all or self.default is not None

    def accepts(self, value: str) -> bool:
        return all(check(value) for check in self.constraints)


@dataclass(frozen=True)
class Segment:
    parts: tuple[str | Parameter, ...]
    patterns: tuple[re.Pattern[str], ...] = ()  # complex segments ("{name}.{ext}") only, tried in order
    literal: str | None = field(init=False, compare=False)  # the (lower-case) text of a literal-only segment
    parameter: Parameter | None = field(init=False, compare=False)  # the parameter of a parameter-only segment

    def __post_init__(self) -> None:  # precomputed: matching reads these for every request
        only = self.parts[0] if len(self.parts) == 1 else None
        object.__setattr__(self, "literal", only if isinstance(only, str) else None)
        object.__setattr__(self, "parameter", only if isinstance(only, Parameter) else None)

    @property
    def precedence(self) -> int:
        """ASP.NET RoutePrecedence digit: literal 1, complex or constrained 2, parameter 3, catch-all 4/5."""
        parameter = self.parameter
        if parameter is None:
            return 1 if self.literal is not None else 2
        digit = 5 if parameter.catch_all else 3
        return digit - 1 if parameter.constraints else digit


@dataclass(frozen=True)
class RouteTemplate:
    text: str
    segments: tuple[Segment, ...]

    @property
    def precedence(self) -> tuple[int, ...]:
        return tuple(segment.precedence for segment in self.segments)

    def match(self, path: list[str]) -> dict[str, str] | None:
        """Route values for `path` (decoded segments, no empty trailing segment), or None if it does not match."""
        values: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            literal, parameter = segment.literal, segment.parameter
            if parameter is not None and parameter.catch_all:
                rest = "/".join(path[index:])
                if rest or parameter.default is not None:
                    values[parameter.name] = rest or str(parameter.default)
                return values if (not rest or parameter.accepts(rest)) else None
            if index >= len(path):
                if parameter is None or not parameter.omittable:
                    return None
                if parameter.default is not None:
                    values[parameter.name] = parameter.default
                continue
            text = path[index]
            if literal is not None:
                if text.lower() != literal:
                    return None
            elif parameter is not None:
                if not text or (parameter.constraints and not parameter.accepts(text)):
                    return None
                values[parameter.name] = text
            elif not _match_complex(segment, text, values):
                return None
        return values if len(path) <= len(self.segments) else None


def _match_complex(segment: Segment, text: str, values: dict[str, str]) -> bool:
    for pattern in segment.patterns:
        found = pattern.fullmatch(text)
        if found is None:
            continue
        matched: dict[str, str] = {}
        for group, value in found.groupdict().items():
            parameter = segment.parts[int(group[1:])]
            assert isinstance(parameter, Parameter)
            if value is not None:
                if not parameter.accepts(value):
                    break
                matched[parameter.name] = value
        else:
            values.update(matched)
            return True
    return False
