"""The one .NET TimeSpan parser (`TimeSpan.Parse`, invariant culture), used by host.json, retry options and the
timer trigger's TimeSpan schedules.

The grammar is `[ws][-]{ d | [d.]hh:mm[:ss[.ff]] }[ws]`: a bare number is days ("1" is one day), "00:05" is five
minutes, "00:00:00.5" half a second; hours are 0-23, minutes and seconds 0-59, days at most 10675199 and the
fraction has one to seven digits. As .NET, "d:hh:mm:ss" also reads days first ("6:12:14:45"), and in "a:b:c"
with a first number of 24 or more and no fraction the number is days ("24:00:00" is 24 days, as Azure documents
for timer schedules); "24:00" is refused (hours out of range). Out-of-range parts fail naming the part.
"""

from __future__ import annotations

import re
from datetime import timedelta

from funchost.errors import ConfigurationError

MAX_DAYS = 10675199  # TimeSpan.MaxValue.Days
FORM = "[d.]hh:mm[:ss[.fffffff]] or a number of days"
_TIMESPAN = re.compile(
    r"(?P<neg>-)?(?:"
    r"(?P<days>\d+)"
    r"|(?P<d4>\d+):(?P<h4>\d+):(?P<m4>\d+):(?P<s4>\d+)(?:\.(?P<f4>\d{1,7}))?"
    r"|(?:(?P<d>\d+)\.)?(?P<h>\d+):(?P<m>\d+)(?::(?P<s>\d+)(?:\.(?P<f>\d{1,7}))?)?"
    r")"
)


class TimeSpanError(ConfigurationError, ValueError):
    """Not a TimeSpan, or a part outside its range; the message names the text and the part (`part` is
    (unit, value, limit) for a range error, None for a string of the wrong form)."""

    def __init__(self, message: str, part: tuple[str, int, int] | None = None) -> None:
        super().__init__(message)
        self.part = part


def parse_timedelta(text: str) -> timedelta:
    """A TimeSpan string → timedelta (may be negative); `TimeSpanError` saying the expected form or the bad part."""
    match = _TIMESPAN.fullmatch(text.strip())
    if match is None:
        raise TimeSpanError(f"'{text}' is not a TimeSpan; expected {FORM}, e.g. '00:05:00' for five minutes")
    if match["days"] is not None:
        days, hours, minutes, seconds, fraction = int(match["days"]), 0, 0, 0, ""
    elif match["d4"] is not None:
        days, hours, minutes, seconds = (int(match[k]) for k in ("d4", "h4", "m4", "s4"))
        fraction = match["f4"] or ""
    else:
        days, hours, minutes = int(match["d"] or 0), int(match["h"]), int(match["m"])
        seconds, fraction = int(match["s"] or 0), match["f"] or ""
        if match["d"] is None and match["s"] is not None and not fraction and hours >= 24:
            days, hours, minutes, seconds = hours, minutes, seconds, 0  # "a:b:c" with a >= 24 reads d:hh:mm
    parts = (("days", days, MAX_DAYS), ("hours", hours, 23), ("minutes", minutes, 59), ("seconds", seconds, 59))
    for unit, value, limit in parts:
        if value > limit:
            raise TimeSpanError(
                f"'{text}' is not a TimeSpan; its {unit} '{value}' are outside 0-{limit}", (unit, value, limit)
            )
    ticks = int(fraction.ljust(7, "0")) if fraction else 0  # 100 ns ticks
    span = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds, microseconds=ticks / 10)
    return -span if match["neg"] else span


def parse_timespan(text: str) -> float:
    """Seconds of a TimeSpan string that must not be negative (host.json, retries); `TimeSpanError` otherwise."""
    span = parse_timedelta(text)
    if span < timedelta(0):
        raise TimeSpanError(f"'{text}' is a negative TimeSpan; expected {FORM}")
    return span.total_seconds()
