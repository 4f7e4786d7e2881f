"""Log lines that carry the function name and invocation id (also from user code in threads), and never a secret."""

from __future__ import annotations

import contextvars
import logging
import sys

from funchost.invocation_ids import invocation_id_text
from funchost.redaction import RedactingFormatter

# (function name, invocation id or the number it is formatted from: see funchost/invocation_ids.py)
current_invocation: contextvars.ContextVar[tuple[str, str | int] | None] = contextvars.ContextVar(
    "funchost_invocation", default=None
)

FORMAT = "%(asctime)s %(levelname)s %(name)s%(invocation)s: %(message)s"


class InvocationFilter(logging.Filter):
    """Adds `function` / `invocation_id` attributes and a ready-made `invocation` suffix to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = current_invocation.get()
        function, invocation_id = (current[0], invocation_id_text(current[1])) if current else ("", "")
        record.function, record.invocation_id = function, invocation_id
        record.invocation = f" [{function} {invocation_id}]" if current else ""
        return True


def configure_logging(level: int = logging.INFO) -> None:
    """Console logging for the host process; filter and formatter sit on the handler so user loggers get them too.

    The formatter masks secrets (function keys, connection-string secrets, passwords) in every line it writes,
    at every level: see funchost/redaction.py.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_funchost", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._funchost = True  # type: ignore[attr-defined]
    handler.addFilter(InvocationFilter())
    handler.setFormatter(RedactingFormatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    # The storage SDK logs every HTTP request at INFO; the Functions host keeps SDK chatter out of the console too.
    # host.json logging.logLevel can still raise it (e.g. "azure": "Information").
    logging.getLogger("azure").setLevel(max(level, logging.WARNING))
