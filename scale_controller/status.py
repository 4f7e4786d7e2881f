"""The scale controller's published status: `<script_root>/.funchost/scale-status.json`.

The loop rewrites it atomically (temporary file + rename) after every tick; `funchost scale status` reads it. It
holds the readings per trigger, the last decision and its reason, the last change, the policy, and the loop's own
lag (planned vs actual tick, as KEDA's `keda_internal_scale_loop_latency`). A document older than its own
`stale_after_seconds` means no controller is updating it any more. Shape: docs/scaling.md "Status".
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from funchost.errors import FunchostError
from scale_controller.decision import Decision, Reading
from scale_controller.hpa import Proposal
from scale_controller.policy import Policy

VERSION = 1
STATUS_FILE = Path(".funchost") / "scale-status.json"


class StatusError(FunchostError):
    """The status document is missing or unreadable; the message says where and what to do."""


def default_path(script_root: Path) -> Path:
    return script_root / STATUS_FILE


@dataclass
class LagStats:
    """How late each tick started against its plan (planned = previous start + interval), in seconds."""

    ticks: int = 0
    last: float = 0.0
    max: float = 0.0
    total: float = 0.0

    def add(self, lag: float) -> None:
        self.ticks += 1
        self.last = lag
        self.max = max(self.max, lag)
        self.total += lag

    def as_dict(self) -> dict[str, float | int]:
        mean = self.total / self.ticks if self.ticks else 0.0
        return {"ticks": self.ticks, "lag_seconds": self.last, "max_lag_seconds": self.max, "mean_lag_seconds": mean}


def trigger_row(
    function: str,
    trigger: str,
    name: str,
    scaler: str | None,
    reading: Reading,
    proposal: Proposal | None,
    failures: int,
) -> dict[str, Any]:
    return {
        "function": function,
        "trigger": trigger,
        "name": name,  # the name used in reasons
        "scaler": scaler,  # the scaler's own name, e.g. "azure-queue:orders" (None until built)
        "value": reading.value,
        "target": reading.target,
        "active": reading.active,
        "error": reading.error,
        "failures": failures,  # consecutive failed polls
        "replicas": proposal.replicas if proposal else None,  # what this trigger's metric asks for
        "detail": proposal.detail if proposal else reading.error,
    }


def document(
    *,
    target: str,
    started_at: float,
    now: float,
    interval: float,
    scaler_timeout: float,
    policy: Policy,
    decision: Decision | None,
    active: bool,
    target_error: str | None,
    last_active_at: float | None,
    last_change: dict[str, Any] | None,
    lag: LagStats,
    triggers: list[dict[str, Any]],
) -> dict[str, Any]:
    """The status document (times are Unix epoch seconds). `decision` is None when the target could not be read."""
    return {
        "version": VERSION,
        "pid": os.getpid(),
        "target": target,
        "started_at": started_at,
        "updated_at": now,
        "interval_seconds": interval,
        # a tick may take two scaler timeouts (one retry); missing two such ticks means nobody is writing any more
        "stale_after_seconds": 2 * (interval + 2 * scaler_timeout) + 5,
        "policy": {**asdict(policy), "summary": policy.describe()},
        "current": decision.current if decision else None,
        "desired": decision.desired if decision else None,
        "active": decision.active if decision else active,
        "reason": decision.reason if decision else target_error,
        "target_error": target_error,
        "last_active_at": last_active_at,
        "last_change": last_change,  # {"at", "from", "to", "reason"} of the last applied change
        "loop": lag.as_dict(),
        "triggers": triggers,
    }


def write(path: Path, document: dict[str, Any]) -> None:
    """Replace `path` atomically: readers see the old or the new document, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=2, ensure_ascii=False)
            out.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StatusError(f"no scale controller status at {path}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StatusError(f"{path} is not a scale controller status document ({exc})") from None
    if not isinstance(document, dict) or document.get("version") != VERSION:
        raise StatusError(f"{path} is not a version-{VERSION} scale controller status document")
    return document


def age(document: dict[str, Any], now: float) -> float:
    return max(0.0, now - float(document["updated_at"]))


def is_stale(document: dict[str, Any], now: float) -> bool:
    return age(document, now) > float(document["stale_after_seconds"])
