"""The main job end to end: `funchost up` (a real subprocess) on samples/scale-demo against real Azurite —
0 workers, a burst of 500 messages → more than one worker → every message processed, none lost → back to 0
after a shortened cooldown."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.hostproc import SAMPLES, free_port

pytestmark = pytest.mark.azurite


def test_scale_from_zero_drain_and_back_to_zero(azurite: str, tmp_path: Path, unique_name: str) -> None:
    app = tmp_path / "scale-demo"
    shutil.copytree(SAMPLES / "scale-demo", app, ignore=shutil.ignore_patterns(".funchost", "__pycache__"))
    record = tmp_path / "processed.txt"
    env = {
        **os.environ,
        "AzureWebJobsStorage": azurite,
        "WORK_QUEUE": unique_name,
        "WORK_RECORD": str(record),
        "WARM_RECORD": str(tmp_path / "warm.txt"),
        "WORK_SECONDS": "0.05",
        "PYTHONUNBUFFERED": "1",
    }
    log = (tmp_path / "up.log").open("w")
    command = [
        sys.executable,
        "-m",
        "funchost.cli.main",
        "up",
        "--script-root",
        str(app),
        "--port",
        str(free_port()),
        "--cooldown-period",
        "3",
        "--stabilization-window",
        "2",
        "--max-replicas",
        "4",
    ]
    up = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        status_file = app / ".funchost" / "scale-status.json"
        _wait(lambda: status_file.exists(), 60, tmp_path)
        subprocess.run([sys.executable, "send_burst.py", "500"], cwd=app, env=env, check=True, timeout=120)
        _wait(lambda: len(_ids(record)) >= 500, 180, tmp_path)
        _wait(lambda: re.search(r"workers \d+ → 0\b", (tmp_path / "up.log").read_text()) is not None, 60, tmp_path)
    finally:
        up.send_signal(signal.SIGINT)
        code = up.wait(60)
        log.close()
    output = (tmp_path / "up.log").read_text()
    assert code == 0, output
    assert "HTTP on 127.0.0.1:" in output, "up binds this machine only unless --host / FUNCHOST_ADDRESS says otherwise"
    workers = app / ".funchost" / "workers"
    shown = re.search(r"worker logs: (\S+)/worker-<N>\.log", output)  # relative to the current folder when inside it
    assert shown is not None and Path(shown[1]).resolve() == workers.resolve(), output
    assert (workers / "worker-0.log").exists()
    busy = {line.split()[1] for line in record.read_text().splitlines()}
    warm = set((tmp_path / "warm.txt").read_text().split())
    assert busy <= warm, "every added worker runs the sample's warmup function (FUNCHOST_WARMUP) before it serves"
    ids = _ids(record)
    assert len(set(ids)) == 500, f"{500 - len(set(ids))} messages lost"
    peak = max(int(m) for m in re.findall(r"workers \d+ → (\d+)", output))
    assert peak > 1, output
    assert len({line.split()[1] for line in record.read_text().splitlines()}) > 1, "work spread over workers"
    status = json.loads((app / ".funchost" / "scale-status.json").read_text())
    assert status["last_change"]["to"] == 0 and status["triggers"][0]["value"] == 0, status


def _ids(record: Path) -> list[str]:
    return [line.split()[0] for line in record.read_text().splitlines()] if record.exists() else []


def _wait(condition: Callable[[], bool], timeout: float, where: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s:\n{(where / 'up.log').read_text()}")
        time.sleep(0.2)
