"""Timer schedules: NCRONTAB / cron / TimeSpan parsing, next occurrences, DST, time zone settings, errors."""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from funchost.errors import ScheduleError
from funchost.triggers.timer.ncrontab import (
    FORMAT_HINT,
    CronSchedule,
    IntervalSchedule,
    parse_schedule,
    schedule_timezone,
)

NEW_YORK = ZoneInfo("America/New_York")  # 2024: jumps 02:00->03:00 on Mar 10, 02:00->01:00 on Nov 3
BERLIN = ZoneInfo("Europe/Berlin")  # 2024: jumps 02:00->03:00 on Mar 31, 03:00->02:00 on Oct 27
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # half-hour DST: 02:00->02:30 on Oct 6 2024, 02:00->01:30 Apr 7


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def cron(expression: str) -> CronSchedule:
    schedule = parse_schedule(expression)
    assert isinstance(schedule, CronSchedule)
    return schedule


def occurrences(expression: str, start: datetime, count: int) -> list[datetime]:
    schedule = parse_schedule(expression)
    found = []
    moment = start
    for _ in range(count):
        moment = schedule.next_after(moment)
        found.append(moment)
    return found


def iso(moments: list[datetime]) -> list[str]:
    return [moment.isoformat() for moment in moments]


# -- parsing -----------------------------------------------------------------------------------------------

ALL_SECONDS = tuple(range(60))


@pytest.mark.parametrize(
    ("expression", "field", "values"),
    [
        ("* * * * * *", "seconds", ALL_SECONDS),
        ("0 */5 * * * *", "minutes", tuple(range(0, 60, 5))),
        ("0 */5 * * * *", "seconds", (0,)),
        ("*/15 * * * * *", "seconds", (0, 15, 30, 45)),
        ("5/20 * * * * *", "seconds", (5, 25, 45)),
        ("0 10-20/5 * * * *", "minutes", (10, 15, 20)),
        ("0 0 1,3,5-7 * * *", "hours", (1, 3, 5, 6, 7)),
        ("0 0 23,1,1,12 * * *", "hours", (1, 12, 23)),
        ("0 0 0 1-31/10 * *", "days", (1, 11, 21, 31)),
        ("0 0 0 * Jan-Mar *", "months", (1, 2, 3)),
        ("0 0 0 * jan,JUL,Dec *", "months", (1, 7, 12)),
        ("0 0 0 * February,october *", "months", (2, 10)),
        ("0 0 0 * 2/5 *", "months", (2, 7, 12)),
        ("0 0 0 * * *", "days_of_week", (0, 1, 2, 3, 4, 5, 6)),
        ("0 0 0 * * 7", "days_of_week", (0,)),
        ("0 0 0 * * 0,7", "days_of_week", (0,)),
        ("0 0 0 * * 5-7", "days_of_week", (0, 5, 6)),
        ("0 0 0 * * 0-7", "days_of_week", (0, 1, 2, 3, 4, 5, 6)),
        ("0 0 0 * * Mon-Fri", "days_of_week", (1, 2, 3, 4, 5)),
        ("0 0 0 * * sun,SAT", "days_of_week", (0, 6)),
        ("0 0 0 * * Sunday,wednesday", "days_of_week", (0, 3)),
        ("0 0 0 * * */2", "days_of_week", (0, 2, 4, 6)),
        ("0 0 0 * * 1/2", "days_of_week", (1, 3, 5)),
        # Five fields: classic cron, no seconds field (second 0).
        ("*/5 * * * *", "seconds", (0,)),
        ("*/5 * * * *", "minutes", tuple(range(0, 60, 5))),
        ("30 9 * * Mon-Fri", "hours", (9,)),
        ("30 9 * * Mon-Fri", "days_of_week", (1, 2, 3, 4, 5)),
        ("  0\t*/5  * * * *  ", "minutes", tuple(range(0, 60, 5))),
    ],
)
def test_fields_expand_to_their_values(expression: str, field: str, values: tuple[int, ...]) -> None:
    assert getattr(cron(expression), field) == values


@pytest.mark.parametrize(
    ("expression", "interval"),
    [
        ("00:05:00", timedelta(minutes=5)),
        ("00:00:30", timedelta(seconds=30)),
        ("01:00:00", timedelta(hours=1)),
        ("23:59:59", timedelta(hours=23, minutes=59, seconds=59)),
        ("1.02:03:04", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        ("00:00:00.5", timedelta(milliseconds=500)),
        ("02:30", timedelta(hours=2, minutes=30)),
        ("24:00:00", timedelta(days=24)),  # Azure: "dd:hh:mm" when the first number is 24 or more
        ("30:12:15", timedelta(days=30, hours=12, minutes=15)),
        (" 00:05:00 ", timedelta(minutes=5)),
    ],
)
def test_timespan_schedules_are_fixed_intervals(expression: str, interval: timedelta) -> None:
    schedule = parse_schedule(expression)
    assert isinstance(schedule, IntervalSchedule)
    assert schedule.interval == interval
    assert schedule.expression == expression


def test_expression_is_kept_as_written() -> None:
    assert parse_schedule(" 0 */5 * * * * ").expression == " 0 */5 * * * * "


# -- errors ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("", ["the schedule is empty"]),
        ("   ", ["the schedule is empty"]),
        ("* * * *", ["'* * * *'", "it has 4 fields", "6 (NCRONTAB, with seconds) or 5 (cron, without seconds)"]),
        ("0 0 0 * * * *", ["it has 7 fields"]),
        ("hourly", ["'hourly'", "it has 1 field,"]),
        ("0 0 25 * * *", ["'0 0 25 * * *'", "field 'hour' value '25' is outside 0-23"]),
        ("60 * * * * *", ["field 'second' value '60' is outside 0-59"]),
        ("0 60 * * * *", ["field 'minute' value '60' is outside 0-59"]),
        ("0 0 0 0 * *", ["field 'day' value '0' is outside 1-31"]),
        ("0 0 0 32 * *", ["field 'day' value '32' is outside 1-31"]),
        ("0 0 0 * 13 *", ["field 'month' value '13' is outside 1-12"]),
        ("0 0 0 * 0 *", ["field 'month' value '0' is outside 1-12"]),
        ("0 0 0 * * 8", ["field 'day-of-week' value '8' is outside 0-7"]),
        ("0 0 0 * Foo *", ["field 'month' value 'Foo' is not a number 1-12 or a name Jan..Dec"]),
        ("0 0 0 * * Funday", ["field 'day-of-week' value 'Funday' is not a number 0-7 or a name Sun..Sat"]),
        ("0 0 0 * * Ju", ["value 'Ju' is not"]),
        ("0 0 Mon * * *", ["field 'hour' value 'Mon' is not a number 0-23"]),
        ("0 0 0 * * Jan", ["field 'day-of-week' value 'Jan' is not"]),
        ("0 */0 * * * *", ["field 'minute' step '0' in '*/0' must be a whole number of 1 or more"]),
        ("0 */x * * * *", ["field 'minute' step 'x'"]),
        ("0 0 5-2 * * *", ["field 'hour' range '5-2' starts after it ends"]),
        ("0 1,,2 * * * *", ["field 'minute' has an empty list element"]),
        ("0 1, * * * *", ["field 'minute' has an empty list element"]),
        ("0 -5 * * * *", ["field 'minute' element '-5' is not a value, range or step"]),
        ("0 5- * * * *", ["field 'minute' element '5-' is not a value, range or step"]),
        ("0 ? * * * *", ["field 'minute' value '?' is not a number 0-59"]),
        ("0 0 0 L * *", ["field 'day' value 'L' is not a number 1-31"]),
        ("0 0 0 ３ * *", ["field 'day' value '３' is not a number"]),  # a full-width digit
        ("0 0 0 31 2 *", ["'0 0 0 31 2 *'", "never fires", "day 31 does not exist in February"]),
        ("0 0 0 30,31 Feb *", ["days 30,31 do not exist in February"]),
        ("0 0 0 31 4,6,9,11 *", ["day 31 does not exist in April, June, September, November"]),
        ("25:00", ["TimeSpan hours '25' is outside 0-23"]),
        ("00:60:00", ["TimeSpan minutes '60' is outside 0-59"]),
        ("00:00:60", ["TimeSpan seconds '60' is outside 0-59"]),
        ("1.24:00:00", ["TimeSpan hours '24' is outside 0-23"]),
        ("00:00:00", ["a TimeSpan schedule must be longer than zero"]),
        ("5:x:00", ["'5:x:00'", "not a TimeSpan 'hh:mm:ss' nor a cron expression"]),
        ("-00:05:00", ["a TimeSpan schedule must be longer than zero"]),  # .NET parses the sign
    ],
)
def test_invalid_schedules_explain_what_is_wrong(expression: str, expected: list[str]) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(expression)
    message = str(caught.value)
    for part in expected:
        assert part in message


@pytest.mark.parametrize("expression", ["0 0 25 * * *", "* * * *", "0 0 0 31 2 *", "5:x:00", ""])
def test_errors_show_the_expected_format(expression: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(expression)
    assert FORMAT_HINT in str(caught.value)
    assert "{second} {minute} {hour} {day} {month} {day-of-week}" in FORMAT_HINT
    assert '"0 */5 * * * *"' in FORMAT_HINT


@pytest.mark.parametrize(
    ("expression", "dates"),
    [
        ("0 0 0 31 2,3 *", ["2024-03-31", "2025-03-31", "2026-03-31"]),  # February never has a 31st
        ("0 0 0 29 2 *", ["2024-02-29", "2028-02-29", "2032-02-29"]),  # leap years only
        ("0 0 0 30 * *", ["2024-01-30", "2024-03-30", "2024-04-30"]),  # February skipped
        ("0 0 0 31 * Mon", ["2025-03-31", "2026-08-31", "2027-05-31"]),  # NCrontab: day AND weekday
    ],
)
def test_possible_schedules_with_month_ends_parse_and_fire_on_the_days_that_have_them(
    expression: str, dates: list[str]
) -> None:
    schedule, moment, found = parse_schedule(expression), datetime(2024, 1, 1, tzinfo=UTC), []
    for _ in dates:
        moment = schedule.next_after(moment)
        found.append(moment)
    assert [m.date().isoformat() for m in found] == dates
    assert all(m.time() == datetime.min.time() for m in found)


@pytest.mark.parametrize("expression", ["0 * * * * *", "00:05:00"])
def test_naive_moments_are_refused(expression: str) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_schedule(expression).next_after(datetime(2024, 1, 1))


def test_no_occurrence_before_year_10000_is_a_schedule_error() -> None:
    with pytest.raises(ScheduleError, match="has no occurrence after"):
        parse_schedule("0 0 0 1 1 *").next_after(datetime(9999, 6, 1, tzinfo=UTC))


# -- next occurrence, UTC ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "moment", "expected"),
    [
        # strictly after, whole seconds
        ("0 */5 * * * *", "2024-01-01T00:00:00", "2024-01-01T00:05:00"),
        ("0 */5 * * * *", "2024-01-01T00:04:59.999999", "2024-01-01T00:05:00"),
        ("0 */5 * * * *", "2024-01-01T00:05:00.000001", "2024-01-01T00:10:00"),
        ("* * * * * *", "2024-01-01T00:00:00.5", "2024-01-01T00:00:01"),
        ("* * * * * *", "2024-12-31T23:59:59", "2025-01-01T00:00:00"),
        ("*/5 * * * *", "2024-01-01T00:07:30", "2024-01-01T00:10:00"),
        ("30 * * * * *", "2024-01-01T10:00:30", "2024-01-01T10:01:30"),
        ("0 0 * * * *", "2024-01-01T23:30:00", "2024-01-02T00:00:00"),
        ("0 30 9 * * *", "2024-01-01T09:30:00", "2024-01-02T09:30:00"),
        ("0 30 9 * * *", "2024-01-01T09:29:59", "2024-01-01T09:30:00"),
        # weekdays: 2024-01-05 is a Friday
        ("0 30 9 * * Mon-Fri", "2024-01-05T10:00:00", "2024-01-08T09:30:00"),
        ("0 0 12 * * 0", "2024-01-01T00:00:00", "2024-01-07T12:00:00"),
        ("0 0 12 * * 7", "2024-01-01T00:00:00", "2024-01-07T12:00:00"),
        ("0 0 12 * * Sun", "2024-01-07T12:00:00", "2024-01-14T12:00:00"),
        # month ends
        ("0 0 0 31 * *", "2024-01-31T00:00:00", "2024-03-31T00:00:00"),
        ("0 0 0 30 * *", "2024-01-30T00:00:00", "2024-03-30T00:00:00"),
        ("0 0 0 31 * *", "2024-04-01T00:00:00", "2024-05-31T00:00:00"),
        ("0 0 0 31 2,3 *", "2024-01-01T00:00:00", "2024-03-31T00:00:00"),
        ("0 0 0 1 * *", "2024-12-15T00:00:00", "2025-01-01T00:00:00"),
        ("0 59 23 31 12 *", "2024-12-31T23:59:00", "2025-12-31T23:59:00"),
        # leap years (2100 is not one)
        ("0 0 0 29 2 *", "2023-03-01T00:00:00", "2024-02-29T00:00:00"),
        ("0 0 0 29 2 *", "2024-02-29T00:00:00", "2028-02-29T00:00:00"),
        ("0 0 0 29 2 *", "2096-03-01T00:00:00", "2104-02-29T00:00:00"),
        # day of month AND day of week (NCrontab), not OR (Vixie cron)
        ("0 0 9 13 * Fri", "2024-01-01T00:00:00", "2024-09-13T09:00:00"),
        ("0 0 9 13 * Fri", "2024-09-13T09:00:00", "2024-12-13T09:00:00"),
        ("0 0 0 1-7 * Mon", "2024-01-02T00:00:00", "2024-02-05T00:00:00"),
        ("0 0 0 29 2 Mon", "2024-01-01T00:00:00", "2044-02-29T00:00:00"),
        ("0 0 0 31 * Sat", "2024-01-01T00:00:00", "2024-08-31T00:00:00"),
        # steps
        ("0 0 */6 * * *", "2024-01-01T05:00:00", "2024-01-01T06:00:00"),
        ("0 0 */6 * * *", "2024-01-01T18:00:00", "2024-01-02T00:00:00"),
        ("15/20 * * * * *", "2024-01-01T00:00:55", "2024-01-01T00:01:15"),
        ("0 0 0 * 2/5 *", "2024-03-01T00:00:00", "2024-07-01T00:00:00"),
    ],
)
def test_next_occurrence_in_utc(expression: str, moment: str, expected: str) -> None:
    assert parse_schedule(expression).next_after(utc(moment)) == utc(expected)


def test_result_keeps_the_moment_time_zone() -> None:
    plus_two = timezone(timedelta(hours=2))
    found = parse_schedule("0 0 12 * * *").next_after(datetime(2024, 1, 1, 13, 0, tzinfo=plus_two))
    assert found.tzinfo is plus_two
    assert found == datetime(2024, 1, 2, 12, 0, tzinfo=plus_two)


def test_sequence_of_occurrences() -> None:
    assert iso(occurrences("0 0 9,17 * * Mon-Fri", utc("2024-01-05T12:00:00"), 4)) == [
        "2024-01-05T17:00:00+00:00",
        "2024-01-08T09:00:00+00:00",
        "2024-01-08T17:00:00+00:00",
        "2024-01-09T09:00:00+00:00",
    ]


@pytest.mark.parametrize(
    ("expression", "moment", "expected"),
    [
        ("00:05:00", "2024-01-01T10:02:03.250", "2024-01-01T10:07:03.250"),
        ("1.00:00:00", "2024-02-28T12:00:00", "2024-02-29T12:00:00"),
        ("24:00:00", "2024-01-01T00:00:00", "2024-01-25T00:00:00"),
    ],
)
def test_timespan_next_is_moment_plus_interval(expression: str, moment: str, expected: str) -> None:
    assert parse_schedule(expression).next_after(utc(moment)) == utc(expected)


def test_timespan_counts_real_time_across_dst() -> None:
    before = datetime(2024, 3, 10, 1, 30, tzinfo=NEW_YORK)
    after = parse_schedule("01:00:00").next_after(before)
    assert after.tzinfo is NEW_YORK
    assert after.replace(tzinfo=None) == datetime(2024, 3, 10, 3, 30)
    assert after.astimezone(UTC) - before.astimezone(UTC) == timedelta(hours=1)


# -- daylight saving time ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "expression", "start", "expected"),
    [
        # Periodic (hour "*"): follows the clock. New York skips 02:00-02:59 on Mar 10 2024 ...
        (
            NEW_YORK,
            "0 */30 * * * *",
            "2024-03-10T01:00:00-05:00",
            ["2024-03-10T01:30:00-05:00", "2024-03-10T03:00:00-04:00", "2024-03-10T03:30:00-04:00"],
        ),
        # ... and repeats 01:00-01:59 on Nov 3 2024: both passes fire.
        (
            NEW_YORK,
            "0 */30 * * * *",
            "2024-11-03T00:30:00-04:00",
            [
                "2024-11-03T01:00:00-04:00",
                "2024-11-03T01:30:00-04:00",
                "2024-11-03T01:00:00-05:00",
                "2024-11-03T01:30:00-05:00",
                "2024-11-03T02:00:00-05:00",
            ],
        ),
        # A periodic schedule matching only inside the repeated hour fires in both passes.
        (
            NEW_YORK,
            "0 45 * * * *",
            "2024-11-03T01:50:00-04:00",
            ["2024-11-03T01:45:00-05:00", "2024-11-03T02:45:00-05:00"],
        ),
        # Asked from inside the second pass.
        (
            NEW_YORK,
            "0 */20 * * * *",
            "2024-11-03T01:10:00-05:00",
            ["2024-11-03T01:20:00-05:00", "2024-11-03T01:40:00-05:00", "2024-11-03T02:00:00-05:00"],
        ),
        # Time of day (hour restricted): a skipped time fires at the jump, once ...
        (
            NEW_YORK,
            "0 30 2 * * *",
            "2024-03-09T12:00:00-05:00",
            ["2024-03-10T03:00:00-04:00", "2024-03-11T02:30:00-04:00"],
        ),
        (
            NEW_YORK,
            "0 */15 2 * * *",
            "2024-03-10T01:59:00-05:00",
            ["2024-03-10T03:00:00-04:00", "2024-03-11T02:00:00-04:00"],
        ),
        # ... and a repeated time fires in its first pass only.
        (
            NEW_YORK,
            "0 30 1 * * *",
            "2024-11-02T12:00:00-04:00",
            ["2024-11-03T01:30:00-04:00", "2024-11-04T01:30:00-05:00"],
        ),
        (
            NEW_YORK,
            "0 45 1 * * *",
            "2024-11-03T01:30:00-05:00",
            ["2024-11-04T01:45:00-05:00"],
        ),
        (
            NEW_YORK,
            "0 0 9 * * *",
            "2024-03-09T09:00:00-05:00",
            ["2024-03-10T09:00:00-04:00", "2024-03-11T09:00:00-04:00"],
        ),
        # Berlin: skips 02:00-02:59 on Mar 31, repeats 02:00-02:59 on Oct 27 2024.
        (
            BERLIN,
            "0 0 * * * *",
            "2024-03-31T00:30:00+01:00",
            ["2024-03-31T01:00:00+01:00", "2024-03-31T03:00:00+02:00", "2024-03-31T04:00:00+02:00"],
        ),
        (
            BERLIN,
            "0 0 * * * *",
            "2024-10-27T01:30:00+02:00",
            [
                "2024-10-27T02:00:00+02:00",
                "2024-10-27T02:00:00+01:00",
                "2024-10-27T03:00:00+01:00",
            ],
        ),
        (
            BERLIN,
            "0 30 2 * * *",
            "2024-10-26T12:00:00+02:00",
            ["2024-10-27T02:30:00+02:00", "2024-10-28T02:30:00+01:00"],
        ),
        # Lord Howe Island moves its clocks by 30 minutes.
        (
            LORD_HOWE,
            "0 */20 * * * *",
            "2024-10-06T01:30:00+10:30",
            ["2024-10-06T01:40:00+10:30", "2024-10-06T02:40:00+11:00", "2024-10-06T03:00:00+11:00"],
        ),
        (
            LORD_HOWE,
            "0 15 2 * * *",
            "2024-10-05T12:00:00+10:30",
            ["2024-10-06T02:30:00+11:00", "2024-10-07T02:15:00+11:00"],
        ),
        (
            LORD_HOWE,
            "0 */20 * * * *",
            "2024-04-07T01:30:00+11:00",
            [
                "2024-04-07T01:40:00+11:00",
                "2024-04-07T01:40:00+10:30",
                "2024-04-07T02:00:00+10:30",
            ],
        ),
    ],
)
def test_daylight_saving_time(zone: ZoneInfo, expression: str, start: str, expected: list[str]) -> None:
    found = occurrences(expression, datetime.fromisoformat(start).astimezone(zone), len(expected))
    assert [moment.tzinfo for moment in found] == [zone] * len(expected)
    assert iso(found) == expected


def test_second_pass_results_carry_fold() -> None:
    found = parse_schedule("0 0 * * * *").next_after(datetime(2024, 11, 3, 1, 30, tzinfo=NEW_YORK))
    assert (found.hour, found.fold, found.utcoffset()) == (1, 1, timedelta(hours=-5))


def test_moment_given_inside_a_gap_is_read_as_real_time() -> None:
    # 02:30 does not exist on Mar 10 2024 in New York; PEP 495 reads it as 02:30 EST = 03:30 EDT.
    nonexistent = datetime(2024, 3, 10, 2, 30, tzinfo=NEW_YORK)
    assert parse_schedule("0 0 * * * *").next_after(nonexistent).isoformat() == "2024-03-10T04:00:00-04:00"


# -- cross-checks against brute force ----------------------------------------------------------------------

# Wall times just before and inside the 2024 DST changes of New York, Berlin and Lord Howe (both passes).
BRUTE_FORCE_STARTS = [
    datetime(2024, 2, 28, 20, 0),
    datetime(2024, 3, 9, 22, 0),
    datetime(2024, 3, 10, 1, 50),
    datetime(2024, 3, 30, 23, 0),
    datetime(2024, 3, 31, 1, 50),
    datetime(2024, 4, 7, 1, 40),
    datetime(2024, 4, 7, 1, 40, fold=1),
    datetime(2024, 10, 6, 1, 50),
    datetime(2024, 10, 26, 23, 0),
    datetime(2024, 10, 27, 2, 20),
    datetime(2024, 10, 27, 2, 20, fold=1),
    datetime(2024, 11, 2, 23, 0),
    datetime(2024, 11, 3, 1, 20),
    datetime(2024, 11, 3, 1, 20, fold=1),
]


def _matches(schedule: CronSchedule, wall: datetime) -> bool:
    return (
        wall.second in schedule.seconds
        and wall.minute in schedule.minutes
        and wall.hour in schedule.hours
        and wall.day in schedule.days
        and wall.month in schedule.months
        and (wall.weekday() + 1) % 7 in schedule.days_of_week
    )


def _brute_force_following_clock(schedule: CronSchedule, moment: datetime) -> datetime | None:
    """Scan real time minute by minute (second fields are 0 here) for an instant whose local time matches."""
    instant = moment.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    for _ in range(60 * 24 * 40):
        local = instant.astimezone(moment.tzinfo)
        if _matches(schedule, local):
            return local
        instant += timedelta(minutes=1)
    return None


def _jump_over(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first real minute whose local time is past the skipped wall time ``wall``."""
    instant = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    while instant.astimezone(zone).replace(tzinfo=None) <= wall:
        instant += timedelta(minutes=1)
    return instant


def _brute_force_time_of_day(schedule: CronSchedule, moment: datetime) -> datetime | None:
    """Scan wall time minute by minute; each matching wall time once (gap: at the jump; repeated: first pass)."""
    zone = moment.tzinfo
    assert isinstance(zone, ZoneInfo)
    wall = moment.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0) - timedelta(hours=3)
    best: datetime | None = None
    for _ in range(60 * 24 * 40):
        wall += timedelta(minutes=1)
        if best is not None and wall > best.astimezone(zone).replace(tzinfo=None) + timedelta(hours=3):
            break
        if not _matches(schedule, wall):
            continue
        first = wall.replace(tzinfo=zone, fold=0)
        exists = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall
        instant = first.astimezone(UTC) if exists else _jump_over(wall, zone)
        if instant > moment and (best is None or instant < best):
            best = instant
    return None if best is None else best.astimezone(zone)


def _random_field(rng: random.Random, low: int, high: int) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        return "*"
    if kind == 1:
        return f"*/{rng.randint(1, max(1, (high - low) // 2))}"
    if kind == 2:
        first = rng.randint(low, high)
        return f"{first}-{rng.randint(first, high)}"
    if kind == 3:
        return ",".join(str(rng.randint(low, high)) for _ in range(rng.randint(1, 3)))
    return f"{rng.randint(low, high)}/{rng.randint(1, 7)}"


def _random_expression(rng: random.Random, hour: str) -> str:
    # Day and month stay loose so that the brute-force scans stay short.
    day = rng.choice(["*", "*", "*/2", "1-15", "10,20,30"])
    month = rng.choice(["*", "*", "*", "1-6", "Mar,Oct,Nov"])
    dow = rng.choice(["*", "*", "Mon-Fri", "0,6", "*/3"])
    return f"0 {_random_field(rng, 0, 59)} {hour} {day} {month} {dow}"


def _compare_with_brute_force(
    zone: ZoneInfo, seed: int, hours: str | None, reference: Callable[[CronSchedule, datetime], datetime | None]
) -> None:
    rng = random.Random(seed)
    checked = 0  # schedules with at least one occurrence compared
    while checked < 40:
        hour = hours if hours is not None else _random_field(rng, 0, 23)
        schedule = cron(_random_expression(rng, hour))
        if hours is None and schedule.follows_clock:
            continue
        moment = rng.choice(BRUTE_FORCE_STARTS).replace(tzinfo=zone)
        compared = 0
        for _ in range(4):
            expected = reference(schedule, moment)
            if expected is None:
                break
            found = schedule.next_after(moment)
            assert found.astimezone(UTC) == expected.astimezone(UTC), (schedule.expression, moment.isoformat())
            moment = found
            compared += 1
        checked += compared > 0  # a schedule the scan found nothing for proves nothing


@pytest.mark.parametrize("zone", [ZoneInfo("UTC"), NEW_YORK, BERLIN, LORD_HOWE])
def test_periodic_schedules_agree_with_a_brute_force_scan(zone: ZoneInfo) -> None:
    _compare_with_brute_force(zone, 1, "*", _brute_force_following_clock)


@pytest.mark.parametrize("zone", [ZoneInfo("UTC"), NEW_YORK, BERLIN, LORD_HOWE])
def test_time_of_day_schedules_agree_with_a_brute_force_scan(zone: ZoneInfo) -> None:
    _compare_with_brute_force(zone, 2, None, _brute_force_time_of_day)


@pytest.mark.parametrize("zone", [UTC, NEW_YORK, BERLIN, LORD_HOWE])
def test_time_of_day_schedules_fire_once_per_matching_local_time(zone: ZoneInfo) -> None:
    """Over a year, a daily schedule fires exactly once per day, DST days included, in increasing order."""
    for expression in ("0 30 2 * * *", "0 0 1 * * *", "0 15 3 * * *", "0 0 0 * * *"):
        found = occurrences(expression, datetime(2024, 1, 1, 12, 0, tzinfo=zone), 366)
        instants = [moment.astimezone(UTC) for moment in found]
        assert instants == sorted(set(instants))
        assert len({moment.date() for moment in found}) == 366, expression


@pytest.mark.parametrize("zone", [UTC, NEW_YORK, BERLIN, LORD_HOWE])
def test_every_five_minutes_keeps_real_five_minute_steps_through_dst(zone: ZoneInfo) -> None:
    for start in (datetime(2024, 3, 9, tzinfo=zone), datetime(2024, 10, 5, tzinfo=zone)):
        found = occurrences("0 */5 * * * *", start, 2 * 24 * 12 * 30)  # a month
        steps = {(b.astimezone(UTC) - a.astimezone(UTC)) for a, b in zip(found, found[1:], strict=False)}
        assert steps == {timedelta(minutes=5)}


# -- efficiency ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression", ["0 0 0 29 2 Mon", "59 59 23 31 12 *", "0 0 0 13 * Fri", "* * 3 * * *", "0 0 12 31 * Sun"]
)
def test_sparse_schedules_are_computed_by_jumping(expression: str) -> None:
    """Counted in Python calls, not seconds (the machine's speed must not decide): stepping minute by minute through
    the years between these occurrences would take millions of calls; jumping field by field takes a few hundred."""
    schedule = parse_schedule(expression)
    moment = datetime(2024, 1, 1, tzinfo=NEW_YORK)
    calls = 0

    def count(frame: object, event: str, arg: object) -> None:
        nonlocal calls
        calls += event == "call"

    sys.setprofile(count)
    try:
        for _ in range(50):
            moment = schedule.next_after(moment)
    finally:
        sys.setprofile(None)
    assert calls < 100_000, f"{calls} calls for 50 occurrences: the schedule is stepped, not jumped"


# -- time zone setting -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "UTC"),
        ({"WEBSITE_TIME_ZONE": "", "TZ": ""}, "UTC"),
        ({"WEBSITE_TIME_ZONE": "UTC"}, "UTC"),
        ({"TZ": "Etc/UTC"}, "UTC"),
        ({"WEBSITE_TIME_ZONE": "America/New_York"}, "America/New_York"),
        ({"WEBSITE_TIME_ZONE": " Europe/Berlin "}, "Europe/Berlin"),
        ({"TZ": "Asia/Tokyo"}, "Asia/Tokyo"),
        ({"TZ": ":Asia/Tokyo"}, "Asia/Tokyo"),
        ({"WEBSITE_TIME_ZONE": "Europe/Berlin", "TZ": "Asia/Tokyo"}, "Europe/Berlin"),
    ],
)
def test_schedule_timezone(environ: dict[str, str], expected: str) -> None:
    zone = schedule_timezone(environ)
    if expected == "UTC":
        assert zone is UTC
    else:
        assert zone == ZoneInfo(expected)


@pytest.mark.parametrize(
    ("environ", "setting"),
    [
        ({"WEBSITE_TIME_ZONE": "Eastern Standard Time"}, "WEBSITE_TIME_ZONE='Eastern Standard Time'"),
        ({"WEBSITE_TIME_ZONE": "Nowhere/Town", "TZ": "Asia/Tokyo"}, "WEBSITE_TIME_ZONE='Nowhere/Town'"),
        ({"TZ": "America"}, "TZ='America'"),
        ({"TZ": "../etc/passwd"}, "TZ='../etc/passwd'"),
        ({"TZ": "CET-1CEST,M3.5.0,M10.5.0/3"}, "TZ='CET-1CEST,M3.5.0,M10.5.0/3'"),
    ],
)
def test_unknown_time_zones_name_the_setting(environ: dict[str, str], setting: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        schedule_timezone(environ)
    assert f"setting {setting} is not a known IANA time zone name" in str(caught.value)


def test_schedule_timezone_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TZ", raising=False)
    monkeypatch.setenv("WEBSITE_TIME_ZONE", "Europe/Paris")
    assert schedule_timezone() == ZoneInfo("Europe/Paris")
