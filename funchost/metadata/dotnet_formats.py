""".NET's custom DateTime and Guid format strings, as binding expressions such as `{DateTime:yyyy/MM/dd}` use them.

The Functions host formats a binding expression's value with .NET's `ToString(format, InvariantCulture)`; a path
like `logs/{DateTime:yyyy-MM-dd}/{rand-guid:N}.txt` must come out the same here. Only the invariant culture is
needed, and only custom date specifiers (`yyyy`, `MM`, `dd`, `HH`, `mm`, `ss`, `fff`, `tt`, `K`, `zzz`, quoted
literals, `\\x` escapes …) plus the single-letter standard formats the host's paths use (`o`, `s`, `u`).
"""

from __future__ import annotations

import datetime
import uuid

__all__ = ["DEFAULT_DATETIME_FORMAT", "format_datetime", "format_guid"]

DEFAULT_DATETIME_FORMAT = "yyyy-MM-ddTHH-mm-ssK"  # the host's default for a DateTime in a path (BindingDataPathHelper)

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")  # fmt: skip
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_STANDARD = {  # invariant-culture standard formats, rewritten as custom ones
    "o": "yyyy-MM-ddTHH:mm:ss.fffffffK",
    "O": "yyyy-MM-ddTHH:mm:ss.fffffffK",
    "s": "yyyy-MM-ddTHH:mm:ss",
    "u": "yyyy-MM-dd HH:mm:ssZ",
    "d": "MM/dd/yyyy",
    "t": "HH:mm",
    "T": "HH:mm:ss",
}


def _offset(value: datetime.datetime, count: int) -> str:
    """`z` → +1, `zz` → +01, `zzz` (and `K`) → +01:00."""
    delta = value.utcoffset() or datetime.timedelta(0)
    total = int(delta.total_seconds() // 60)
    sign = "-" if total < 0 else "+"
    hours, mins = divmod(abs(total), 60)
    if count == 1:
        return f"{sign}{hours}"
    if count == 2:
        return f"{sign}{hours:02d}"
    return f"{sign}{hours:02d}:{mins:02d}"


def _field(letter: str, count: int, value: datetime.datetime) -> str:
    if letter == "y":
        year = value.year
        return f"{year % 100:0{count}d}" if count <= 2 else f"{year:0{count}d}"
    if letter == "M":
        return (f"{value.month:0{count}d}" if count <= 2 else _MONTHS[value.month - 1][:3]
                if count == 3 else _MONTHS[value.month - 1])  # fmt: skip
    if letter == "d":
        return (f"{value.day:0{count}d}" if count <= 2 else _DAYS[value.weekday()][:3]
                if count == 3 else _DAYS[value.weekday()])  # fmt: skip
    if letter == "H":
        return f"{value.hour:0{min(count, 2)}d}"
    if letter == "h":
        return f"{(value.hour % 12) or 12:0{min(count, 2)}d}"
    if letter == "m":
        return f"{value.minute:0{min(count, 2)}d}"
    if letter == "s":
        return f"{value.second:0{min(count, 2)}d}"
    if letter in "fF":
        digits = f"{value.microsecond:06d}0"[:count]  # .NET ticks are 100 ns: the 7th digit is 0 here
        return digits.rstrip("0") if letter == "F" else digits
    if letter == "t":
        marker = "AM" if value.hour < 12 else "PM"
        return marker[:1] if count == 1 else marker
    if letter == "K":
        if value.tzinfo is None:
            return ""
        return "Z" if value.utcoffset() == datetime.timedelta(0) else _offset(value, 3)
    if letter == "z":
        return _offset(value, count)
    if letter == "g":
        return "A.D."
    raise AssertionError(letter)


_SPECIFIERS = frozenset("yMdHhmsfFtKzg")


def format_datetime(value: datetime.datetime, fmt: str | None = None) -> str:
    """`value.ToString(fmt, CultureInfo.InvariantCulture)` for .NET custom (and the common standard) formats."""
    fmt = fmt or DEFAULT_DATETIME_FORMAT
    if len(fmt) == 1:
        fmt = _STANDARD.get(fmt, fmt)
    out: list[str] = []
    i = 0
    while i < len(fmt):
        char = fmt[i]
        if char in "'\"":
            end = fmt.find(char, i + 1)
            end = len(fmt) if end < 0 else end
            out.append(fmt[i + 1 : end])
            i = end + 1
        elif char == "\\" and i + 1 < len(fmt):
            out.append(fmt[i + 1])
            i += 2
        elif char == "%" and i + 1 < len(fmt):  # "%d": a one-letter custom format
            i += 1
        elif char in _SPECIFIERS:
            count = 1
            while i + count < len(fmt) and fmt[i + count] == char:
                count += 1
            field = _field(char, count, value)
            if char == "F" and not field and out and out[-1].endswith("."):
                out[-1] = out[-1][:-1]  # .NET drops the decimal point before an all-zero `F` fraction
            out.append(field)
            i += count
        else:
            out.append(char)
            i += 1
    return "".join(out)


def format_guid(value: uuid.UUID, fmt: str | None = None) -> str:
    """`Guid.ToString(fmt)`: D (default) 8-4-4-4-12, N 32 digits, B {D}, P (D), X {0x…,…,{0x…}}."""
    text = str(value)
    kind = (fmt or "D").upper()
    if kind == "D":
        return text
    if kind == "N":
        return value.hex
    if kind == "B":
        return "{" + text + "}"
    if kind == "P":
        return "(" + text + ")"
    if kind == "X":
        h = value.hex
        tail = ",".join(f"0x{h[i : i + 2]}" for i in range(16, 32, 2))
        return f"{{0x{h[:8]},0x{h[8:12]},0x{h[12:16]},{{{tail}}}}}"
    raise ValueError(f"'{fmt}' is not a Guid format; use N, D, B, P or X")
