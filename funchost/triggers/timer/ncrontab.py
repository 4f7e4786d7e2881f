"""Timer schedules: parsing NCRONTAB / cron / TimeSpan expressions and computing their next occurrence.

Owns the meaning of a timer trigger's ``schedule`` string and of the time zone it is read in:

* NCRONTAB, six fields ``{second} {minute} {hour} {day} {month} {day-of-week}`` (what Azure accepts), and
  classic five-field cron ``{minute} {hour} {day} {month} {day-of-week}`` (second 0). Each field takes ``*``,
  ``a``, ``a-b``, ``*/n``, ``a-b/n``, ``a/n`` (``a`` to the field's maximum, every ``n``) and comma lists of
  those; months take ``Jan``..``Dec`` and days of week ``Sun``..``Sat`` (or full names, any case); day of week
  is 0-6 with 0 and 7 both Sunday.
* Day of month and day of week: a day must match **both** fields. Azure's timer trigger parses schedules with
  NCrontab (atifaziz/NCrontab, ``CrontabSchedule.TryParse`` with ``IncludingSeconds = true`` in the WebJobs
  extensions' ``CronSchedule.TryCreate``), and NCrontab's ``TryGetNextOccurrence`` first picks a day of month
  and then rejects it unless ``_daysOfWeek.Contains(nextTime.DayOfWeek)``: an AND, unlike Vixie cron's OR.
  So ``0 0 9 13 * Fri`` is "09:00 on every Friday the 13th".
* TimeSpan ``hh:mm:ss`` (also ``hh:mm``, ``d.hh:mm:ss`` and ``d:hh:mm:ss``): a fixed interval, the next
  occurrence is the given moment plus the interval (Azure's ``ConstantSchedule``), read by the same .NET
  ``TimeSpan.Parse`` grammar as host.json (funchost/metadata/timespan.py). As Azure documents, when the first
  number of ``a:b:c`` is 24 or more the string reads ``dd:hh:mm`` (``"24:00:00"`` is 24 days).
* The time zone: ``WEBSITE_TIME_ZONE``, else ``TZ``, else UTC (:func:`schedule_timezone`).

Daylight saving time. Cron fields are local wall-clock times, computed in wall time and mapped to real
instants as follows (in the spirit of Vixie cron / cronie and of the .NET library Cronos: skipped times are
not lost, interval-like schedules keep their pace, fixed times of day do not run twice):

* When the hour field is ``*`` (all 24 hours) the schedule is periodic and follows the clock: it fires at
  every real instant whose local time matches. Local times skipped by a spring-forward jump do not happen;
  local times repeated by a fall-back happen twice, so ``0 */5 * * * *`` keeps firing every 5 real minutes.
* Otherwise the schedule names times of day and each matching local time fires exactly once: a time skipped
  by a spring-forward jump fires at the jump (``0 30 2 * * *`` fires at 03:00 on that day in New York);
  a repeated time fires only in its first pass.

Results are returned in the time zone of the given moment, with ``fold`` set for the second pass of a
repeated hour. Python ignores ``fold`` when comparing or subtracting two datetimes of the *same* zone, so
callers measuring waits across a DST change should compare in UTC.
"""

from __future__ import annotations

import calendar
import os
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from funchost.errors import ScheduleError
from funchost.metadata.timespan import TimeSpanError, parse_timedelta

__all__ = ["FORMAT_HINT", "CronSchedule", "IntervalSchedule", "Schedule", "parse_schedule", "schedule_timezone"]

FORMAT_HINT = (
    'expected "{second} {minute} {hour} {day} {month} {day-of-week}" (NCRONTAB, e.g. "0 */5 * * * *" '
    'for every 5 minutes), a 5-field cron expression without seconds, or a TimeSpan "hh:mm:ss" '
    '(e.g. "00:05:00")'
)

_SECOND = timedelta(seconds=1)
_MICROSECOND = timedelta(microseconds=1)
_YEARS_SEARCHED = 401  # the Gregorian calendar (weekdays included) repeats every 400 years
_MAX_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH_NAMES = tuple(calendar.month_name[1:])  # January..December
_DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


class Schedule(Protocol):
    """A parsed timer schedule."""

    @property
    def expression(self) -> str:
        """The schedule string as written by the user."""
        ...

    def next_after(self, moment: datetime) -> datetime:
        """The first occurrence strictly after ``moment`` (timezone-aware), in ``moment``'s time zone."""
        ...


# -- time zone ---------------------------------------------------------------------------------------------


def schedule_timezone(environ: Mapping[str, str] | None = None) -> tzinfo:
    """The zone schedules are read in: ``WEBSITE_TIME_ZONE``, else ``TZ`` (IANA names), else UTC."""
    env = os.environ if environ is None else environ
    for setting in ("WEBSITE_TIME_ZONE", "TZ"):
        value = env.get(setting, "").strip()
        if value:
            return _zone(setting, value)
    return UTC


def _zone(setting: str, value: str) -> tzinfo:
    name = value[1:] if setting == "TZ" and value.startswith(":") else value  # POSIX allows TZ=":Area/City"
    if name in ("UTC", "Etc/UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ScheduleError(
            f"setting {setting}={value!r} is not a known IANA time zone name; use a name such as "
            "'America/New_York', 'Europe/Berlin' or 'UTC' (Windows zone names such as 'Eastern Standard Time' "
            "only work on Windows plans), or remove the setting to use UTC"
        ) from None


# -- parsing -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FieldSpec:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # full names of low, low+1, ... matched case-insensitively, in full or first 3

    def value_of(self, token: str, expression: str) -> int:
        if token.isascii() and token.isdigit():
            value = int(token)
        else:
            value = self._named(token, expression)
        if not self.low <= value <= self.high:
            raise _field_error(expression, f"field '{self.name}' value '{token}' is outside {self.range_text}")
        return value

    def _named(self, token: str, expression: str) -> int:
        lowered = token.lower()
        for offset, full in enumerate(self.names):
            if lowered in (full.lower(), full[:3].lower()):
                return self.low + offset
        if self.names:
            allowed = f"a number {self.range_text} or a name {self.names[0][:3]}..{self.names[-1][:3]}"
        else:
            allowed = f"a number {self.range_text}"
        raise _field_error(expression, f"field '{self.name}' value '{token}' is not {allowed}")

    @property
    def range_text(self) -> str:
        return f"{self.low}-{self.high}"


_FIELDS = (
    _FieldSpec("second", 0, 59),
    _FieldSpec("minute", 0, 59),
    _FieldSpec("hour", 0, 23),
    _FieldSpec("day", 1, 31),
    _FieldSpec("month", 1, 12, _MONTH_NAMES),
    _FieldSpec("day-of-week", 0, 7, _DAY_NAMES),  # 7 is Sunday again
)


def _field_error(expression: str, problem: str) -> ScheduleError:
    return ScheduleError(f"invalid schedule '{expression}': {problem}; {FORMAT_HINT}")


def _parse_field(spec: _FieldSpec, text: str, expression: str) -> tuple[int, ...]:
    values: set[int] = set()
    for element in text.split(","):
        values.update(_parse_element(spec, element, expression))
    if spec.name == "day-of-week" and 7 in values:
        values.discard(7)
        values.add(0)
    return tuple(sorted(values))


def _parse_element(spec: _FieldSpec, element: str, expression: str) -> range:
    if not element:
        raise _field_error(expression, f"field '{spec.name}' has an empty list element")
    base, slash, step_text = element.partition("/")
    step = 1
    if slash:
        if not (step_text.isascii() and step_text.isdigit()) or int(step_text) < 1:
            raise _field_error(
                expression, f"field '{spec.name}' step '{step_text}' in '{element}' must be a whole number of 1 or more"
            )
        step = int(step_text)
    top = 6 if spec.name == "day-of-week" else spec.high  # "*" and "a/n" stop at Saturday, as in NCrontab
    if base == "*":
        return range(spec.low, top + 1, step)
    first_text, dash, last_text = base.partition("-")
    if not first_text or (dash and not last_text):
        raise _field_error(expression, f"field '{spec.name}' element '{element}' is not a value, range or step")
    first = spec.value_of(first_text, expression)
    if dash:
        last = spec.value_of(last_text, expression)
        if first > last:
            raise _field_error(expression, f"field '{spec.name}' range '{base}' starts after it ends")
    else:
        last = top if slash else first  # "a/n" runs from a to the field's maximum
    return range(first, last + 1, step)


def parse_schedule(expression: str) -> Schedule:
    """Parse a timer schedule (NCRONTAB, 5-field cron or TimeSpan); raises :class:`ScheduleError`."""
    text = expression.strip()
    if not text:
        raise ScheduleError(f"the schedule is empty; {FORMAT_HINT}")
    fields = text.split()
    if len(fields) == 1 and ":" in text:
        return IntervalSchedule(expression, _parse_timespan(expression, text))
    if len(fields) == 5:
        fields.insert(0, "0")
    elif len(fields) != 6:
        raise ScheduleError(
            f"invalid schedule '{expression}': it has {len(fields)} field{'s' if len(fields) != 1 else ''}, "
            f"but 6 (NCRONTAB, with seconds) or 5 (cron, without seconds) are accepted; {FORMAT_HINT}"
        )
    parsed = [_parse_field(spec, field, expression) for spec, field in zip(_FIELDS, fields, strict=True)]
    schedule = CronSchedule(expression, *parsed)
    schedule.check_possible()
    return schedule


def _parse_timespan(expression: str, text: str) -> timedelta:
    """.NET's TimeSpan.Parse, as Azure's timer reads a schedule that is not cron (funchost/metadata/timespan.py)."""
    try:
        interval = parse_timedelta(text)
    except TimeSpanError as exc:
        if exc.part is None:
            raise ScheduleError(
                f"invalid schedule '{expression}': not a TimeSpan 'hh:mm:ss' nor a cron expression; {FORMAT_HINT}"
            ) from None
        unit, value, limit = exc.part
        raise ScheduleError(
            f"invalid schedule '{expression}': TimeSpan {unit} '{value}' is outside 0-{limit} "
            "(write 'hh:mm:ss', or 'd.hh:mm:ss' for days)"
        ) from None
    if interval <= timedelta(0):
        raise ScheduleError(f"invalid schedule '{expression}': a TimeSpan schedule must be longer than zero")
    return interval


# -- schedules ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntervalSchedule:
    """A TimeSpan schedule: fires every ``interval`` of real time after the moment it is asked about."""

    expression: str
    interval: timedelta

    def next_after(self, moment: datetime) -> datetime:
        zone = _zone_of(moment)
        return (moment.astimezone(UTC) + self.interval).astimezone(zone)


@dataclass(frozen=True)
class CronSchedule:
    """An NCRONTAB / cron schedule; each field is the sorted tuple of its allowed values (Sunday is 0)."""

    expression: str
    seconds: tuple[int, ...]
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: tuple[int, ...]
    months: tuple[int, ...]
    days_of_week: tuple[int, ...]

    @property
    def follows_clock(self) -> bool:
        """True when every hour matches: a periodic schedule that follows the local clock through DST."""
        return len(self.hours) == 24

    def check_possible(self) -> None:
        """Raise :class:`ScheduleError` when no month of the schedule has any of its days (``31 2``)."""
        if any(day <= _MAX_DAYS_IN_MONTH[month - 1] for month in self.months for day in self.days):
            return
        days = ",".join(map(str, self.days))
        days_text = f"day {days} does" if len(self.days) == 1 else f"days {days} do"
        months = ", ".join(_MONTH_NAMES[month - 1] for month in self.months)
        raise ScheduleError(
            f"invalid schedule '{self.expression}': it never fires, {days_text} not exist in {months}; {FORMAT_HINT}"
        )

    def next_after(self, moment: datetime) -> datetime:
        zone = _zone_of(moment)
        moment_utc = moment.astimezone(UTC).replace(tzinfo=None)
        wall = moment_utc.replace(tzinfo=UTC).astimezone(zone)  # normalised: a real local time, fold set
        try:
            if self.follows_clock:
                found = self._next_following_clock(wall, moment_utc, zone)
            else:
                found = self._next_time_of_day(wall.replace(tzinfo=None), moment_utc, zone)
        except (OverflowError, ValueError):  # past datetime.max (year 9999)
            raise ScheduleError(f"schedule '{self.expression}' has no occurrence after {moment.isoformat()}") from None
        return found.replace(tzinfo=UTC).astimezone(zone)

    # Instants below are naive UTC datetimes; wall times are naive local datetimes.

    def _next_time_of_day(self, wall: datetime, moment_utc: datetime, zone: tzinfo) -> datetime:
        """Each matching wall time once: skipped ones at the jump, repeated ones in their first pass."""
        while True:
            wall = self._next_wall(wall)
            local = _classify(wall, zone)
            instant = local.jump_instant(zone) if local.is_gap else wall - local.first_offset
            if instant > moment_utc:
                return instant
            if local.is_ambiguous:  # the moment is in the second pass: the rest of the stretch has fired
                wall = local.repeated_walls(zone)[1] - _MICROSECOND

    def _next_following_clock(self, moment: datetime, moment_utc: datetime, zone: tzinfo) -> datetime:
        """Every real instant whose wall time matches (none in a skipped hour, two in a repeated one)."""
        wall = moment.replace(tzinfo=None, fold=0)
        local = _classify(wall, zone)
        if local.is_ambiguous:
            # The moment is in a repeated stretch [start, end) of wall time: finish it before going on.
            start, end = local.repeated_walls(zone)
            in_first_pass = moment_utc == wall - local.first_offset
            if in_first_pass:
                candidate = self._next_wall(wall)
                if candidate < end:
                    return candidate - local.first_offset
                candidate = self._next_wall(start - _MICROSECOND)
            else:
                candidate = self._next_wall(wall)
            if candidate < end:
                return candidate - local.second_offset
            wall = end - _MICROSECOND
        while True:
            wall = self._next_wall(wall)
            local = _classify(wall, zone)
            if local.is_gap:
                wall = local.jump_instant(zone) + local.second_offset - _MICROSECOND  # skip the missing hour
                continue
            instant = wall - local.first_offset
            if instant > moment_utc:
                return instant

    def _next_wall(self, after: datetime) -> datetime:
        """The first wall time (whole seconds) strictly after ``after`` that matches every field."""
        moment = after.replace(microsecond=0) + _SECOND
        last_year = after.year + _YEARS_SEARCHED
        while True:
            if moment.year > last_year:
                raise ScheduleError(f"schedule '{self.expression}' has no occurrence after {after.isoformat()}")
            if moment.month not in self.months:
                month = _next_value(self.months, moment.month)
                moment = datetime(moment.year, month, 1) if month else datetime(moment.year + 1, self.months[0], 1)
                continue
            day = self._next_day(moment.year, moment.month, moment.day)
            if day is None:
                moment = _first_of_next_month(moment)
                continue
            if day != moment.day:
                moment = datetime(moment.year, moment.month, day)
                continue
            if moment.hour not in self.hours:
                hour = _next_value(self.hours, moment.hour)
                if hour is None:
                    moment = datetime(moment.year, moment.month, moment.day) + timedelta(days=1)
                else:
                    moment = moment.replace(hour=hour, minute=0, second=0)
                continue
            if moment.minute not in self.minutes:
                minute = _next_value(self.minutes, moment.minute)
                if minute is None:
                    moment = moment.replace(minute=0, second=0) + timedelta(hours=1)
                else:
                    moment = moment.replace(minute=minute, second=0)
                continue
            if moment.second not in self.seconds:
                second = _next_value(self.seconds, moment.second)
                if second is None:
                    moment = moment.replace(second=0) + timedelta(minutes=1)
                else:
                    moment = moment.replace(second=second)
                continue
            return moment

    def _next_day(self, year: int, month: int, day: int) -> int | None:
        """The first day >= ``day`` of this month matching both day of month and day of week (NCrontab: AND)."""
        last = calendar.monthrange(year, month)[1]
        for candidate in self.days[bisect_left(self.days, day) :]:
            if candidate > last:
                return None
            if (calendar.weekday(year, month, candidate) + 1) % 7 in self.days_of_week:
                return candidate
        return None


def _next_value(values: tuple[int, ...], current: int) -> int | None:
    """The first allowed value >= ``current``, or None."""
    index = bisect_left(values, current)
    return values[index] if index < len(values) else None


def _first_of_next_month(moment: datetime) -> datetime:
    return datetime(moment.year + 1, 1, 1) if moment.month == 12 else datetime(moment.year, moment.month + 1, 1)


def _zone_of(moment: datetime) -> tzinfo:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"next_after needs a timezone-aware datetime, got {moment.isoformat()}")
    return moment.tzinfo


# -- wall time versus real time ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _LocalTime:
    """How a wall time maps to real time in a zone, by PEP 495: fold=0 reads it with the offset in force
    before a change (``first_offset``), fold=1 with the offset after it (``second_offset``)."""

    wall: datetime
    first_offset: timedelta
    second_offset: timedelta

    @property
    def is_gap(self) -> bool:
        """Skipped by a jump forward (the later offset is larger)."""
        return self.second_offset > self.first_offset

    @property
    def is_ambiguous(self) -> bool:
        """Repeated by a jump back: at ``wall - first_offset`` and again at ``wall - second_offset``."""
        return self.second_offset < self.first_offset

    def jump_instant(self, zone: tzinfo) -> datetime:
        """For a skipped wall time: the instant (UTC) at which the clock jumped over it."""
        return _change_between(self.wall - self.second_offset, self.wall - self.first_offset, self.second_offset, zone)

    def repeated_walls(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """For a repeated wall time: the stretch [start, end) of wall time that happens twice."""
        change = _change_between(
            self.wall - self.first_offset, self.wall - self.second_offset, self.second_offset, zone
        )
        return change + self.second_offset, change + self.first_offset


def _classify(wall: datetime, zone: tzinfo) -> _LocalTime:
    first = wall.replace(tzinfo=zone, fold=0).utcoffset()
    second = wall.replace(tzinfo=zone, fold=1).utcoffset()
    assert first is not None and second is not None  # the zone came from an aware datetime
    return _LocalTime(wall, first, second)


def _offset_at(instant: datetime, zone: tzinfo) -> timedelta | None:
    return instant.replace(tzinfo=UTC).astimezone(zone).utcoffset()


def _change_between(low: datetime, high: datetime, offset: timedelta, zone: tzinfo) -> datetime:
    """The first whole-second instant in (low, high] whose offset is ``offset`` (the zone changes once there)."""
    low_s, high_s = 0, int((high - low).total_seconds())
    while high_s - low_s > 1:
        middle = (low_s + high_s) // 2
        if _offset_at(low + timedelta(seconds=middle), zone) == offset:
            high_s = middle
        else:
            low_s = middle
    return low + timedelta(seconds=high_s)
