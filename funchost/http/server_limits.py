"""Request-head, connection and route-regex limits: their defaults and how host.json sets them.

The keys are funchost's own, under `extensions.http` in host.json beside `maxRequestBodySize` (and, like every
host.json value, overridable with `AzureFunctionsJobHost__extensions__http__<key>` environment variables). The
defaults are Kestrel's (`KestrelServerLimits`): 100 headers, 32 KiB of headers, an 8 KiB request line, 30 s to
receive a request head; a regex route constraint gets ASP.NET's `RegexRouteConstraint` match timeout, 10 s. Kestrel
leaves concurrent connections unlimited; funchost caps them below the process's descriptor limit (see
`connection_cap`), because a host that runs out of descriptors cannot accept anything, not even its probes.
docs/security.md describes each limit and what a client sees.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from funchost.errors import HostJsonError
from funchost.metadata.host_config import HostConfig
from funchost.metadata.spec import lookup
from funchost.metadata.timespan import parse_timespan

logger = logging.getLogger("funchost.http")

DEFAULT_MAX_HEADER_COUNT = 100  # KestrelServerLimits.MaxRequestHeaderCount
DEFAULT_MAX_HEADERS_TOTAL_SIZE = 32 * 1024  # MaxRequestHeadersTotalSize
DEFAULT_MAX_REQUEST_LINE_SIZE = 8 * 1024  # MaxRequestLineSize
DEFAULT_HEADERS_TIMEOUT = 30.0  # RequestHeadersTimeout
DEFAULT_REGEX_TIMEOUT = 10.0  # RegexRouteConstraint's RegexMatchTimeout
_CAP_FIX = "set it to a number of connections, or remove it to derive the cap from the open-file limit"
RESERVED_DESCRIPTORS_MIN = 64  # descriptors kept free of connections for brokers, files and the app's own sockets


@dataclass(frozen=True)
class ServerLimits:
    max_header_count: int = DEFAULT_MAX_HEADER_COUNT
    max_headers_total_size: int = DEFAULT_MAX_HEADERS_TOTAL_SIZE  # bytes of header lines (name: value CRLF)
    max_request_line_size: int = DEFAULT_MAX_REQUEST_LINE_SIZE
    headers_timeout: float = DEFAULT_HEADERS_TIMEOUT  # seconds
    max_connections: int | None = None  # None: derived from the descriptor limit (`connection_cap`)
    regex_timeout: float = DEFAULT_REGEX_TIMEOUT  # seconds


def server_limits(config: HostConfig) -> ServerLimits:
    """The limits host.json sets; `HostJsonError` names the key and the fix for a bad value."""
    http = config.extension("http")
    where = str(config.path) if config.path else "host.json (defaults)"
    connections = lookup(http, "maxConcurrentConnections")
    cap = None if connections is None else _positive(where, http, "maxConcurrentConnections", 0, _CAP_FIX)
    return ServerLimits(
        max_header_count=_positive(where, http, "maxRequestHeaderCount", DEFAULT_MAX_HEADER_COUNT),
        max_headers_total_size=_positive(where, http, "maxRequestHeadersTotalSize", DEFAULT_MAX_HEADERS_TOTAL_SIZE),
        max_request_line_size=_positive(where, http, "maxRequestLineSize", DEFAULT_MAX_REQUEST_LINE_SIZE),
        headers_timeout=_seconds(where, http, "requestHeadersTimeout", DEFAULT_HEADERS_TIMEOUT),
        max_connections=cap,
        regex_timeout=_seconds(where, http, "regexConstraintTimeout", DEFAULT_REGEX_TIMEOUT),
    )


def connection_cap(limits: ServerLimits, descriptors: int) -> int:
    """How many connections the host keeps open at once, given its (raised) soft RLIMIT_NOFILE.

    A quarter of the descriptors (at least 64) stays free for everything else the host opens; the rest may be
    connections. A configured `maxConcurrentConnections` above that budget is lowered to it, with a warning.
    """
    budget = max(1, descriptors - max(RESERVED_DESCRIPTORS_MIN, descriptors // 4))
    if limits.max_connections is None:
        return budget
    if limits.max_connections > budget:
        logger.warning(
            "extensions.http.maxConcurrentConnections is %d, but the open-file limit (RLIMIT_NOFILE) of %d leaves "
            "room for %d connections; using %d. Fix: raise the limit (ulimit -n, the container's nofile) or lower "
            "the setting",
            limits.max_connections,
            descriptors,
            budget,
            budget,
        )
        return budget
    return limits.max_connections


def _positive(where: str, http: Any, key: str, default: int, fix: str | None = None) -> int:
    value = lookup(http, key, default)
    number = -1
    if not isinstance(value, bool):
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = -1
    if number <= 0 or (isinstance(value, float) and value != number):
        fix = fix or f"set it to a whole number such as the default, {default}, or remove it"
        raise HostJsonError(
            f"{where}: extensions.http.{key} is {json.dumps(value)}; expected a positive whole number. Fix: {fix}"
        )
    return number


def _seconds(where: str, http: Any, key: str, default: float) -> float:
    value = lookup(http, key)
    if value is None:
        return default
    try:
        seconds = parse_timespan(str(value))
    except ValueError as exc:
        raise HostJsonError(f"{where}: extensions.http.{key} {exc}") from None
    if seconds <= 0:
        raise HostJsonError(f"{where}: extensions.http.{key} must be longer than 00:00:00 (default {default:g} s)")
    return seconds
