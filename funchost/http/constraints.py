"""Inline route constraints (`{id:int}`, `{name:regex(^[a-z]+$)}`), as ASP.NET Core routing checks them inbound.

`make_constraint(name, args)` builds a `Constraint` from a template's constraint text; `CONSTRAINTS` is the table of
supported names. Checks run on the URL-decoded segment value; each is compiled once, when the route table is built.
A `regex` check is bounded in time (funchost/http/regex_constraint.py): it may raise `SlowMatch` out of matching.
Where .NET parsing is looser than a regex can say (culture-specific dates, `∞`), the invariant-culture forms are
accepted and documented in docs/http.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

import regex

from funchost.http.regex_constraint import BoundedRegex

Check = Callable[[str], bool]

_INTEGER = re.compile(r"\s*[+-]?\d+\s*")
_FLOAT = re.compile(r"\s*[+-]?(?=\.?\d)(?:\d[\d,]*)?(?:\.\d*)?(?:[eE][+-]?\d+)?\s*")
_FLOAT_WORDS = frozenset({"nan", "infinity", "+infinity", "-infinity"})
_DECIMAL = re.compile(r"\s*[+-]?(?=\.?\d)(?:\d[\d,]*)?(?:\.\d*)?\s*")
_DECIMAL_MAX = Decimal(2**96 - 1)
_HEX = "[0-9a-fA-F]"
_GUID = re.compile(
    rf"{_HEX}{{32}}|{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}"
    rf"|\{{{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}\}}"
    rf"|\({_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}\)"
)
_ALPHA = re.compile(r"[A-Za-z]*")
_DATE_FORMATS = ("%m/%d/%Y", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%Y/%m/%d", "%Y/%m/%d %H:%M:%S")


@dataclass(frozen=True)
class Constraint:
    """One inline constraint; equal when name and arguments are equal (used to detect clashing routes)."""

    name: str
    args: tuple[str, ...]
    check: Check = field(compare=False, hash=False, repr=False)

    def __call__(self, value: str) -> bool:
        return self.check(value)

    def __str__(self) -> str:
        return f"{self.name}({','.join(self.args)})" if self.args else self.name


def _integer(bits: int) -> Check:
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return lambda value: _INTEGER.fullmatch(value) is not None and low <= int(value) <= high


def _is_float(value: str) -> bool:
    return _FLOAT.fullmatch(value) is not None or value.strip().lower() in _FLOAT_WORDS


def _is_decimal(value: str) -> bool:
    if _DECIMAL.fullmatch(value) is None:
        return False
    try:
        return abs(Decimal(value.strip().replace(",", ""))) <= _DECIMAL_MAX
    except InvalidOperation:
        return False


def _is_datetime(value: str) -> bool:
    text = value.strip()
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        return True
    except ValueError:
        pass
    for pattern in _DATE_FORMATS:
        try:
            datetime.strptime(text, pattern)
            return True
        except ValueError:
            continue
    return False


def _number(arg: str) -> int:
    if _INTEGER.fullmatch(arg) is None:
        raise ValueError(f"argument '{arg}' is not a whole number")
    return int(arg)


def _arity(args: tuple[str, ...], *counts: int) -> None:
    if len(args) not in counts:
        wanted = " or ".join(str(c) for c in counts)
        raise ValueError(f"takes {wanted} argument(s), got {len(args)}")


def _no_args(check: Check) -> Callable[[tuple[str, ...]], Check]:
    def factory(args: tuple[str, ...]) -> Check:
        _arity(args, 0)
        return check

    return factory


def _bounded(compare: Callable[[int, int], bool]) -> Callable[[tuple[str, ...]], Check]:
    def factory(args: tuple[str, ...]) -> Check:
        _arity(args, 1)
        bound, is_long = _number(args[0]), _integer(64)
        return lambda value: is_long(value) and compare(int(value), bound)

    return factory


def _range(args: tuple[str, ...]) -> Check:
    _arity(args, 2)
    low, high, is_long = _number(args[0]), _number(args[1]), _integer(64)
    if low > high:
        raise ValueError(f"minimum {low} is greater than maximum {high}")
    return lambda value: is_long(value) and low <= int(value) <= high


def _lengths(args: tuple[str, ...], counts: tuple[int, ...]) -> tuple[int, ...]:
    _arity(args, *counts)
    numbers = tuple(_number(a) for a in args)
    if any(n < 0 for n in numbers):
        raise ValueError("lengths cannot be negative")
    if len(numbers) == 2 and numbers[0] > numbers[1]:
        raise ValueError(f"minimum length {numbers[0]} is greater than maximum length {numbers[1]}")
    return numbers


def _length(args: tuple[str, ...]) -> Check:
    numbers = _lengths(args, (1, 2))
    low, high = (numbers[0], numbers[0]) if len(numbers) == 1 else numbers
    return lambda value: low <= len(value) <= high


def _min_length(args: tuple[str, ...]) -> Check:
    (low,) = _lengths(args, (1,))
    return lambda value: len(value) >= low


def _max_length(args: tuple[str, ...]) -> Check:
    (high,) = _lengths(args, (1,))
    return lambda value: len(value) <= high


def _regex(args: tuple[str, ...]) -> Check:
    _arity(args, 1)
    try:
        return BoundedRegex(args[0])  # ASP.NET: CultureInvariant | IgnoreCase, not anchored; bounded in time
    except regex.error as exc:
        raise ValueError(f"'{args[0]}' is not a valid regular expression ({exc})") from None


def _is_file(value: str) -> bool:
    last = value.rsplit("/", 1)[-1]
    dot = last.rfind(".")
    return 0 <= dot < len(last) - 1


CONSTRAINTS: dict[str, Callable[[tuple[str, ...]], Check]] = {
    "alpha": _no_args(lambda value: _ALPHA.fullmatch(value) is not None),
    "bool": _no_args(lambda value: value.strip().lower() in ("true", "false")),
    "datetime": _no_args(_is_datetime),
    "decimal": _no_args(_is_decimal),
    "double": _no_args(_is_float),
    "file": _no_args(_is_file),
    "float": _no_args(_is_float),
    "guid": _no_args(lambda value: _GUID.fullmatch(value.strip()) is not None),
    "int": _no_args(_integer(32)),
    "length": _length,
    "long": _no_args(_integer(64)),
    "max": _bounded(lambda value, bound: value <= bound),
    "maxlength": _max_length,
    "min": _bounded(lambda value, bound: value >= bound),
    "minlength": _min_length,
    "nonfile": _no_args(lambda value: not _is_file(value)),
    "range": _range,
    "regex": _regex,
    "required": _no_args(lambda value: value != ""),
}


def make_constraint(name: str, args: tuple[str, ...]) -> Constraint:
    """Build a constraint; `ValueError` says what is wrong (unknown name, bad arguments)."""
    key = name.lower()
    factory = CONSTRAINTS.get(key)
    if factory is None:
        raise ValueError(f"unknown constraint '{name}' (supported: {', '.join(sorted(CONSTRAINTS))})")
    try:
        check = factory(args)
    except ValueError as exc:
        raise ValueError(f"constraint '{name}' {exc}") from None
    return Constraint(key, args if key == "regex" else tuple(a.strip() for a in args), check)
