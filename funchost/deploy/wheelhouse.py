"""Wheels for the image, built on the host with the host's ``pip`` (its index, proxy and certificate settings).

The image installs them with ``pip install --no-index``, so the build itself needs no network: it works
air-gapped and behind TLS-intercepting proxies that a build container could not verify. When the host is the
image's platform (Linux, same machine, same CPython minor, glibc no newer than the image's) ``pip wheel`` is used,
which also builds source-only packages; otherwise ``pip download`` fetches binary wheels for the image's platform.

The app's requirements are resolved under funchost's own dependency ranges (a constraints file), so installing
them in the image cannot move a package the host needs out of its supported range.
"""

from __future__ import annotations

import importlib.metadata
import platform
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from funchost.deploy.errors import ImageBuildError, WheelhouseError

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*([^;]*?)\s*(?:;\s*(.*))?$")
_NO_MATCH = re.compile(r"No matching distribution found for (\S+)")
_CONFLICT = ("ResolutionImpossible", "conflicting dependencies", "Cannot install")
PIP_TIMEOUT = 1800.0  # seconds; a first wheelhouse of a large app downloads hundreds of MB


@dataclass(frozen=True)
class Platform:
    """The Python platform of the image: CPython ``python`` on Linux ``machine`` with glibc ``glibc`` or newer."""

    python: str = "3.11"
    machine: str = "x86_64"
    glibc: tuple[int, int] = (2, 36)  # Debian bookworm, the base of python:3.11-slim

    @property
    def abi(self) -> str:
        return "cp" + self.python.replace(".", "")

    def __str__(self) -> str:
        return f"Linux {self.machine}, CPython {self.python} ({self.abi}), glibc {self.glibc[0]}.{self.glibc[1]}"

    def platform_tags(self) -> list[str]:
        """Wheel platform tags that run on the image, newest first (manylinux down to 2.17, plus local builds)."""
        major, minor = self.glibc
        tags = [f"manylinux_{major}_{m}_{self.machine}" for m in range(minor, 16, -1)]
        return [*tags, f"manylinux2014_{self.machine}", f"linux_{self.machine}"]  # 2014 also brings 2010 and 1

    def download_args(self) -> list[str]:
        """``pip download`` options selecting binary wheels for this platform."""
        args = ["--only-binary=:all:", "--implementation", "cp", "--python-version", self.python]
        for abi in (self.abi, "abi3", "none"):
            args += ["--abi", abi]
        for tag in self.platform_tags():
            args += ["--platform", tag]
        return args

    def is_host(self) -> bool:
        """Whether wheels ``pip`` picks for this machine also run on the image."""
        if sys.platform != "linux" or sys.implementation.name != "cpython" or platform.machine() != self.machine:
            return False
        if f"{sys.version_info.major}.{sys.version_info.minor}" != self.python:
            return False
        libc, version = platform.libc_ver()
        parts = tuple(int(p) for p in version.split(".")[:2] if p.isdigit())
        return libc == "glibc" and len(parts) == 2 and parts <= self.glibc


IMAGE_PLATFORM = Platform()
"""The platform of the default base image (python:3.11-slim on x86_64)."""


def funchost_constraints() -> list[str]:
    """funchost's own runtime dependency ranges as pip constraints (extras dropped, as constraints require)."""
    try:
        requires = importlib.metadata.requires("funchost") or []
    except importlib.metadata.PackageNotFoundError:
        return []
    constraints = []
    for requirement in requires:
        match = _REQUIREMENT.match(requirement)
        if match is None or (match.group(3) and "extra" in match.group(3)):
            continue
        name, spec, marker = match.groups()
        constraints.append(f"{name}{spec}" + (f"; {marker}" if marker else ""))
    return constraints


def build_wheelhouse(
    requirements: Sequence[str],
    dest: Path,
    *,
    target: Platform = IMAGE_PLATFORM,
    find_links: Sequence[Path] = (),
    constraints: Sequence[str] = (),
    offline: bool = False,
    out: TextIO | None = None,
    cwd: Path | None = None,
    python: str = sys.executable,
) -> list[Path]:
    """Put wheels of ``requirements`` (pip arguments: ``-r file``, names, wheel paths) and their dependencies in
    ``dest``; returns the wheels there. ``offline`` uses ``find_links`` only (no package index). pip runs in ``cwd``
    (where relative paths in requirements point) and its output goes to ``out`` line by line as it comes."""
    dest.mkdir(parents=True, exist_ok=True)
    if target.is_host():
        command = [python, "-m", "pip", "wheel", "--wheel-dir", str(dest)]
    else:
        command = [python, "-m", "pip", "download", "--dest", str(dest), *target.download_args()]
    command += ["--progress-bar", "off", "--disable-pip-version-check"] + (["--no-index"] if offline else [])
    for folder in find_links:
        command += ["--find-links", str(folder)]
    if constraints:
        constraints_file = dest.parent / f"{dest.name}-constraints.txt"
        constraints_file.write_text("\n".join(constraints) + "\n", encoding="utf-8")
        command += ["--constraint", str(constraints_file)]
    output = _run(command + list(requirements), out, cwd)
    if output is not None:
        raise _failure(output, requirements, target, find_links, offline)
    return sorted(dest.glob("*.whl"))


def wheel_of_source(source: Path, dest: Path, *, out: TextIO | None = None, python: str = sys.executable) -> Path:
    """Build the wheel of a source tree (no dependencies) into ``dest``; returns it."""
    dest.mkdir(parents=True, exist_ok=True)
    before = set(dest.glob("*.whl"))
    command = [python, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(dest), "--disable-pip-version-check"]
    output = _run([*command, str(source)], out, None)
    built = sorted(set(dest.glob("*.whl")) - before) or sorted(dest.glob("*.whl"))
    if output is not None or not built:
        tail = "\n".join(f"    {line}" for line in (output or [])[-15:])
        raise ImageBuildError(
            f"building a wheel of {source} failed:\n{tail}\nFix: check that {source} builds (pip wheel)"
        )
    return built[0]


def _run(command: list[str], out: TextIO | None, cwd: Path | None) -> list[str] | None:
    """Run pip, echoing its lines; ``None`` on success, else everything it printed."""
    lines: list[str] = []
    try:
        with subprocess.Popen(
            command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True
        ) as pip:
            assert pip.stdout is not None
            for line in pip.stdout:
                lines.append(line.rstrip("\n"))
                if out is not None:
                    out.write(f"  {line}")
                    out.flush()
            code = pip.wait(timeout=PIP_TIMEOUT)
    except OSError as exc:
        raise ImageBuildError(
            f"cannot run pip ({command[0]} -m pip): {exc}. Fix: install pip for {command[0]}"
        ) from None
    return None if code == 0 else lines


def _failure(
    output: list[str], requirements: Sequence[str], target: Platform, find_links: Sequence[Path], offline: bool
) -> Exception:
    text = "\n".join(output)
    tail = "\n".join(f"    {line}" for line in output[-15:])
    asked = " ".join(requirements)
    if match := _NO_MATCH.search(text):
        missing = match.group(1)
        places = " or ".join([*([] if offline else ["the package index"]), *map(str, find_links)]) or "no wheels folder"
        return WheelhouseError(
            f"no wheel of {missing} (needed by {asked}) for the image's platform ({target}) on {places}.\n{tail}\n"
            f"Fix: put a wheel of {missing} built for that platform in the project's wheels/ folder (for example "
            f"'pip wheel {missing} -w wheels' on a Linux {target.machine} machine with Python {target.python}), "
            "or require a version that publishes such a wheel"
        )
    if any(marker in text for marker in _CONFLICT):
        return WheelhouseError(
            f"the requirements ({asked}) conflict with each other or with funchost's own dependencies:\n{tail}\n"
            "Fix: relax the version pins named above in requirements.txt"
        )
    return ImageBuildError(
        f"building the wheelhouse for {asked} failed:\n{tail}\nFix: check that pip on this machine can reach the "
        "package index (pip config, proxy, certificates), or put the wheels in the project's wheels/ folder"
    )
