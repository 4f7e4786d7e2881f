"""Invocation ids: GUID-shaped strings, unique across processes, cheap enough to make one per HTTP request.

Azure gives every invocation a random GUID. `uuid.uuid4()` costs an `os.urandom` syscall plus `UUID` object
construction and formatting (≈ 2.5 µs) on every call, a visible share of a small HTTP function's cost. Here each
process draws 64 random bits once (re-drawn after `fork`) and every id is those bits followed by a 64-bit counter,
laid out as a version-4, RFC 4122-variant GUID: ids never repeat within a process, and two processes share a
prefix with probability ~2⁻⁶⁰ per pair. Most invocations never show their id (only a log line or the `context`
argument does), so the invoker takes a number (`next_invocation_number`) and formats it on first use
(`invocation_id_text`).
"""

from __future__ import annotations

import itertools
import os
import secrets


class InvocationIds:
    def __init__(self) -> None:
        self._reseed()
        os.register_at_fork(after_in_child=self._reseed)

    def _reseed(self) -> None:
        high = secrets.randbits(64)
        # xxxxxxxx-xxxx-4xxx-: 32 + 16 + 12 random bits, then the version nibble.
        self._prefix = f"{high >> 32:08x}-{(high >> 16) & 0xFFFF:04x}-4{high & 0xFFF:03x}-"
        self._counter = itertools.count(secrets.randbits(62))

    def next(self) -> str:
        """A new id: `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx` (y = 8..b, the RFC 4122 variant)."""
        return self.text(self.next_number())

    def next_number(self) -> int:
        """The number of a new id, to format with `text()` only if the id is ever shown."""
        return next(self._counter)

    def text(self, number: int) -> str:
        low = number & 0x3FFF_FFFF_FFFF_FFFF
        return f"{self._prefix}{0x8000 | (low >> 48):04x}-{low & 0xFFFF_FFFF_FFFF:012x}"


_ids = InvocationIds()
next_invocation_number = _ids.next_number


def new_invocation_id() -> str:
    return _ids.next()


def invocation_id_text(invocation: str | int) -> str:
    """An invocation id as text: ids given by a trigger are text already, numbers are formatted on first use."""
    return invocation if isinstance(invocation, str) else _ids.text(invocation)
