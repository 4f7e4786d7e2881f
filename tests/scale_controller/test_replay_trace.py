"""The replay's trace CSV (scale_controller/replay_trace.py): parsing, gaps, and the errors that name the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from scale_controller.replay_trace import Trace, TraceError, parse_csv, read_csv


def test_rows_become_seconds_and_gaps_are_zero() -> None:
    trace = parse_csv("# a comment\nt_seconds,arrivals\n0,3\n2,5\n\n4,1\n", "t")
    assert trace.arrivals == (3, 0, 5, 0, 1)
    assert (trace.total, trace.seconds) == (9, 5)
    assert trace.cumulative() == [0, 3, 3, 8, 8, 9]


def test_csv_round_trip(tmp_path: Path) -> None:
    trace = Trace("rt", (0, 0, 7, 0, 2))
    path = tmp_path / "rt.csv"
    path.write_text(trace.to_csv())
    assert read_csv(path) == trace


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0,3\n", "line 1: expected the header 't_seconds,arrivals'"),
        ("t_seconds,arrivals\n2,3\n2,4\n", "line 3: t_seconds 2 is not after 2"),
        ("t_seconds,arrivals\n1,-3\n", "line 2: arrivals is -3"),
        ("t_seconds,arrivals\n1.5,3\n", "line 2: t_seconds is '1.5'"),
        ("t_seconds,arrivals\n1,3,4\n", "line 2: expected 2 columns"),
        ("t_seconds,arrivals\n1,0\n", "no message arrives"),
        ("", "empty trace"),
        ("t_seconds,arrivals\n86400,1\n", "beyond the limit"),
    ],
)
def test_malformed_traces_name_the_line(text: str, message: str) -> None:
    with pytest.raises(TraceError, match=message.replace("(", r"\(")):
        parse_csv(text, "bad", "bad.csv")


def test_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(TraceError, match="cannot read the trace"):
        read_csv(tmp_path / "nope.csv")
