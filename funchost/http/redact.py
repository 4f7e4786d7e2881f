"""Keeping function keys out of uvicorn's access log: lines show `?code=***`, never the key a client sent.

The masking itself lives in `funchost.redaction` (applied by funchost's log handler to every line at every level);
this filter also rewrites `uvicorn.access` records before any handler — including one a user attached — sees them.
`install_key_redaction()` puts it on that logger (idempotent).
"""

from __future__ import annotations

import logging

from funchost.redaction import redact

__all__ = ["ACCESS_LOGGER", "RedactKeys", "install_key_redaction", "redact"]

ACCESS_LOGGER = "uvicorn.access"


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
