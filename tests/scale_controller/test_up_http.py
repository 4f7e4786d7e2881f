"""`funchost up` scaling HTTP functions from zero (real subprocesses, real TCP): 0 workers → the first request is
answered (the connection waits in the accept queue of the socket up owns; nothing refused) → more workers under
concurrent load → back to 0 after a short cooldown; 429 past maxOutstandingRequests; a mixed HTTP + queue app
shows both triggers (real Azurite, a uuid-named queue of the test's own)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from azure.storage.queue import QueueClient

from tests.support.apps import write_app
from tests.support.hostproc import free_port

APP = """
import asyncio

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="hello")
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("hello")


@app.route(route="slow")
async def slow(req: func.HttpRequest) -> func.HttpResponse:
    await asyncio.sleep(float(req.params.get("s", "0.3")))
    return func.HttpResponse("slow")
"""
QUEUE_FUNCTION = """

@app.queue_trigger(arg_name="msg", queue_name="%WORK_QUEUE%", connection="AzureWebJobsStorage")
def work(msg: func.QueueMessage) -> None:
    pass
"""
FAST = ["--polling-interval", "0.2", "--cooldown-period", "1", "--stabilization-window", "1"]


@contextmanager
def up(root: Path, port: int, *options: str) -> Iterator[Callable[[], str]]:
    log_path = root.parent / "up.log"
    command = [sys.executable, "-m", "funchost.cli.main", "up", "--port", str(port), *FAST, *options]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}, "PYTHONUNBUFFERED": "1"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    output = log_path.read_text
    try:
        wait_for(lambda: "workers 0 " in output() and process.poll() is None, output, 90)
        yield output
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(60)
        assert code == 0, output()


def wait_for(predicate: Callable[[], bool], output: Callable[[], str], within: float) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        assert time.monotonic() < deadline, output()
        time.sleep(0.05)


def peak(output: str) -> int:
    return max([int(n) for n in re.findall(r"workers \d+ → (\d+)", output)] or [0])


async def load(port: int, clients: int, seconds: float) -> list[int]:
    """`clients` connections each calling /api/slow in a loop for `seconds`; every status code seen."""
    codes: list[int] = []
    end = time.monotonic() + seconds

    async def one() -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            while time.monotonic() < end:
                codes.append((await client.get("/api/slow", params={"s": "0.2"})).status_code)

    await asyncio.gather(*(one() for _ in range(clients)))
    return codes


def test_http_from_zero_to_n_and_back_to_zero(tmp_path: Path) -> None:
    host_json = {"version": "2.0", "extensions": {"http": {"maxConcurrentRequests": 2}}}  # target 2 per worker
    root = write_app(tmp_path / "app", APP, host_json=host_json)
    port = free_port()
    with up(root, port, "--max-replicas", "3") as output:
        assert "http: 2 in-flight requests per worker (host.json extensions.http.maxConcurrentRequests)" in output()
        first = httpx.get(f"http://127.0.0.1:{port}/api/hello", timeout=30)  # no worker runs yet
        assert (first.status_code, first.text) == (200, "hello")
        assert re.search(r"workers 0 → 1 +\| http: [1-9]", output()), output()
        codes = asyncio.run(load(port, clients=6, seconds=4))
        assert set(codes) == {200}, "a request was refused, dropped or throttled while scaling"
        assert peak(output()) >= 2, output()
        wait_for(lambda: re.search(r"workers [1-9]\d* → 0\b", output().split("→ 1 ", 1)[1]) is not None, output, 60)
    assert "Stopped: workers drained." in output()


@pytest.mark.azurite
def test_mixed_app_scales_on_both_and_throttles_past_max_outstanding(
    tmp_path: Path, azurite: str, unique_name: str
) -> None:
    host_json = {"version": "2.0", "extensions": {"http": {"maxOutstandingRequests": 1}}}
    settings = {"AzureWebJobsStorage": azurite, "WORK_QUEUE": unique_name}
    root = write_app(tmp_path / "app", APP + QUEUE_FUNCTION, host_json=host_json, settings=settings)
    QueueClient.from_connection_string(azurite, unique_name).create_queue()
    port = free_port()
    with up(root, port, "--max-replicas", "1") as output:
        assert "Scaling app: work, http" in output()

        async def three() -> list[int]:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                calls = [client.get("/api/slow", params={"s": "2"}) for _ in range(3)]
                return [r.status_code for r in await asyncio.gather(*calls)]

        codes = asyncio.run(three())  # all three wait in the accept queue, then reach the one worker together
        assert sorted(codes) == [200, 429, 429], codes
        assert re.search(r"work: 0 waiting \(target \d+/worker\) \| http: \d+ in flight", output()), output()
        status = subprocess.run(
            [sys.executable, "-m", "funchost.cli.main", "scale", "status", "--script-root", str(root)],
            capture_output=True, text=True, check=True, timeout=60,
        )  # fmt: skip
        assert re.search(r"^\s*http\s+httpTrigger\s+http:app\s", status.stdout, re.M), status.stdout
        assert re.search(r"^\s*work\s+queueTrigger\s", status.stdout, re.M), status.stdout
