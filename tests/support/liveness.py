"""Is a reused service still there? A cheap probe run before each test module, so an outage fails fast.

A service that went away mid-run otherwise makes every later test spend its SDK's retry budget (~80 s each for
Azure Storage) before failing; a module-scoped fixture that raises fails the whole module at once instead.
"""

from __future__ import annotations

import socket

import httpx

__all__ = ["ServiceGone", "management_api_answers", "require_listening"]


class ServiceGone(RuntimeError):
    """A service that answered earlier in this run no longer accepts connections."""


def require_listening(what: str, port: int, script: str, timeout: float = 3.0) -> None:
    """Raise ServiceGone unless something accepts TCP connections on 127.0.0.1:`port`."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
    raise ServiceGone(
        f"the service on port {port} went away: {what} on 127.0.0.1:{port} no longer accepts connections ({reason}); "
        f"start it again (scripts/services/{script} start) and rerun"
    )


def management_api_answers(port: int, user: str = "guest", password: str = "guest") -> bool:
    """True when RabbitMQ's management HTTP API answers /api/overview on 127.0.0.1:`port` with these credentials."""
    try:
        with httpx.Client(timeout=5.0) as client:
            response = client.get(f"http://127.0.0.1:{port}/api/overview", auth=(user, password))
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and "management_version" in response.text
