"""`funchost up` with HTTP functions: the keys are made once, before any worker starts, so every worker (they share
the listening socket `funchost up` hands them) accepts the same key. Real `funchost up` against the shared Azurite
(a uuid-named queue of the test's own, which nobody sends to)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from azure.storage.queue import QueueClient

from tests.support.apps import write_app
from tests.support.hostproc import free_port

pytestmark = pytest.mark.azurite

APP = """
import azure.functions as func

app = func.FunctionApp()

@app.route(route="hello")
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("hello")

@app.queue_trigger(arg_name="msg", queue_name="%WORK_QUEUE%", connection="AzureWebJobsStorage")
def work(msg: func.QueueMessage) -> None:
    pass
"""


def test_workers_started_together_share_one_keys_file(tmp_path: Path, azurite: str, unique_name: str) -> None:
    root = write_app(tmp_path / "app", APP, settings={"AzureWebJobsStorage": azurite, "WORK_QUEUE": unique_name})
    queue = QueueClient.from_connection_string(azurite, unique_name)
    queue.create_queue()  # an existing, empty queue: the controller then keeps the minimum of 2 workers
    port = free_port()
    command = [sys.executable, "-m", "funchost.cli.main", "up", "--port", str(port), "--min-replicas", "2"]
    command += ["--max-replicas", "2", "--no-standby"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    with (tmp_path / "up.log").open("wb") as log:
        up = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    keys_file = root / ".funchost" / "keys.json"
    workers = root / ".funchost" / "workers"
    try:
        deadline = time.monotonic() + 90
        while len(list(workers.glob("worker-*.log"))) < 2 or not _serving(port):
            assert up.poll() is None and time.monotonic() < deadline, (tmp_path / "up.log").read_text()
            time.sleep(0.2)
        first_worker = min(path.stat().st_mtime_ns for path in workers.glob("worker-*.log"))
        assert keys_file.stat().st_mtime_ns <= first_worker, "the keys file was written after a worker started"
        key = json.loads(keys_file.read_text())["functionKeys"]["hello"]["default"]
        answers = {httpx.get(f"http://127.0.0.1:{port}/api/hello", params={"code": key}).status_code for _ in range(40)}
        assert answers == {200}, "some worker did not accept the key in the keys file"
    finally:
        up.send_signal(signal.SIGINT)
        up.wait(60)
        queue.delete_queue()
        queue.close()


def _serving(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
