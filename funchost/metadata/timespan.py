"""Parsing .NET TimeSpan strings ("00:05:00", "1.02:03:04", "00:00:00.500") as used by host.json and retries."""

from __future__ import annotations

import re

_TIMESPAN = re.compile(
    r"^\s*(?:(?P<days>\d+)\.)?(?P<h>\d{1,2}):(?P<m>\d{1,2}):(?P<s>\d{1,2})(?:\.(?P<frac>\d{1,7}))?\s*$"
)


def parse_timespan(text: str) -> float:
    """Return the number of seconds in a TimeSpan string, or raise ValueError saying the expected form."""
    match = _TIMESPAN.match(text)
    if match is None:
        raise ValueError(f"'{text}' is not a TimeSpan; expected [d.]hh:mm:ss[.fff], e.g. '00:05:00' for five minutes")
    hours, minutes, seconds = int(match["h"]), int(match["m"]), int(match["s"])
    if hours > 23 or minutes > 59 or seconds > 59:
        raise ValueError(f"'{text}' is not a TimeSpan; hours must be 0-23 and minutes/seconds 0-59")
    total = int(match["days"] or 0) * 86400 + hours * 3600 + minutes * 60 + seconds
    fraction: str = match["frac"] or ""
    return total + (int(fraction) / 10 ** len(fraction) if fraction else 0.0)
