"""Keeping function keys out of logs: access-log lines show `?code=***`, never the key a client sent.

Uvicorn's access log prints the request path with its query string, and `code` carries a function key. The
`RedactKeys` filter rewrites such records before any handler sees them; `install_key_redaction()` puts it on the
`uvicorn.access` logger (idempotent).
"""

from __future__ import annotations

import logging
import re

ACCESS_LOGGER = "uvicorn.access"
_CODE = re.compile(r"(?i)([?&]code=)[^&#\s\"]*")


def redact(text: str) -> str:
    return _CODE.sub(r"\1***", text)


class RedactKeys(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install_key_redaction() -> None:
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactKeys) for f in logger.filters):
        logger.addFilter(RedactKeys())
