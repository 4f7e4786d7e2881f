"""Keeping secrets out of every log line funchost writes: function keys, connection-string secrets, passwords.

Two layers, both applied to the *formatted* line (message, arguments, traceback and all), so no logger — uvicorn's
ASGI trace logger, an SDK's, or the user's own `logging.info(req.headers)` — can print a secret through a handler
funchost configured:

- **Shapes** that carry a secret whatever its value: a `code=` query parameter, an `x-functions-key` or
  `Authorization` header (as text or as uvicorn's `(b'name', b'value')` tuples), `AccountKey=` /
  `SharedAccessKey=` / `SharedAccessSignature=` / `Password=` / `sig=` in connection strings and SAS tokens, and
  the password in `scheme://user:password@host` URLs.
- **Values** registered with `register_secret()`: the host's function, host and master keys, and app settings whose
  name says they are secret (`*Password*`, `*Secret*`, `*Key*`, `*Token*`), wherever they appear.

Each secret becomes `***`. `RedactingFormatter` is the formatter funchost's own handlers use.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping

__all__ = ["MASK", "RedactingFormatter", "redact", "register_secret", "register_secret_settings", "register_secrets"]

MASK = "***"
MIN_SECRET_LENGTH = 8  # shorter registered values ("true", a port) would mask ordinary words

_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    # ?code=KEY, &code=KEY, and uvicorn's scope dump b'code=KEY'
    (re.compile(r"(?i)((?:^|[?&'\"\s])code=)[^&#\s\"',;)]+"), r"\1" + MASK),
    # (b'x-functions-key', b'KEY') and ('authorization', 'Bearer x')
    (
        re.compile(r"(?i)((?:x-functions-key|authorization)['\"]?\s*,\s*b?['\"])[^'\"]*"),
        r"\1" + MASK,
    ),
    # {'x-functions-key': 'KEY'} and x-functions-key: KEY
    (
        re.compile(r"(?i)((?:x-functions-key|authorization)['\"]?\s*[:=]\s*b?['\"]?)[^'\"\s,}]+(?: [^'\"\s,}]+)?"),
        r"\1" + MASK,
    ),
    # AccountKey=..., SharedAccessKey=..., SharedAccessSignature=..., Password=..., sig=... (up to ; & or a quote)
    (
        re.compile(r"(?i)\b(AccountKey|SharedAccessKey|SharedAccessSignature|Password|sig)=[^;&\s\"']+"),
        r"\1=" + MASK,
    ),
    # scheme://user:password@host
    (re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^:/@\s\"']*:)[^@/\s\"']+@"), r"\1" + MASK + "@"),
)

_SECRET_SETTING_NAME = re.compile(r"(?i)(password|secret|key|token|sas)")

_lock = threading.Lock()
_values: frozenset[str] = frozenset()
_values_pattern: re.Pattern[str] | None = None


def register_secret(value: str | None) -> None:
    """Mask `value` wherever it appears in a log line from now on (ignored when shorter than 8 characters)."""
    global _values, _values_pattern
    if not value or len(value) < MIN_SECRET_LENGTH or value in _values:
        return
    with _lock:
        values = _values | {value}
        # Longest first, so a secret that contains another is masked whole.
        _values_pattern = re.compile("|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)))
        _values = values


def register_secret_settings(settings: Mapping[str, str]) -> None:
    """Register the values of settings whose name marks them secret (KafkaPassword, MyApiKey, SasToken…)."""
    for name, value in settings.items():
        if _SECRET_SETTING_NAME.search(name) and isinstance(value, str):
            register_secret(value)


def register_secrets(values: Iterable[str | None]) -> None:
    for value in values:
        register_secret(value)


def redact(text: str) -> str:
    """`text` with every secret shape and every registered secret value replaced by `***`."""
    pattern = _values_pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    for shape, replacement in _SHAPES:
        text = shape.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    """A `logging.Formatter` whose whole output (message, exception text, stack) goes through `redact()`."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
