"""`funchost scale status` as a real subprocess, reading the status document a real `ScaleLoop` wrote (driven by the
in-memory Scaler / ScaleTarget implementations of tests/scale_controller/test_loop.py)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from scale_controller import status
from scale_controller.loop import ScaleLoop, TriggerSource
from tests.scale_controller.test_loop import Backlog, Factory, MemoryTarget
from tests.support.hostproc import run_cli


async def write_status(root: Path) -> Path:
    """Two ticks of a loop on two triggers (one failing): 0 → 1 on activation, then 1 → 3 on 30 / 10."""
    failing = Backlog(0)
    failing.fail_next = 99
    sources = [
        TriggerSource("process_order", "queueTrigger", Factory(Backlog(30))),
        TriggerSource("audit", "rabbitMQTrigger", Factory(failing)),
    ]
    path = status.default_path(root)
    loop = ScaleLoop(sources, MemoryTarget(), interval=1, status_path=path)
    await loop.tick()
    await loop.tick()
    await loop.aclose()
    return path


async def test_status_explains_the_last_decision(tmp_path: Path) -> None:
    await write_status(tmp_path)
    result = run_cli(["scale", "status", "--script-root", str(tmp_path)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Scale controller for memory:app (pid ")
    assert "polling every 1 s, loop lag " in lines[0]
    assert lines[1] == "Replicas:    1 → 3 (active)"  # the second tick's decision (applied: no target error)
    assert lines[2] == "Reason:      1 → 3: process_order 30 / target 10 = 3 → 3"
    assert lines[3].startswith("Last change: ") and lines[3].endswith("ago, 1 → 3")
    assert lines[4] == (
        "Policy:      min 0, max 100, scale-up +4 or +100 % per 15 s, scale-down stabilization 300 s, cooldown 300 s"
    )
    table = [line.split() for line in lines[6:]]
    assert table[0] == ["FUNCTION", "TRIGGER", "SCALER", "METRIC", "TARGET", "ACTIVE", "WANTS", "DETAIL"]
    assert table[1][:10] == [
        *("process_order", "queueTrigger", "memory:orders", "30", "10", "yes", "3"),
        *("30", "/", "target"),
    ]
    assert table[2][:8] == ["audit", "rabbitMQTrigger", "memory:orders", "-", "-", "error", "-", "failing"]
    assert "(2×: memory broker at 127.0.0.1:1 refused the connection)" in lines[8]


async def test_status_as_json(tmp_path: Path) -> None:
    await write_status(tmp_path)
    result = run_cli(["scale", "status", "--json"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["stale"], document["current"], document["desired"]) == (False, 1, 3)
    assert [(t["function"], t["replicas"], t["failures"]) for t in document["triggers"]] == [
        ("process_order", 3, 0),
        ("audit", None, 2),
    ]
    assert document["loop"]["ticks"] == 0  # tick() called directly: no timer, so no lag samples


def test_no_controller_says_how_to_start_one(tmp_path: Path) -> None:
    result = run_cli(["scale", "status", "--script-root", str(tmp_path)], cwd=tmp_path)
    assert result.returncode == 1
    assert f"no scale controller status at {tmp_path / '.funchost' / 'scale-status.json'}" in result.stderr
    assert "Fix: start the scale controller in the app folder" in result.stderr
    assert "Traceback" not in result.stderr


async def test_stale_status_is_shown_but_flagged(tmp_path: Path) -> None:
    path = await write_status(tmp_path)
    document = json.loads(path.read_text())
    document["updated_at"] = time.time() - 3600  # as if the controller stopped an hour ago
    path.write_text(json.dumps(document))
    result = run_cli(["scale", "status"], cwd=tmp_path)
    assert result.returncode == 1
    assert "Reason:      1 → 3: process_order" in result.stdout  # the last known decision is still shown
    assert "was last updated 60 min ago, but the controller rewrites it every 1 s" in result.stderr
    assert "no scale controller is running" in result.stderr and "Fix: start the scale controller" in result.stderr
