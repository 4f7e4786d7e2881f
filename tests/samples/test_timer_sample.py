"""samples/timer through `funchost start` subprocesses against real Azurite: one firing per occurrence across
two instances (blob-lease singleton), past-due detection after downtime, and graceful exit on SIGTERM."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from tests.support.hostproc import SAMPLES, HostProcess

pytestmark = pytest.mark.azurite


def heartbeat_env(azurite: str, record: Path, host_id: str) -> dict[str, str]:
    return {
        "AzureWebJobsStorage": azurite,
        "HEARTBEAT_FILE": str(record),
        "HEARTBEAT_SCHEDULE": "* * * * * *",  # every second
        "AzureFunctionsWebHost__hostid": host_id,
    }


def lines(record: Path) -> list[list[str]]:
    return [line.split() for line in record.read_text().splitlines()] if record.exists() else []


def wait_for_lines(record: Path, count: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while len(lines(record)) < count:
        assert time.monotonic() < deadline, f"only {len(lines(record))} heartbeats after {timeout} s"
        time.sleep(0.2)


def test_two_instances_fire_each_occurrence_once(azurite: str, tmp_path: Path, unique_name: str) -> None:
    record = tmp_path / "beats.txt"
    env = heartbeat_env(azurite, record, unique_name)
    with HostProcess(SAMPLES / "timer", env=env) as first, HostProcess(SAMPLES / "timer", env=env) as second:
        first.wait_ready()
        second.wait_ready()
        wait_for_lines(record, 6)
        assert first.terminate() == 0 and second.terminate() == 0
    beats = lines(record)
    seconds = Counter(line[0][:19] for line in beats)  # the occurrence, to the second
    assert all(n == 1 for n in seconds.values()), f"an occurrence fired twice: {seconds}"
    assert len({line[1] for line in beats}) == 1, "only the lease holder should run the schedule"


def test_missed_occurrence_is_past_due_after_restart(azurite: str, tmp_path: Path, unique_name: str) -> None:
    record = tmp_path / "beats.txt"
    env = heartbeat_env(azurite, record, unique_name)
    with HostProcess(SAMPLES / "timer", env=env) as host:
        host.wait_ready()
        wait_for_lines(record, 2)
        assert host.terminate() == 0
    time.sleep(2.5)  # occurrences pass while nothing runs
    before = len(lines(record))
    with HostProcess(SAMPLES / "timer", env=env) as host:
        host.wait_ready()
        wait_for_lines(record, before + 1)
        assert host.terminate() == 0
    assert lines(record)[before][2] == "past_due=True"
    assert all(line[2] == "past_due=False" for line in lines(record)[:before])


def test_without_storage_the_timer_still_runs_and_says_why_it_is_not_singleton(tmp_path: Path) -> None:
    record = tmp_path / "beats.txt"
    env = {"AzureWebJobsStorage": "", "HEARTBEAT_FILE": str(record), "HEARTBEAT_SCHEDULE": "* * * * * *"}
    with HostProcess(SAMPLES / "timer", env=env) as host:
        host.wait_ready()
        wait_for_lines(record, 2)
        assert host.terminate() == 0
        assert "runs on every instance: AzureWebJobsStorage is not set" in host.output()
