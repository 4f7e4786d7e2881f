"""`funchost scale status [--script-root DIR] [--json]`: what the scale controller measured, decided, and why.

It reads the status document the running controller rewrites after every tick (`scale_controller.status`,
`<script_root>/.funchost/scale-status.json`) and never talks to a broker itself, so it answers "why isn't it
scaling?" without credentials. Exit code 1 when no controller is running (no document, or a stale one).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from typing import Any

from funchost.metadata.app_loader import resolve_script_root
from scale_controller import status

START_HINT = "start the scale controller in the app folder (`funchost scale run`, see docs/scaling.md)"
COLUMNS = ("FUNCTION", "TRIGGER", "SCALER", "METRIC", "TARGET", "ACTIVE", "WANTS", "DETAIL")


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """Add `funchost scale` with its `status` action; returns the actions so other `scale` actions can be added."""
    parser = subparsers.add_parser("scale", help="the scale controller: scale the app on its event backlog")
    actions = parser.add_subparsers(dest="action", required=True)
    show = actions.add_parser("status", help="show each trigger's metric and the controller's last decision")
    show.add_argument("--script-root", help="the app folder (default: AzureWebJobsScriptRoot or the current folder)")
    show.add_argument("--json", action="store_true", help="print the status document as JSON")
    show.set_defaults(handler=run_status)
    return actions


def run_status(args: argparse.Namespace) -> int:
    root = resolve_script_root(args.script_root)
    path = status.default_path(root)
    try:
        document = status.read(path)
    except status.StatusError as exc:
        print(f"error: {exc}: no scale controller is running for {root}. Fix: {START_HINT}", file=sys.stderr)
        return 1
    now = time.time()
    age, stale = status.age(document, now), status.is_stale(document, now)
    if args.json:
        json.dump(document | {"age_seconds": age, "stale": stale}, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render(document, now))
    if stale:
        print(
            f"error: {path} was last updated {_ago(age)} ago, but the controller rewrites it every "
            f"{_num(document['interval_seconds'])} s: no scale controller is running for {root}. Fix: {START_HINT}",
            file=sys.stderr,
        )
        return 1
    return 0


def render(document: dict[str, Any], now: float) -> str:
    loop, policy = document["loop"], document["policy"]
    current, desired = document["current"], document["desired"]
    replicas = "unknown" if current is None else f"{current} → {desired}" if desired != current else f"{current}"
    lines = [
        f"Scale controller for {document['target']} (pid {document['pid']}): updated {_ago(status.age(document, now))}"
        f" ago, polling every {_num(document['interval_seconds'])} s, loop lag {loop['lag_seconds'] * 1000:.1f} ms"
        f" (max {loop['max_lag_seconds'] * 1000:.1f} ms over {loop['ticks']} ticks)",
        f"Replicas:    {replicas}{' (active)' if document['active'] else ' (no trigger active)'}",
        f"Reason:      {document['reason'] or '-'}",
    ]
    if document["target_error"] and document["target_error"] != document["reason"]:
        lines.append(f"Target:      {document['target_error']}")
    change = document["last_change"]
    if change:
        lines.append(f"Last change: {_ago(now - change['at'])} ago, {change['from']} → {change['to']}")
    else:
        lines.append("Last change: none since the controller started")
    lines.append(
        f"Policy:      min {policy['min_replicas']}, max {policy['max_replicas']}, cooldown "
        f"{_num(policy['cooldown_period'])} s{', paused' if policy['paused'] else ''}"
    )
    rows = [_row(t) for t in document["triggers"]]
    return "\n".join(lines) + "\n\n" + _table([COLUMNS, *rows]) + "\n"


def _row(trigger: dict[str, Any]) -> tuple[str, ...]:
    failing = trigger["error"] is not None
    return (
        trigger["function"],
        trigger["trigger"],
        trigger["scaler"] or "-",
        "-" if trigger["value"] is None else _num(trigger["value"]),
        "-" if trigger["target"] is None else _num(trigger["target"]),
        "error" if failing else "yes" if trigger["active"] else "no",
        "-" if trigger["replicas"] is None else str(trigger["replicas"]),
        trigger["detail"] or "",
    )


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]]).rstrip() for row in rows
    )


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


def _ago(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.0f} h"
