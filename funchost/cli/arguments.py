"""Checked command-line values and environment settings: ports, durations in seconds, counts.

The argparse `type=` functions turn a bad option into argparse's own `error:` line (exit 2); `env_seconds()` reads
an environment setting only when the command that needs it runs, so a bad one names itself and cannot break
unrelated commands (`--version`, `--help`).
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Mapping

from funchost.errors import ConfigurationError
from funchost.metadata.indexing_watchdog import DEFAULT_INDEXING_TIMEOUT, INDEXING_TIMEOUT_ENV


def port(text: str) -> int:
    """A TCP port, 1..65535."""
    try:
        number = int(text)
    except ValueError:
        number = -1
    if not 1 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number; use one from 1 to 65535, e.g. 7071")
    return number


def _seconds_or_none(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def seconds(text: str) -> float:
    """A non-negative, finite number of seconds."""
    value = _seconds_or_none(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds; use e.g. 30 or 2.5 (0 or more)")
    return value


def positive_seconds(text: str) -> float:
    """A finite number of seconds above 0."""
    value = _seconds_or_none(text)
    if not value:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0; use e.g. 30 or 0.5")
    return value


def count(text: str) -> int:
    """A whole number of 0 or more (replicas, whole seconds)."""
    try:
        number = int(text)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 0 or more; use e.g. 0, 1 or 10")
    return number


def positive_count(text: str) -> int:
    """A whole number above 0 (replicas to add, whole seconds of a period)."""
    number = count(text)
    if number == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number above 0; use e.g. 4 or 15")
    return number


def fraction(text: str) -> float:
    """A number from 0 to below 1 (a share of one replica's target)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a fraction from 0 to below 1; use e.g. 0.25, or 0 for none")
    return value


def env_seconds(name: str, default: float, env: Mapping[str, str] | None = None) -> float:
    """The environment setting `name` as seconds (`default` when unset or empty)."""
    raw = (os.environ if env is None else env).get(name, "").strip()
    if not raw:
        return default
    value = _seconds_or_none(raw)
    if value is None:
        raise ConfigurationError(
            f"the environment variable {name} is {raw!r}, not a number of seconds. "
            f"Fix: set it to e.g. {default:g} (0 or more), or unset it for the default of {default:g} s"
        )
    return value


def indexing_timeout(env: Mapping[str, str] | None = None) -> float:
    """FUNCHOST_INDEXING_TIMEOUT: seconds importing the app may take (0 = no limit)."""
    return env_seconds(INDEXING_TIMEOUT_ENV, DEFAULT_INDEXING_TIMEOUT, env)
