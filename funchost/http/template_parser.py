"""Parsing and validating route templates: `parse_template("products/{category:alpha}/{id:int?}", function=...)`.

Accepts what ASP.NET Core routing accepts: literal text, `{name}`, `{name?}`, `{name=default}`, `{*rest}` /
`{**rest}`, constraints chained with `:` (`{id:int:min(1)}`, `{code:regex(^[a-z]{{2}}$)}`), complex segments such
as `{name}.{ext?}`, and `{{` / `}}` for literal braces. Anything else raises `FunctionDefinitionError` naming the
function, the route, what is wrong and the fix.
"""

from __future__ import annotations

import re

from funchost.errors import FunctionDefinitionError
from funchost.http.constraints import Constraint, make_constraint
from funchost.http.templates import Parameter, RouteTemplate, Segment

_NAME_FORBIDDEN = set("/{}*?=:")


def parse_template(text: str, *, function: str) -> RouteTemplate:
    """Parse and validate a route template (leading/trailing `/` and `~/` are ignored, as Azure does)."""
    body = text.strip()
    body = body[2:] if body.startswith("~/") else body
    body = body.strip("/")
    parser = _Parser(text, function)
    segments = tuple(parser.segment(parts) for parts in parser.split(body)) if body else ()
    template = RouteTemplate(text, segments)
    parser.validate(template)
    return template


class _Parser:
    def __init__(self, text: str, function: str) -> None:
        self.text = text
        self.function = function

    def fail(self, problem: str, fix: str) -> FunctionDefinitionError:
        return FunctionDefinitionError(self.function, f"route '{self.text}' is invalid: {problem}", fix)

    def split(self, body: str) -> list[list[str | Parameter]]:
        """Segments as lists of literal text and parameters, honouring `{{`/`}}` escapes."""
        segments: list[list[str | Parameter]] = [[]]
        literal: list[str] = []
        i = 0
        while i < len(body):
            char = body[i]
            if char in "{}" and body.startswith(char * 2, i):
                literal.append(char)
                i += 2
                continue
            if char == "}":
                raise self.fail("a '}' has no matching '{'", "balance the braces, or write '}}' for a literal '}'")
            if char == "/" or char == "{":
                if literal:
                    segments[-1].append("".join(literal))
                    literal = []
            if char == "/":
                if not segments[-1]:
                    raise self.fail("it contains an empty segment ('//')", "remove the doubled '/'")
                segments.append([])
                i += 1
            elif char == "{":
                end, inner = self.read_parameter(body, i)
                segments[-1].append(self.parameter(inner))
                i = end
            else:
                literal.append(char)
                i += 1
        if literal:
            segments[-1].append("".join(literal))
        return segments

    def read_parameter(self, body: str, start: int) -> tuple[int, str]:
        inner: list[str] = []
        i = start + 1
        while i < len(body):
            char = body[i]
            if char in "{}" and body.startswith(char * 2, i):
                inner.append(char)
                i += 2
            elif char == "}":
                return i + 1, "".join(inner)
            elif char == "{":
                break
            else:
                inner.append(char)
                i += 1
        raise self.fail(
            "a '{' has no matching '}'", "close every parameter, e.g. '{id}', or write '{{' for a literal '{'"
        )

    def parameter(self, inner: str) -> Parameter:
        catch_all = inner.startswith("*")
        rest = inner.lstrip("*") if catch_all else inner
        if inner.startswith("***"):
            raise self.fail(f"parameter '{{{inner}}}' has too many '*'", "use {*name} or {**name} for a catch-all")
        end = next((i for i, c in enumerate(rest) if c in ":=?"), len(rest))
        name, rest = rest[:end], rest[end:]
        if not name or _NAME_FORBIDDEN & set(name):
            raise self.fail(
                f"parameter '{{{inner}}}' has no valid name", "name it with letters, digits or '_', e.g. '{id}'"
            )
        constraints: list[Constraint] = []
        while rest.startswith(":"):
            constraint, rest = self.constraint(name, rest[1:])
            constraints.append(constraint)
        optional, default = False, None
        if rest.startswith("="):
            default = rest[1:]
            if default.endswith("?"):
                raise self.fail(f"parameter '{name}' is optional and has a default", "use either '?' or '=value'")
        elif rest == "?":
            optional = True
        elif rest:
            raise self.fail(f"parameter '{{{inner}}}' has unexpected text '{rest}'", "write {name:constraint=default}")
        if catch_all and optional:
            raise self.fail(
                f"catch-all parameter '{name}' is marked optional", "drop the '?': a catch-all may be empty"
            )
        return Parameter(name, tuple(constraints), optional, default, catch_all)

    def constraint(self, parameter: str, text: str) -> tuple[Constraint, str]:
        end = next((i for i, c in enumerate(text) if c in ":=?("), len(text))
        name, rest = text[:end], text[end:]
        args: tuple[str, ...] = ()
        if rest.startswith("("):
            close = next(
                (i for i, c in enumerate(rest) if c == ")" and (i + 1 == len(rest) or rest[i + 1] in ":=?")), -1
            )
            if close < 0:
                raise self.fail(f"constraint '{name}' of '{parameter}' has no closing ')'", "close it, e.g. min(1)")
            inner, rest = rest[1:close], rest[close + 1 :]
            args = (inner,) if name.lower() == "regex" else tuple(inner.split(","))
        try:
            return make_constraint(name, args), rest
        except ValueError as exc:
            raise self.fail(f"parameter '{parameter}': {exc}", "use a supported constraint, see docs/http.md") from None

    def segment(self, parts: list[str | Parameter]) -> Segment:
        if len(parts) == 1:
            if isinstance(parts[0], str) and "?" in parts[0]:
                raise self.fail(f"literal '{parts[0]}' contains '?'", "remove the '?' (query strings are not routed)")
            return Segment((parts[0].lower() if isinstance(parts[0], str) else parts[0],))
        pattern: list[str] = []
        optional: str | None = None
        for index, part in enumerate(parts):
            if isinstance(part, str):
                pattern.append(re.escape(part))
                continue
            if part.catch_all:
                raise self.fail(f"catch-all '{part.name}' shares a segment with other text", "give it its own segment")
            if index and isinstance(parts[index - 1], Parameter):
                raise self.fail("a segment has two parameters with nothing between them", "separate them by text")
            if part.default is not None:
                raise self.fail(f"'{part.name}' has a default inside a segment", "give defaults only to whole segments")
            group = f"(?P<p{index}>.+)"  # greedy: later parts match as far right as possible, as ASP.NET does
            if part.optional:
                before = parts[index - 1]
                if index != len(parts) - 1 or not isinstance(before, str) or not before.endswith("."):
                    raise self.fail(
                        f"optional '{part.name}' is not the last part of its segment after a '.'",
                        "write it as '{name}.{ext?}' or make it required",
                    )
                optional = "".join(pattern[:-1]) + re.escape(before[:-1])
            pattern.append(group)
        flags = re.IGNORECASE | re.DOTALL
        patterns = [re.compile("".join(pattern), flags)]
        if optional is not None:  # prefer the optional part present ("a.b.c" → name "a.b", ext "c"), then absent
            patterns.append(re.compile(optional, flags))
        return Segment(tuple(parts), tuple(patterns))

    def validate(self, template: RouteTemplate) -> None:
        seen: set[str] = set()
        for index, segment in enumerate(template.segments):
            for part in segment.parts:
                if not isinstance(part, Parameter):
                    continue
                if part.name.lower() in seen:
                    raise self.fail(f"parameter '{part.name}' appears twice", "give each parameter a unique name")
                seen.add(part.name.lower())
                if part.catch_all and index != len(template.segments) - 1:
                    raise self.fail(f"catch-all '{part.name}' is not in the last segment", "move it to the end")
