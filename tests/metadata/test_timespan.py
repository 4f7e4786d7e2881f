"""The one .NET TimeSpan parser (funchost/metadata/timespan.py): TimeSpan.Parse's invariant grammar
`[ws][-]{ d | [d.]hh:mm[:ss[.ff]] }[ws]`, as the .NET documentation's remarks and examples give it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from funchost.metadata.timespan import TimeSpanError, parse_timedelta, parse_timespan


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("00:05", timedelta(minutes=5)),  # hh:mm — refused by host.json before this parser was shared
        ("00:05:00", timedelta(minutes=5)),
        ("1", timedelta(days=1)),  # a bare number is days
        ("6", timedelta(days=6)),
        ("1.02:03:04", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        ("1.02:03", timedelta(days=1, hours=2, minutes=3)),
        ("6:12:14:45", timedelta(days=6, hours=12, minutes=14, seconds=45)),  # d:hh:mm:ss
        ("6:12:14:45.3448", timedelta(days=6, hours=12, minutes=14, seconds=45, microseconds=344800)),
        ("00:00:00.5", timedelta(milliseconds=500)),
        ("00:00:00.0000001", timedelta(microseconds=0.1)),
        ("23:59:59", timedelta(hours=23, minutes=59, seconds=59)),
        ("24:00:00", timedelta(days=24)),  # 24 is out of the hours range, so it is the days part
        (" 00:05:00 ", timedelta(minutes=5)),
        ("-00:05", -timedelta(minutes=5)),
        ("10675199", timedelta(days=10675199)),
    ],
)
def test_the_dotnet_grammar(text: str, expected: timedelta) -> None:
    assert parse_timedelta(text) == expected


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("24:00", ("hours", 24, 23)),  # hh:mm has no days fallback
        ("00:60", ("minutes", 60, 59)),
        ("00:00:60", ("seconds", 60, 59)),
        ("1.24:00:00", ("hours", 24, 23)),
        ("24:00:00.5", ("hours", 24, 23)),  # with a fraction it is hh:mm:ss.ff, never dd:hh:mm
        ("6:34:14:45", ("hours", 34, 23)),
        ("10675200", ("days", 10675200, 10675199)),
    ],
)
def test_out_of_range_parts_fail_naming_the_part(text: str, part: tuple[str, int, int]) -> None:
    with pytest.raises(TimeSpanError) as info:
        parse_timedelta(text)
    assert info.value.part == part
    assert str(info.value) == f"'{text}' is not a TimeSpan; its {part[0]} '{part[1]}' are outside 0-{part[2]}"


@pytest.mark.parametrize("text", ["", "five minutes", "5:x", "00:00.5", "1.", ":05", "00:00:00.12345678", "1:2:3:4:5"])
def test_other_strings_fail_saying_the_form(text: str) -> None:
    with pytest.raises(TimeSpanError, match=r"is not a TimeSpan; expected \[d\.\]hh:mm\[:ss\[\.fffffff\]\]") as info:
        parse_timedelta(text)
    assert info.value.part is None


def test_seconds_for_host_json_refuse_a_negative_span() -> None:
    assert parse_timespan("00:05") == 300.0 and parse_timespan("00:00:00.5") == 0.5
    with pytest.raises(TimeSpanError, match="'-00:05' is a negative TimeSpan"):
        parse_timespan("-00:05")
