"""HTTP concurrency: host.json `extensions.http.maxConcurrentRequests` and `maxOutstandingRequests`, and the
per-worker HTTP scale target derived from them.

Azure's semantics (the host's `HttpOptions`, enforced by its throttle middleware): at most `maxConcurrentRequests`
HTTP functions run at once and the rest wait; `maxOutstandingRequests` bounds running plus waiting, and a request
past it is answered 429. -1 means unbounded, which is the host's default outside the Windows Consumption plan
(there, 100 and 200). funchost keeps Azure's spelling and its default (unbounded).

The scale target is what one worker should carry, first of: host.json `scale.http.target` (the app's own HTTP
target, as `scale.functions.<name>.target` is a function's; Flex Consumption's `perInstanceConcurrency` setting),
`maxConcurrentRequests`, else `DEFAULT_HTTP_TARGET`, the per-instance HTTP concurrency Azure's Flex Consumption plan
defaults to for a 2048 MB instance. `funchost up --http-target` overrides all three. docs/scaling.md explains it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from funchost.errors import HostJsonError
from funchost.metadata.host_config import HostConfig
from funchost.metadata.scale_options import whole_number
from funchost.metadata.spec import lookup

UNBOUNDED = -1
DEFAULT_HTTP_TARGET = 16  # Flex Consumption's default HTTP perInstanceConcurrency (2048 MB instances)


@dataclass(frozen=True)
class HttpConcurrency:
    """The two host.json throttles; None = unbounded (-1 or unset)."""

    max_concurrent_requests: int | None = None
    max_outstanding_requests: int | None = None
    target_override: int | None = None  # host.json scale.http.target

    @property
    def scale_target(self) -> int:
        """In-flight requests one worker should carry: scale.http.target, the configured concurrency, else Azure's
        default."""
        return self.target_override or self.max_concurrent_requests or DEFAULT_HTTP_TARGET

    @property
    def target_source(self) -> str:
        if self.target_override:
            return "host.json scale.http.target"
        if self.max_concurrent_requests:
            return "host.json extensions.http.maxConcurrentRequests"
        return "default"


def http_concurrency(config: HostConfig) -> HttpConcurrency:
    """The throttles host.json sets; `HostJsonError` names the key and the fix for a bad value."""
    http = config.extension("http")
    where = str(config.path) if config.path else "host.json (defaults)"
    return HttpConcurrency(
        max_concurrent_requests=_limit(where, http, "maxConcurrentRequests"),
        max_outstanding_requests=_limit(where, http, "maxOutstandingRequests"),
        target_override=_target(where, config),
    )


def _target(where: str, config: HostConfig) -> int | None:
    scale = lookup(config.raw, "scale", {}) or {}
    http = (lookup(scale, "http", {}) or {}) if isinstance(scale, Mapping) else {}
    if not isinstance(http, Mapping):
        raise HostJsonError(f'{where}: scale.http must be an object, e.g. {{"target": 16}}; got {json.dumps(http)}')
    unknown = sorted(key for key in http if key.casefold() != "target")
    if unknown:
        raise HostJsonError(
            f"{where}: scale.http has unknown keys {unknown}; the only one is target (in-flight requests per worker)"
        )
    value = lookup(http, "target")
    if value is None:
        return None
    return whole_number(value, f"{where}: scale.http.target", 1)


def _limit(where: str, http: Any, key: str) -> int | None:
    value = lookup(http, key)
    if value is None:
        return None
    number = 0
    if not isinstance(value, bool) and isinstance(value, int | float | str):
        try:
            number = int(value)
        except ValueError:
            number = 0
        if isinstance(value, float) and value != number:
            number = 0
    if number == UNBOUNDED:
        return None
    if number <= 0:
        raise HostJsonError(
            f"{where}: extensions.http.{key} is {json.dumps(value)}; expected a positive whole number, or -1 for "
            "unbounded. Fix: set a number of requests, or remove it (unbounded, Azure's default)"
        )
    return number
