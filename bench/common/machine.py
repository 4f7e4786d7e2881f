"""The one line that says what a benchmark ran on: cores, CPU model, kernel, Python, load."""

from __future__ import annotations

import contextlib
import os
import platform
from pathlib import Path


def machine() -> str:
    cpu_name = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_name = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} cores ({cpu_name}), Linux {platform.release()}, Python {platform.python_version()}; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
