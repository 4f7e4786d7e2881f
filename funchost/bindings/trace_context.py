"""The W3C trace context of one invocation (`context.trace_context`), as the Functions host gives it.

The host runs every invocation in its own Activity, so `Traceparent` is never empty: `00-<trace id>-<span id>-<flags>`
with a span id of its own. An HTTP request that carries a valid `traceparent` header makes the invocation its child
(same trace id and flags; `tracestate` passed on); anything else starts a new trace.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping

from funchost.bindings.context import TraceContext

_TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")
_SAMPLED = "01"  # a new trace is recorded, as the host's default sampler does


def invocation_trace(headers: Mapping[str, str] | None = None) -> TraceContext:
    """A new span: a child of the request's `traceparent` when it is valid, else the root of a new trace."""
    parent = (headers or {}).get("traceparent", "").strip().lower()
    found = _TRACEPARENT.fullmatch(parent)
    if found is not None and found[1] != "0" * 32 and found[2] != "0" * 16:
        trace_id, flags, state = found[1], found[3], (headers or {}).get("tracestate", "")
    else:
        trace_id, flags, state = secrets.token_hex(16), _SAMPLED, ""
    return TraceContext(f"00-{trace_id}-{secrets.token_hex(8)}-{flags}", state)
