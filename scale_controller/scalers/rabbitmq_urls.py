"""RabbitMQ URL rules for the scaler: KEDA's management API URL (`getVhostAndPathFromURL`), the management API of
the broker an AMQP URL points at, basic authentication from a URL, and a credential-free description for errors."""

from __future__ import annotations

import base64
from urllib.parse import quote, unquote, urlsplit


def describe(url: str) -> str:
    """`scheme://host:port/path` of a URL, without user name or password."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path or '/'}"


def basic_auth(url: str) -> str:
    """The Authorization header for the user and password in a URL."""
    parts = urlsplit(url)
    pair = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def management_host(amqp_url: str) -> str:
    """The management API of the broker an AMQP URL points at: same credentials and vhost, port 15672 (15671 TLS)."""
    parts = urlsplit(amqp_url)
    scheme, port = ("https", 15671) if parts.scheme == "amqps" else ("http", 15672)
    vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
    auth = f"{parts.username or 'guest'}:{parts.password or 'guest'}@"
    return f"{scheme}://{auth}{parts.hostname or 'localhost'}:{port}/{quote(vhost, safe='')}"


def queue_api_url(host_url: str, queue: str, vhost_name: str | None = None) -> str:
    """KEDA's URL rule (`getVhostAndPathFromURL`): the last path segment is the vhost, anything before is a path
    prefix; vhostName overrides it; an empty vhost is the default "/". Names are percent-encoded as path segments
    (KEDA's url.QueryEscape would turn a space into "+", which the management API reads as a plus sign)."""
    parts = urlsplit(host_url)
    segments = parts.path.split("/")
    vhost, prefix = "/" + segments[-1], "/".join(s for s in segments[:-1] if s)
    if vhost_name:
        vhost = "/" + quote(vhost_name, safe="")
    if vhost in ("", "/", "//"):
        vhost = "/%2F"
    base = f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}"
    return f"{base}{'/' + prefix if prefix else ''}/api/queues{vhost}/{quote(queue, safe='')}"
