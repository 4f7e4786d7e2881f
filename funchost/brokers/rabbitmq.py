"""RabbitMQ client plumbing shared by the trigger and the output binding: the credential-free description of an
AMQP URL used in every log line and error (`describe_endpoint`), scrubbing the URL and its password out of client
error texts (`scrub`), the TLS context for disableCertificateValidation, and quieting aiormq's own connection logs
(funchost reports each failure once, naming the function, setting and host).

The scale controller's RabbitMQ URL rules (KEDA's management API URL) are scale_controller/scalers/rabbitmq_urls.py.
"""

from __future__ import annotations

import logging
import ssl
from urllib.parse import unquote, urlsplit


def describe_endpoint(url: str) -> str:
    """`host:port/vhost` of an AMQP URL — never the user name or password — for logs and errors."""
    try:
        parts = urlsplit(url)
        port = parts.port or (5671 if parts.scheme == "amqps" else 5672)
        host = parts.hostname or "localhost"
    except ValueError:
        return "<unparsable AMQP URL>"
    vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
    return f"{parts.scheme or 'amqp'}://{host}:{port} (vhost '{vhost}')"


def scrub(text: str, url: str) -> str:
    """Remove the URL's password (and the URL itself) from an error text before it is logged."""
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    text = text.replace(url, describe_endpoint(url))
    if password:
        text = text.replace(password, "******").replace(unquote(password), "******")
    return text


def ssl_context(url: str, disable_certificate_validation: bool) -> ssl.SSLContext | None:
    """For `amqps://` with disableCertificateValidation: a context that accepts any server certificate.

    The extension only ignores certificate-chain errors (RabbitMQService.cs); Python's ssl cannot keep the host
    name check without chain validation, so both are off. None = aio-pika's default (full validation).
    """
    if not disable_certificate_validation or not url.lower().startswith("amqps:"):
        return None
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class _ReportedByFunchost(logging.Filter):
    """Drops aiormq's own connection-failure records (one per attempt, some with an empty traceback): the
    listener and the output binding report the same failure once, naming the function, setting and host."""

    NOISE = ("error when creating transport", "Unexpected connection close")

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno >= logging.ERROR and str(record.msg).startswith(self.NOISE))


_FILTER = _ReportedByFunchost()


def quiet_client_connection_logs() -> None:
    """Install the filter on aiormq's connection logger (idempotent)."""
    logging.getLogger("aiormq.connection").addFilter(_FILTER)  # adding the same filter twice is a no-op
