"""Blob trigger through `funchost start` subprocesses on the shared Azurite: two instances of one app (one host id)
on one container process each blob version exactly once; `kill -9` of an instance while it scans and processes,
then a restart, leaves no blob unprocessed (at-least-once: receipts, the stored scan mark and the shared queue)."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

from tests.support.apps import write_app
from tests.support.hostproc import HostProcess
from tests.triggers.blob.conftest import HEADER, Storage

pytestmark = pytest.mark.azurite

APP = """
import os, time

@app.blob_trigger(arg_name="blob", path="%CONTAINER%/{name}", connection="AzureWebJobsStorage")
def record(blob: func.InputStream) -> None:
    time.sleep(float(os.environ.get("WORK_SECONDS", "0")))
    with open(os.environ["RECORD"], "a") as out:
        out.write(f"{os.getpid()} {blob.name} {blob.read().decode()}\\n")
"""


def recorded(path: Path) -> list[tuple[str, str]]:
    """(blob, content) per invocation, in order."""
    if not path.exists():
        return []
    return [(line.split(" ")[1], line.split(" ")[2]) for line in path.read_text().splitlines() if line.count(" ") == 2]


async def wait_for(predicate, within: float = 40.0, what: str = "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def env_for(storage: Storage, record: Path, azurite: str, **extra: str) -> dict[str, str]:
    return {
        "AzureWebJobsStorage": azurite,
        "AzureFunctionsWebHost__hostid": f"test-{uuid.uuid4().hex[:12]}",
        "CONTAINER": storage.container_name,
        "RECORD": str(record),
        "FUNCHOST_BLOB_SCAN_INTERVAL": "0.2",
        **extra,
    }


async def test_two_instances_process_each_blob_version_once(tmp_path: Path, storage: Storage, azurite: str) -> None:
    root = write_app(tmp_path / "app", HEADER + APP)
    record = tmp_path / "record.txt"
    env = env_for(storage, record, azurite)
    with HostProcess(root, env=env) as first, HostProcess(root, env=env) as second:
        first.wait_ready()
        second.wait_ready()
        expected = {f"{storage.container_name}/b{i:02}": f"v1-{i}" for i in range(30)}
        for i in range(30):
            await storage.put(f"b{i:02}", f"v1-{i}")
        await wait_for(lambda: len(recorded(record)) >= 30, what="30 invocations")
        for i in range(5):  # new versions of five blobs fire once more each
            await storage.put(f"b{i:02}", f"v2-{i}")
            expected[f"{storage.container_name}/b{i:02}#2"] = f"v2-{i}"
        await storage.put("sentinel", "end")
        await wait_for(lambda: (f"{storage.container_name}/sentinel", "end") in recorded(record), what="sentinel")
        await wait_for(lambda: len(recorded(record)) >= 36, what="the five new versions")
        assert first.terminate() == 0 and second.terminate() == 0
    counts = Counter(recorded(record))
    assert all(n == 1 for n in counts.values()), [k for k, n in counts.items() if n > 1]
    assert {content for _, content in counts} == {*expected.values(), "end"}


async def test_kill_9_mid_scan_then_restart_processes_every_blob(
    tmp_path: Path, storage: Storage, azurite: str
) -> None:
    root = write_app(tmp_path / "app", HEADER + APP)
    record = tmp_path / "record.txt"
    # a short receive lease so the messages the killed instance held come back quickly (only here: a lease shorter
    # than a busy machine's renewal delay would let a message be taken twice, which the other test forbids)
    env = env_for(storage, record, azurite, WORK_SECONDS="0.05", FUNCHOST_QUEUE_RECEIVE_VISIBILITY_TIMEOUT="2")
    names = {f"{storage.container_name}/k{i:03}" for i in range(80)}
    await asyncio.gather(*(storage.put(f"k{i:03}", "x") for i in range(80)))
    with HostProcess(root, env=env) as host:
        host.wait_ready()
        await wait_for(lambda: len(recorded(record)) >= 3, what="the first invocations")
        host.proc.send_signal(signal.SIGKILL)
        host.proc.wait(10)
    done_before = {name for name, _ in recorded(record)}
    assert done_before < names  # killed with work left
    with HostProcess(root, env=env) as host:
        host.wait_ready()
        await wait_for(lambda: {n for n, _ in recorded(record)} >= names, within=60, what="every blob processed")
        assert host.terminate() == 0
    assert {n for n, _ in recorded(record)} == names
