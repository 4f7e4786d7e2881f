"""Regex route constraints (`{v:regex(...)}`), bounded so that no request can stall the event loop.

A backtracking pattern such as `^(a|aa)+$` takes seconds, or years, on a short input, and Python's `re` can be
neither interrupted nor run beside the loop (it holds the GIL while it matches). ASP.NET's `RegexRouteConstraint`
gives each match a 10 s timeout; on a thread-per-request server that costs one thread. On the host's one event loop
it would stop every request, probe and listener for 10 s, so a match here runs in two steps, with the `regex` module
(`re`'s syntax, plus a match timeout and a GIL-free mode):

1. inline, for at most `INLINE_BUDGET` (1 ms): nearly every match ends long before, at `re`'s speed;
2. otherwise off the loop, on one thread of its own, with the GIL released, for at most `regexConstraintTimeout`
   (host.json `extensions.http`, default ASP.NET's 10 s) from when the request started waiting; the loop serves
   everything else meanwhile. A match that runs out of time answers 500, as ASP.NET's uncaught
   `RegexMatchTimeoutException` does, and the log names the pattern and the fix.

Route matching stays synchronous: a check that needs step 2 raises `SlowMatch` out of it, `SlowRegexMatcher`
decides that (pattern, value) off the loop and matches the route table again with the answer known.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from typing import TypeVar

import regex

INLINE_BUDGET = 0.001  # seconds a match may take on the event loop
T = TypeVar("T")

# (regex id, value) → its answer, while SlowRegexMatcher re-matches the route table for one request.
_decided: ContextVar[dict[tuple[int, str], bool] | None] = ContextVar("funchost_regex_decided", default=None)


class SlowMatch(Exception):
    """A regex constraint needs longer than the inline budget for this value: decide it off the loop."""

    def __init__(self, check: BoundedRegex, value: str) -> None:
        super().__init__(check.text)
        self.check = check
        self.value = value


class RegexTimeout(Exception):
    """A regex constraint did not finish within `regexConstraintTimeout`."""

    def __init__(self, pattern: str, length: int, timeout: float) -> None:
        super().__init__(
            f"route constraint regex({pattern}) did not finish within {timeout:g} s on a {length}-character value; "
            "answered 500. Fix: rewrite the pattern so it cannot backtrack without end (no nested or overlapping "
            "quantifiers such as (a+)+ or (a|aa)+), or raise host.json extensions.http.regexConstraintTimeout"
        )


class BoundedRegex:
    """The check of one `regex(...)` constraint: ASP.NET's options (case-insensitive, not anchored)."""

    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.pattern = regex.compile(pattern, regex.IGNORECASE)  # raises regex.error for a bad pattern

    def __call__(self, value: str) -> bool:
        decided = _decided.get()
        if decided is not None and (answer := decided.get((id(self), value))) is not None:
            return answer
        try:
            return self.pattern.search(value, timeout=INLINE_BUDGET) is not None
        except TimeoutError:
            raise SlowMatch(self, value) from None

    def search_off_loop(self, value: str, timeout: float) -> bool:
        return self.pattern.search(value, timeout=timeout, concurrent=True) is not None  # GIL released


def match_in_place(match: Callable[[], T], timeout: float) -> T:
    """`match()`, deciding any slow regex check in this thread (for callers off the event loop: tools, tests).

    The inline budget is wall-clock time, so on a busy machine even a trivial match can run out of it; the answer
    is then decided the same way, only here instead of on the regex thread. `RegexTimeout` after `timeout`.
    """
    decided: dict[tuple[int, str], bool] = {}
    token = _decided.set(decided)
    try:
        while True:
            try:
                return match()
            except SlowMatch as slow:
                try:
                    decided[(id(slow.check), slow.value)] = slow.check.search_off_loop(slow.value, timeout)
                except TimeoutError:
                    raise RegexTimeout(slow.check.text, len(slow.value), timeout) from None
    finally:
        _decided.reset(token)


class SlowRegexMatcher:
    """Decides slow regex checks on one thread of their own (at most one core), each within `timeout` seconds."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._executor: ThreadPoolExecutor | None = None

    async def match(self, match: Callable[[], T], slow: SlowMatch) -> T:
        """`match()` again until it returns, deciding each check that raised `SlowMatch` off the loop first."""
        decided: dict[tuple[int, str], bool] = {}
        token = _decided.set(decided)
        try:
            while True:
                decided[(id(slow.check), slow.value)] = await self._decide(slow)
                try:
                    return match()
                except SlowMatch as again:
                    slow = again
        finally:
            _decided.reset(token)

    async def _decide(self, slow: SlowMatch) -> bool:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="funchost-regex")
        loop = asyncio.get_running_loop()
        running = loop.run_in_executor(self._executor, slow.check.search_off_loop, slow.value, self.timeout)
        try:
            return await asyncio.wait_for(running, self.timeout)  # a match still queued then is cancelled
        except TimeoutError:  # in the queue, or regex's own timeout in the match
            raise RegexTimeout(slow.check.text, len(slow.value), self.timeout) from None

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
