"""A throw-away self-signed certificate for 127.0.0.1 (openssl, as the rest of the test suite makes them), so the
administration client can be pointed at it with `connection_verify=<certificate path>`."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path


def self_signed(folder: Path | None = None) -> tuple[Path, Path]:
    folder = folder or Path(tempfile.mkdtemp(prefix="servicebus-standin-tls-"))
    cert, key = folder / "standin-cert.pem", folder / "standin-key.pem"
    if not cert.exists():
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=127.0.0.1",
                "-days",
                "2",
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
        )
    return cert, key
