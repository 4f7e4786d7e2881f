"""Ports for private test services: a free one on 127.0.0.1, and waiting until something listens on one."""

from __future__ import annotations

import socket
import time

__all__ = ["free_port", "listening", "wait_for_port"]


def free_port(below: int = 65536) -> int:
    """A port nothing listens on now (the kernel picks it; retried until it is below `below`)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port < below:
            return port


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(port: int, within: float = 30.0, what: str = "a service") -> None:
    """Block until 127.0.0.1:`port` accepts connections; AssertionError naming `what` after `within` seconds."""
    deadline = time.monotonic() + within
    while not listening(port):
        assert time.monotonic() < deadline, f"{what} does not listen on 127.0.0.1:{port} after {within} s"
        time.sleep(0.05)
