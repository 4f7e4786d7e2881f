"""Build and push output of the engine, streamed to the terminal as it arrives.

:class:`BuildLog` prints the build's own lines (``STEP 3/9: RUN pip install …``), remembers the step in progress
and the last lines, and turns an ``error`` event into an :class:`ImageBuildError` naming the failing step.
:class:`PushLog` prints one line per layer and state (``a1b2c3: Pushed``) and, on a terminal, a running byte
count; an ``error`` event becomes an :class:`ImagePushError`.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from typing import Any, TextIO

from funchost.deploy.errors import ImageBuildError, ImagePushError

_STEP = re.compile(r"^(?:\[\d+/\d+\] )?(?:STEP|Step) \d+/\d+\s*:")  # podman prefixes [stage/stages]
_BUILT = re.compile(r"^(?:Successfully built ([0-9a-f]{12,64})|([0-9a-f]{64}))$")  # docker's last line | podman's
TAIL_LINES = 25


class BuildLog:
    """Consumes the events of one build; :attr:`image_id` is set once the engine reports the image."""

    def __init__(self, out: TextIO, what: str) -> None:
        self.out = out
        self.what = what
        self.step: str | None = None
        self.image_id: str | None = None
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self._partial = ""

    def follow(self, events: Iterable[dict[str, Any]]) -> str | None:
        """Print every event; raise on an error event; return the image id the engine reported, if any."""
        for event in events:
            self.feed(event)
        return self.image_id

    def feed(self, event: dict[str, Any]) -> None:
        if "error" in event or "errorDetail" in event:
            detail = event.get("error") or (event.get("errorDetail") or {}).get("message") or str(event)
            raise self.failure(str(detail).strip())
        aux = event.get("aux")
        if isinstance(aux, dict) and isinstance(aux.get("ID"), str):
            self.image_id = aux["ID"]
        text = event.get("stream")
        if text is None and "status" in event:  # a base image being pulled
            text = f"{event.get('id', '')} {event['status']} {event.get('progress', '')}".strip() + "\n"
        if text:
            self.out.write(text)
            self.out.flush()
            self._lines(str(text))

    def failure(self, detail: str) -> ImageBuildError:
        at = f" at {self.step}" if self.step else ""
        output = "\n".join(f"    {line}" for line in self.tail)
        fix = "Fix: correct the failing step"
        if self.step and "pip install" in self.step:
            fix = (
                "Fix: the requirements could not be installed from the wheelhouse; check requirements.txt "
                "(and the project's wheels/ folder) and that the base image's Python matches the wheels (cp311)"
            )
        elif self.step and self.step.split(":", 1)[-1].strip().upper().startswith("FROM"):
            fix = (
                "Fix: the base image is not available to the engine; build it (funchost build does so for the "
                "default funchost/host image) or pass an existing one with --base-image"
            )
        return ImageBuildError(f"building {self.what} failed{at}: {detail}\nLast output:\n{output}\n{fix}")

    def _lines(self, text: str) -> None:
        self._partial += text
        *complete, self._partial = self._partial.split("\n")
        for line in complete:
            line = line.rstrip("\r")
            if not line.strip():
                continue
            self.tail.append(line)
            if _STEP.match(line):
                self.step = line.strip()
            elif match := _BUILT.match(line.strip()):
                self.image_id = self.image_id or match.group(1) or match.group(2)


class PushLog:
    """Consumes the events of one push: a line per layer state change, a byte counter on terminals."""

    def __init__(self, out: TextIO, reference: str) -> None:
        self.out = out
        self.reference = reference
        self.digest: str | None = None
        self._states: dict[str, str] = {}
        self._tty = out.isatty()

    def follow(self, events: Iterable[dict[str, Any]]) -> str | None:
        """Print the push's progress; raise on an error event; return the pushed digest when reported."""
        for event in events:
            self.feed(event)
        if self._tty:
            self.out.write("\n")
        return self.digest

    def feed(self, event: dict[str, Any]) -> None:
        if "error" in event or "errorDetail" in event:
            detail = event.get("error") or (event.get("errorDetail") or {}).get("message") or str(event)
            raise ImagePushError(
                f"pushing {self.reference} failed: {str(detail).strip()}. Fix: check that the registry is reachable "
                "from the engine and log in to it (docker login <registry>, or podman login)"
            )
        aux = event.get("aux")
        if isinstance(aux, dict) and isinstance(aux.get("Digest"), str):
            self.digest = aux["Digest"]
        status, layer = str(event.get("status", "")), str(event.get("id", ""))
        if not status:
            return
        if self._tty and event.get("progressDetail", {}).get("total"):
            detail = event["progressDetail"]
            self.out.write(f"\r{layer}: {status} {detail.get('current', 0) / 1e6:.1f}/{detail['total'] / 1e6:.1f} MB")
        elif self._states.get(layer) != status:
            self._states[layer] = status
            prefix = f"\n{layer}: " if self._tty else f"{layer}: " if layer else ""
            self.out.write(f"{prefix}{status}" + ("" if self._tty else "\n"))
        self.out.flush()
