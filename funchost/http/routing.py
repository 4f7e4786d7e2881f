"""The function route table: `/{routePrefix}/{route}` templates in ASP.NET precedence order, clash checks, matching.

`RouteTable.build(routes, prefix=...)` parses every template once, rejects routes in the host's reserved space and
pairs of routes that are the same template (names aside) with overlapping methods, and sorts the rest the way ASP.NET
Core orders candidates: segment by segment, literal before constrained parameter before parameter before catch-all.
`RouteTable.match(raw_path, method)` is the per-request lookup: no regex compilation, no table rebuilding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple
from urllib.parse import unquote

from funchost.errors import ConfigurationError, FunctionDefinitionError
from funchost.http.regex_constraint import match_in_place
from funchost.http.server_limits import DEFAULT_REGEX_TIMEOUT
from funchost.http.template_parser import parse_template
from funchost.http.templates import Parameter, RouteTemplate, Segment

# Azure rejects function routes that start with these (ScriptHost.ValidateHttpFunction: "admin", "runtime").
RESERVED_ROUTE_STARTS = ("admin", "runtime")
# funchost's own probes, served at the root: with an empty routePrefix no function route may be exactly one of these.
HOST_PATHS = ("healthz", "readyz", "metrics")
_HOST_EXACT = frozenset(f"/{path}" for path in HOST_PATHS) | frozenset(f"/{path}/" for path in HOST_PATHS)
_ADMIN = frozenset({"/admin", "/admin/"})
WEBHOOKS = "/runtime/webhooks/"  # extension webhooks (funchost/http/webhooks.py)


def is_host_path(raw_path: str) -> bool:
    """The host's own paths (probes, metrics, everything under /admin and /runtime/webhooks/), which no function
    route ever claims."""
    return raw_path in _HOST_EXACT or raw_path[:7].lower() in _ADMIN or raw_path[:18].lower() == WEBHOOKS


@dataclass(frozen=True)
class RouteSpec:
    """What a function asks for: its route (without the prefix) and methods (empty = every method)."""

    function: str
    route: str
    methods: tuple[str, ...] = ()


@dataclass(frozen=True)
class RouteEntry:
    function: str
    route: str
    template: RouteTemplate  # prefix segments included
    methods: frozenset[str] | None  # None = every method
    min_segments: int
    max_segments: int | None  # None = catch-all


class RouteMatch(NamedTuple):  # a tuple: cheaper to build than a frozen dataclass (and literal paths reuse theirs)
    entry: RouteEntry | None  # None: no route accepts this method (see `allowed`) or nothing matched
    values: Mapping[str, str]  # route values; read-only (shared between requests for literal paths)
    allowed: frozenset[str] = frozenset()  # methods of routes whose path matched, for 405 Allow


_NO_VALUES: Mapping[str, str] = MappingProxyType({})
LiteralCandidates = tuple[tuple[RouteEntry, RouteMatch], ...]


class RouteTable:
    def __init__(self, entries: Sequence[RouteEntry], prefix: str) -> None:
        self.entries = tuple(entries)
        self.prefix = prefix
        self._literal_paths = _literal_paths(self.entries)

    @classmethod
    def build(cls, routes: Iterable[RouteSpec], *, prefix: str) -> RouteTable:
        prefix = prefix.strip("/")
        entries = [_entry(spec, prefix) for spec in routes]
        _check_clashes(entries, prefix)
        entries.sort(key=lambda e: (e.template.precedence, -len(e.template.segments)))  # stable: ties keep order
        return cls(entries, prefix)

    def match(self, raw_path: str, method: str) -> RouteMatch:
        """The route for a path, for callers off the event loop: a regex check that needs longer than its inline
        budget is decided in place (the host's dispatch decides it off the loop instead)."""
        found = self.match_literal(raw_path, method)
        if found is not None:
            return found
        return match_in_place(lambda: self.match_templates(raw_path, method), DEFAULT_REGEX_TIMEOUT)

    def match_templates(self, raw_path: str, method: str) -> RouteMatch:
        """`match()` by walking the templates in precedence order, for a path `match_literal` did not answer."""
        return self._walk(split_path(raw_path), method)

    def match_literal(self, raw_path: str, method: str) -> RouteMatch | None:
        """`match()` for the exact path of a literal function route (precomputed); None for any other path,
        the host's own paths included (`is_host_path`)."""
        known = self._literal_paths.get(raw_path)
        if known is None:
            return None
        allowed: set[str] = set()
        for entry, found in known:
            if entry.methods is None or method in entry.methods:
                return found
            allowed |= entry.methods
        return RouteMatch(None, _NO_VALUES, frozenset(allowed))

    def _walk(self, path: list[str], method: str) -> RouteMatch:
        count = len(path)
        allowed: set[str] = set()
        for entry in self.entries:
            if count < entry.min_segments or (entry.max_segments is not None and count > entry.max_segments):
                continue
            values = entry.template.match(path)
            if values is None:
                continue
            if entry.methods is None or method in entry.methods:
                return RouteMatch(entry, values)
            allowed |= entry.methods
        return RouteMatch(None, {}, frozenset(allowed))


def _literal_paths(entries: Sequence[RouteEntry]) -> dict[str, LiteralCandidates]:
    """For the path of each fully literal route (as written and lower-cased, with and without a trailing '/'): every
    entry that matches that exact path, in table order, with its match (route values included). A request for such a
    path then skips the template walk and gets the same answer the walk gives, without building anything."""
    paths: dict[str, LiteralCandidates] = {}
    for entry in entries:
        if not all(segment.literal is not None for segment in entry.template.segments):
            continue
        written = "/" + "/".join(_written_literals(entry))
        for text in {written, written.lower()}:
            if "%" in text:
                continue  # percent-decoding is the walk's job
            path = split_path(text)
            found = tuple(
                (candidate, RouteMatch(candidate, MappingProxyType(values)))
                for candidate in entries
                if len(path) >= candidate.min_segments
                and (candidate.max_segments is None or len(path) <= candidate.max_segments)
                and (values := candidate.template.match(path)) is not None
            )
            for key in (text, text + "/") if text != "/" else (text,):
                if not is_host_path(key):
                    paths[key] = found
    return paths


def _written_literals(entry: RouteEntry) -> list[str]:
    """The route's literal segments as the function wrote them (the template keeps them lower-cased)."""
    literals = [segment.literal or "" for segment in entry.template.segments]
    written = [part for part in entry.route.split("/") if part]
    if not written or len(written) > len(literals):
        return literals
    head, tail = literals[: len(literals) - len(written)], literals[len(literals) - len(written) :]
    return head + written if [part.lower() for part in written] == tail else literals


def split_path(raw_path: str) -> list[str]:
    """Percent-encoded path → decoded segments (an encoded '/' stays inside its segment; one trailing '/' ignored)."""
    text = raw_path[1:] if raw_path.startswith("/") else raw_path
    if text.endswith("/"):
        text = text[:-1]
    if not text:
        return []
    return [unquote(part) if "%" in part else part for part in text.split("/")]


def _entry(spec: RouteSpec, prefix: str) -> RouteEntry:
    route = spec.route.strip().strip("/")
    if route.lower().startswith(RESERVED_ROUTE_STARTS):
        raise FunctionDefinitionError(
            spec.function,
            f"route '{spec.route}' starts with 'admin' or 'runtime', which the Functions host reserves for its "
            "own APIs",
            "choose a route that does not start with 'admin' or 'runtime'",
        )
    if not prefix and route.lower() in HOST_PATHS:
        raise FunctionDefinitionError(
            spec.function,
            f"route '{spec.route}' with an empty routePrefix is the host's /{route.lower()} endpoint",
            "choose another route, or keep a routePrefix (extensions.http.routePrefix in host.json)",
        )
    route_template = parse_template(route, function=spec.function)
    prefix_segments = tuple(Segment((part.lower(),)) for part in prefix.split("/") if part)
    template = RouteTemplate(f"{prefix}/{route}" if prefix else route, prefix_segments + route_template.segments)
    segments = template.segments
    last = segments[-1].parameter if segments else None
    catch_all = last is not None and last.catch_all
    required = len(segments)
    while required and _omittable(segments[required - 1]):
        required -= 1
    methods = frozenset(m.upper() for m in spec.methods) if spec.methods else None
    max_segments = None if catch_all else len(segments)
    return RouteEntry(spec.function, route, template, methods, required, max_segments)


def _omittable(segment: Segment) -> bool:
    parameter = segment.parameter
    return parameter is not None and parameter.omittable


def _shape(template: RouteTemplate) -> tuple[object, ...]:
    """What decides which URLs a template matches: literals, parameter positions and constraints, not names."""

    def part(value: str | Parameter) -> object:
        if isinstance(value, str):
            return value.lower()
        checks = tuple(sorted((c.name, c.args) for c in value.constraints))
        return ("param", value.catch_all, value.optional or value.default is not None, checks)

    return tuple(tuple(part(p) for p in segment.parts) for segment in template.segments)


def _check_clashes(entries: list[RouteEntry], prefix: str) -> None:
    seen: dict[tuple[object, ...], list[RouteEntry]] = {}
    for entry in entries:
        shape = _shape(entry.template)
        for other in seen.get(shape, []):
            if entry.methods is None or other.methods is None or entry.methods & other.methods:
                if entry.methods is None and other.methods is None:
                    overlap = "every method"
                else:
                    mine, theirs = entry.methods or other.methods, other.methods or entry.methods
                    overlap = ", ".join(sorted((mine or frozenset()) & (theirs or frozenset())))
                where = f"/{prefix}/" if prefix else "/"
                raise ConfigurationError(
                    f"Functions '{other.function}' (route '{other.route}') and '{entry.function}' (route "
                    f"'{entry.route}') both answer {overlap} on the same URLs ({where}{entry.route}); the host "
                    "could not tell which one a request is for. Fix: give one of them a different route, or "
                    "split the methods between them (methods=[...] on @app.route)"
                )
        seen.setdefault(shape, []).append(entry)
