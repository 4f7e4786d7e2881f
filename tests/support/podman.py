"""podman as the test suite's Docker engine: its Docker-compatible API, started by scripts/services/podman (which also
installs podman and makes the local python:3.11-slim base image on a fresh machine), and container helpers."""

from __future__ import annotations

import subprocess
from typing import Any

import docker  # type: ignore[import-untyped]

from tests.services_support import ROOT

SOCKET = ROOT / ".services" / "podman" / "podman.sock"
START_TIMEOUT = 600  # seconds: a fresh machine installs podman and debootstraps the base image


def start_podman() -> str:
    """Start (or reuse) podman's API service; returns its base URL for the docker SDK."""
    script = ROOT / "scripts" / "services" / "podman"
    done = subprocess.run(
        ["bash", str(script), "start"], capture_output=True, text=True, timeout=START_TIMEOUT, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{script} start exited with {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return f"unix://{SOCKET}"


def ulimits() -> list[Any]:
    """nofile and nproc both: any `ulimits=` replaces the engine's defaults, and the machine caps nproc."""
    return [
        docker.types.Ulimit(name=name, soft=value, hard=value) for name, value in (("nofile", 20000), ("nproc", 32768))
    ]
