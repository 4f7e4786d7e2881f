"""The timer's blob-lease singleton through two real `funchost start` subprocesses against real Azurite: the lease
renewed past its first period (the standby never fires meanwhile), a standby taking over after the holder is
killed with SIGKILL (each occurrence still fires once), and the lease released on a graceful stop.

As fast as the semantics allow: the lease lasts listenerLockPeriod, at least 15 s (Azure's blob-lease floor, which
funchost enforces), so showing a renewal means running past 15 s, and a takeover after SIGKILL waits for the
orphaned lease to expire (up to 15 s) plus one listenerLockRecoveryPollingInterval (1 s here).
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from azure.storage.blob import BlobClient

from tests.support.apps import write_app
from tests.support.hostproc import HostProcess

pytestmark = pytest.mark.azurite

LOCK_PERIOD = 15.0  # seconds; the smallest blob lease

APP = """
import os
import azure.functions as func

app = func.FunctionApp()


@app.timer_trigger(schedule="* * * * * *", arg_name="timer")
def beat(timer: func.TimerRequest) -> None:
    # Next identifies the occurrence (the one after it): a duplicate Next is an occurrence fired twice.
    with open(os.environ["BEATS"], "a", encoding="utf-8") as out:
        out.write(f"{os.getpid()} {timer.schedule_status['Next']}\\n")
"""

HOST_JSON = {
    "version": "2.0",
    "singleton": {"listenerLockPeriod": "00:00:15", "listenerLockRecoveryPollingInterval": "00:00:01"},
}


def beats(record: Path) -> list[tuple[int, str]]:
    if not record.exists():
        return []
    pairs = (line.split(" ", 1) for line in record.read_text().splitlines() if " " in line)
    return [(int(pid), occurrence) for pid, occurrence in pairs]


def wait_until(condition: Callable[[], object], what: str, *hosts: HostProcess, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        logs = "\n".join(host.output() for host in hosts)
        assert time.monotonic() < deadline, f"timed out after {within} s waiting for {what}\n{logs}"
        time.sleep(0.1)


def lease_blob(azurite: str, host_id: str) -> BlobClient:
    return BlobClient.from_connection_string(
        azurite, "azure-webjobs-hosts", f"locks/{host_id}/Host.Functions.beat.Listener"
    )


@pytest.fixture
def app(tmp_path: Path, azurite: str, unique_name: str) -> tuple[Path, dict[str, str], Path]:
    root = write_app(tmp_path / "app", APP, host_json=HOST_JSON)
    record = tmp_path / "beats.txt"
    env = {"AzureWebJobsStorage": azurite, "AzureFunctionsWebHost__hostid": unique_name, "BEATS": str(record)}
    return root, env, record


def test_the_lease_is_renewed_and_a_standby_takes_over_after_a_kill_firing_each_occurrence_once(
    app: tuple[Path, dict[str, str], Path], azurite: str, unique_name: str
) -> None:
    root, env, record = app
    with HostProcess(root, env=env) as holder:
        holder.wait_ready()
        wait_until(lambda: beats(record), "the first beat", holder)  # the holder is known before the standby starts
        with HostProcess(root, env=env) as standby:
            standby.wait_ready()
            standby_since = time.monotonic()
            # Past the first lease period with the standby polling every second: only renewals keep the holder alone.
            wait_until(lambda: time.monotonic() - standby_since > LOCK_PERIOD + 3, "a lease period", within=30)
            assert {pid for pid, _ in beats(record)} == {holder.proc.pid}, "the standby fired while the lease was held"
            assert lease_blob(azurite, unique_name).get_blob_properties().lease.state == "leased"
            assert "holds the listener lock" in holder.output() and "holds the listener lock" not in standby.output()
            assert holder.terminate(signal.SIGKILL) == -signal.SIGKILL  # the lease is left to expire
            wait_until(lambda: any(pid == standby.proc.pid for pid, _ in beats(record)), "the takeover", standby)
            taken = beats(record)
            wait_until(lambda: len(beats(record)) >= len(taken) + 3, "beats from the new holder", standby)
            assert "holds the listener lock" in standby.output()
            assert standby.terminate() == 0
    fired = beats(record)
    pids = [pid for pid, _ in fired]
    handover = pids.index(standby.proc.pid)
    assert set(pids[:handover]) == {holder.proc.pid} and set(pids[handover:]) == {standby.proc.pid}, "one at a time"
    twice = [occurrence for occurrence, n in Counter(o for _, o in fired).items() if n > 1]
    assert not twice, f"occurrences fired twice: {twice}"


def test_a_graceful_stop_releases_the_lease_so_a_standby_need_not_wait_for_it_to_expire(
    app: tuple[Path, dict[str, str], Path], azurite: str, unique_name: str
) -> None:
    root, env, record = app
    blob = lease_blob(azurite, unique_name)
    with HostProcess(root, env=env) as holder:
        holder.wait_ready()
        wait_until(lambda: beats(record), "the first beat", holder)
        assert blob.get_blob_properties().lease.state == "leased"
        assert holder.terminate() == 0
    # A lease that was not released would stay "leased" until it expires, up to 15 s from its last renewal.
    assert blob.get_blob_properties().lease.state == "available"
    with HostProcess(root, env=env) as successor:
        successor.wait_ready()
        wait_until(lambda: any(pid == successor.proc.pid for pid, _ in beats(record)), "the successor", successor)
        assert successor.terminate() == 0
    assert blob.get_blob_properties().lease.state == "available"
