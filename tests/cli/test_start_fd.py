"""`funchost start --fd N`: the inherited listening socket is served as it is; anything else is refused with the
fix (real descriptors: a listening socket, an unconnected socket, a regular file)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from funchost.cli.start import inherited_socket
from funchost.errors import StartupError


def test_a_listening_socket_is_adopted() -> None:
    with socket.socket() as original:
        original.bind(("127.0.0.1", 0))
        original.listen(8)
        adopted = inherited_socket(os.dup(original.fileno()))
        with adopted:
            assert adopted.getsockname() == original.getsockname()


def test_a_socket_that_does_not_listen_is_refused() -> None:
    with socket.socket() as plain, pytest.raises(StartupError, match="not a listening TCP socket. Fix"):
        inherited_socket(plain.fileno())


def test_a_file_is_refused(tmp_path: Path) -> None:
    fd = os.open(tmp_path / "f", os.O_CREAT | os.O_RDWR)
    try:
        with pytest.raises(StartupError, match=f"--fd {fd}: not an open socket"):
            inherited_socket(fd)
    finally:
        os.close(fd)
