""".NET custom DateTime / Guid formats as the host applies them to binding expressions (invariant culture)."""

from __future__ import annotations

import datetime
import uuid

import pytest

from funchost.metadata.dotnet_formats import DEFAULT_DATETIME_FORMAT, format_datetime, format_guid

MOMENT = datetime.datetime(2026, 3, 7, 14, 5, 9, 123456, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        (None, "2026-03-07T14-05-09Z"),  # the host's default for a path: yyyy-MM-ddTHH-mm-ssK
        ("yyyy/MM/dd", "2026/03/07"),
        ("yy-M-d H:m:s", "26-3-7 14:5:9"),
        ("hh tt", "02 PM"),
        ("fff FFFFFFF", "123 123456"),  # F drops trailing zeros
        ("MMM ddd", "Mar Sat"),
        ("MMMM dddd", "March Saturday"),
        ("'literal' \\y yyyy", "literal y 2026"),
        ("%d", "7"),
        ("zzz|zz|z", "+00:00|+00|+0"),
        ("s", "2026-03-07T14:05:09"),
        ("o", "2026-03-07T14:05:09.1234560Z"),
    ],
)
def test_custom_and_standard_formats(fmt: str | None, expected: str) -> None:
    assert format_datetime(MOMENT, fmt) == expected


def test_an_all_zero_f_fraction_drops_its_decimal_point_too() -> None:
    whole = MOMENT.replace(microsecond=0)
    assert format_datetime(whole, "HH:mm:ss.FFF") == "14:05:09"
    assert format_datetime(whole, "HH:mm:ss.fff") == "14:05:09.000"
    assert format_datetime(MOMENT.replace(microsecond=500000), "ss.FFF") == "09.5"


def test_the_default_format_is_the_hosts() -> None:
    assert DEFAULT_DATETIME_FORMAT == "yyyy-MM-ddTHH-mm-ssK"


def test_an_offset_other_than_utc_is_written_with_its_sign() -> None:
    tz = datetime.timezone(datetime.timedelta(hours=-5, minutes=-30))
    assert format_datetime(MOMENT.astimezone(tz), "HH:mm K") == "08:35 -05:30"


GUID = uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e")


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        (None, "0f8fad5b-d9cb-469f-a165-70867728950e"),
        ("N", "0f8fad5bd9cb469fa16570867728950e"),
        ("b", "{0f8fad5b-d9cb-469f-a165-70867728950e}"),
        ("P", "(0f8fad5b-d9cb-469f-a165-70867728950e)"),
        ("X", "{0x0f8fad5b,0xd9cb,0x469f,{0xa1,0x65,0x70,0x86,0x77,0x28,0x95,0x0e}}"),
    ],
)
def test_guid_formats(fmt: str | None, expected: str) -> None:
    assert format_guid(GUID, fmt) == expected


def test_an_unknown_guid_format_is_refused() -> None:
    with pytest.raises(ValueError, match="N, D, B, P or X"):
        format_guid(GUID, "Q")
