"""HTTP concurrency: host.json `extensions.http.maxConcurrentRequests` and `maxOutstandingRequests`, and the
per-worker HTTP scale target derived from them.

Azure's semantics (the host's `HttpOptions`, enforced by its throttle middleware): at most `maxConcurrentRequests`
HTTP functions run at once and the rest wait; `maxOutstandingRequests` bounds running plus waiting, and a request
past it is answered 429. -1 means unbounded, which is the host's default outside the Windows Consumption plan
(there, 100 and 200). funchost keeps Azure's spelling and its default (unbounded).

The scale target is what one worker should carry: `maxConcurrentRequests` when it is set, else
`DEFAULT_HTTP_TARGET`, the per-instance HTTP concurrency Azure's Flex Consumption plan defaults to for a
2048 MB instance (its `perInstanceConcurrency`). docs/scaling.md explains the choice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from funchost.errors import HostJsonError
from funchost.metadata.host_config import HostConfig
from funchost.metadata.spec import lookup

UNBOUNDED = -1
DEFAULT_HTTP_TARGET = 16  # Flex Consumption's default HTTP perInstanceConcurrency (2048 MB instances)


@dataclass(frozen=True)
class HttpConcurrency:
    """The two host.json throttles; None = unbounded (-1 or unset)."""

    max_concurrent_requests: int | None = None
    max_outstanding_requests: int | None = None

    @property
    def scale_target(self) -> int:
        """In-flight requests one worker should carry: the configured concurrency, else Azure's default."""
        return self.max_concurrent_requests or DEFAULT_HTTP_TARGET


def http_concurrency(config: HostConfig) -> HttpConcurrency:
    """The throttles host.json sets; `HostJsonError` names the key and the fix for a bad value."""
    http = config.extension("http")
    where = str(config.path) if config.path else "host.json (defaults)"
    return HttpConcurrency(
        max_concurrent_requests=_limit(where, http, "maxConcurrentRequests"),
        max_outstanding_requests=_limit(where, http, "maxOutstandingRequests"),
    )


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
