"""One HTTP function with a failing output binding under a real `funchost start`: what it answered and which lines
of the host's output say the binding failed (the dispatcher's and each broker's end-to-end output tests)."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.hostproc import HostProcess


def failed_output_lines(root: Path, route: str, binding: str) -> tuple[int, list[str], str]:
    """GET /api/<route> once on the app at `root`, then stop the host: the status code, the output's lines that say
    "output binding <binding> failed" (e.g. "'out' (rabbitMQ)"), and the whole output."""
    with HostProcess(root) as host:
        host.wait_ready()
        response = httpx.get(f"{host.base_url}/api/{route}", timeout=60)
        host.terminate()
        output = host.output()
    failures = [line for line in output.splitlines() if f"output binding {binding} failed" in line]
    return response.status_code, failures, output
