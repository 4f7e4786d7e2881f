"""Profiling funchost under py-spy while it consumes, and printing the top frames."""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
from pathlib import Path

from bench.common.procs import PYTHON, ROOT


def start_py_spy(pid: int, out: Path, cpu: int) -> subprocess.Popen[bytes]:
    exe = shutil.which("py-spy", path=str(Path(PYTHON).parent)) or "py-spy"
    argv = ["taskset", "-c", str(cpu), exe, "record", "--pid", str(pid), "--rate", "250", "--format", "raw"]
    argv += ["--output", str(out), "--nonblocking"]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def _short(path: str) -> str:
    for marker in ("site-packages/", "/lib/python3.11/", str(ROOT) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def print_py_spy(path: Path, top: int) -> None:
    """Top own-time lines and inclusive-time functions of py-spy's collapsed stacks (idle frames excluded)."""
    if not path.exists():
        print("  (py-spy wrote no profile)")
        return
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_FRAME.match(frame) for frame in stack.split(";")]
        names = [f"{m['func']} ({_short(m['file'])}:{m['line']})" if m else "?" for m in frames]
        own[names[-1]] += count
        seen = set()
        for m in frames:
            if m is None:
                continue
            key = f"{m['func']} ({_short(m['file'])})"
            if key not in seen:
                seen.add(key)
                inclusive[key] += count
    if not total:
        print("  (no samples)")
        return
    print(f"  {total} samples (250 Hz, busy time only). Top own time (file:line):")
    for name, count in own.most_common(top):
        print(f"    {100 * count / total:5.1f}%  {name}")
    print("  Top inclusive time (function):")
    for name, count in inclusive.most_common(top):
        print(f"    {100 * count / total:5.1f}%  {name}")
