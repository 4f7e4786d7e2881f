"""A load trace for replaying the scaling rule: messages arriving per second, and its CSV format.

CSV (docs/scaling.md "Replaying a load trace"): a header `t_seconds,arrivals`, then one row per second that has
arrivals: `t_seconds` a whole number of seconds from 0, strictly increasing; `arrivals` the whole number of messages
that arrive during [t, t + 1), spread evenly over that second. Seconds without a row have none; `#` starts a
comment line. A trace is at most `MAX_SECONDS` long, so a replay stays quick.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from funchost.errors import ConfigurationError

HEADER = ("t_seconds", "arrivals")
MAX_SECONDS = 86_400


class TraceError(ConfigurationError, ValueError):
    """A trace file is unreadable or malformed; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class Trace:
    name: str
    arrivals: tuple[int, ...]  # messages arriving during second i

    @property
    def total(self) -> int:
        return sum(self.arrivals)

    @property
    def seconds(self) -> int:
        return len(self.arrivals)

    def cumulative(self) -> list[int]:
        """A[i]: messages arrived before second i (A[0] = 0, A[seconds] = total)."""
        out = [0]
        for n in self.arrivals:
            out.append(out[-1] + n)
        return out

    def to_csv(self) -> str:
        rows = [",".join(HEADER)] + [f"{t},{n}" for t, n in enumerate(self.arrivals) if n]
        return "\n".join(rows) + "\n"


def read_csv(path: Path) -> Trace:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TraceError(f"cannot read the trace {path}: {exc.strerror}. Fix: give an existing CSV file") from None
    return parse_csv(text, path.stem, str(path))


def parse_csv(text: str, name: str, origin: str = "<trace>") -> Trace:
    counts: dict[int, int] = {}
    last = -1
    header_seen = False
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in row]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        where = f"{origin} line {number}"
        if not header_seen:
            if tuple(c.lower() for c in cells) != HEADER:
                raise TraceError(f"{where}: expected the header '{','.join(HEADER)}', got '{','.join(cells)}'")
            header_seen = True
            continue
        if len(cells) != 2:
            raise TraceError(f"{where}: expected 2 columns (t_seconds,arrivals), got {len(cells)}")
        t, n = _whole(cells[0], where, "t_seconds"), _whole(cells[1], where, "arrivals")
        if t <= last:
            raise TraceError(f"{where}: t_seconds {t} is not after {last}. Fix: sort the rows, one row per second")
        if t >= MAX_SECONDS:
            raise TraceError(f"{where}: t_seconds {t} is beyond the limit of {MAX_SECONDS} s (one day)")
        counts[t], last = n, t
    if not header_seen:
        raise TraceError(f"{origin}: empty trace. Fix: write the header '{','.join(HEADER)}' and one row per second")
    if not any(counts.values()):
        raise TraceError(f"{origin}: no message arrives in the trace. Fix: add rows with arrivals > 0")
    return Trace(name, tuple(counts.get(t, 0) for t in range(last + 1)))


def _whole(cell: str, where: str, column: str) -> int:
    try:
        value = int(cell)
    except ValueError:
        raise TraceError(f"{where}: {column} is {cell!r}: expected a whole number of 0 or more") from None
    if value < 0:
        raise TraceError(f"{where}: {column} is {value}: expected a whole number of 0 or more")
    return value
