"""`funchost up` (a real subprocess) scaling a Service Bus-triggered app 0 → N → 0 on the queue's active message
count, against the Service Bus stand-in (tests/support/servicebus_standin — a protocol-level stand-in reached by the
real azure-servicebus SDK, not Service Bus) or the real namespace of FUNCHOST_TEST_SERVICEBUS_CONNECTION_STRING:
0 workers, a burst of messages → more than one worker → every message processed, none lost → back to 0 after a
shortened cooldown. The app is written here (a worker with a little simulated work), as samples/scale-demo is for
storage queues."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from azure.servicebus import ServiceBusClient, ServiceBusMessage

from funchost.metadata.not_hosted import is_hosted
from funchost.triggers.base import LISTENERS
from tests.support.hostproc import free_port
from tests.support.servicebus_standin.target import ServiceBusUnderTest

BURST = 400
APP = """
import os
import time

import azure.functions as func

app = func.FunctionApp()


@app.service_bus_queue_trigger(arg_name="msg", queue_name="%WORK_QUEUE%", connection="ServiceBusConnection")
def work(msg: func.ServiceBusMessage) -> None:
    time.sleep(float(os.environ["WORK_SECONDS"]))
    with open(os.environ["WORK_RECORD"], "a", encoding="utf-8") as out:
        out.write(f"{msg.get_body().decode()} {os.getpid()}\\n")
"""
HOST_JSON = {
    "version": "2.0",
    "extensions": {"serviceBus": {"maxConcurrentCalls": 4}},
    "logging": {"logLevel": {"default": "Warning"}},
}


@pytest.mark.skipif(
    "serviceBusTrigger" not in LISTENERS or not is_hosted("serviceBusTrigger"),
    reason="needs the serviceBusTrigger listener (funchost/triggers/servicebus), absent from "
    "funchost.triggers.base.LISTENERS",
)
def test_up_scales_a_service_bus_app_from_zero_and_back(servicebus: ServiceBusUnderTest, tmp_path: Path) -> None:
    queue = servicebus.queue()
    app = tmp_path / "sb-scale"
    app.mkdir()
    (app / "function_app.py").write_text(APP, encoding="utf-8")
    (app / "host.json").write_text(json.dumps(HOST_JSON), encoding="utf-8")
    record = tmp_path / "processed.txt"
    env = {
        **os.environ,
        "ServiceBusConnection": servicebus.connection_string,
        "WORK_QUEUE": queue,
        "WORK_RECORD": str(record),
        "WORK_SECONDS": "0.1",
        "PYTHONUNBUFFERED": "1",
    }
    if servicebus.standin is not None:  # the administration API of the stand-in is HTTPS with a self-signed cert
        env["SSL_CERT_FILE"] = str(servicebus.standin.certificate)
    log_path = tmp_path / "up.log"
    log = log_path.open("w")
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
        _wait(lambda: status_file.exists(), 60, log_path)
        with ServiceBusClient.from_connection_string(servicebus.connection_string) as client:
            with client.get_queue_sender(queue) as sender:
                sender.send_messages([ServiceBusMessage(f"m{n}") for n in range(BURST)])
        _wait(lambda: len(set(_ids(record))) >= BURST, 180, log_path)
        _wait(lambda: re.search(r"workers \d+ → 0\b", log_path.read_text()) is not None, 60, log_path)
    finally:
        up.send_signal(signal.SIGINT)
        code = up.wait(60)
        log.close()
    output = log_path.read_text()
    assert code == 0, output
    assert len(set(_ids(record))) == BURST, f"{BURST - len(set(_ids(record)))} messages lost"
    peak = max(int(m) for m in re.findall(r"workers \d+ → (\d+)", output))
    assert peak > 1, output
    status = json.loads((app / ".funchost" / "scale-status.json").read_text())
    assert status["last_change"]["to"] == 0 and status["triggers"][0]["value"] == 0, status


def _ids(record: Path) -> list[str]:
    return [line.split()[0] for line in record.read_text().splitlines()] if record.exists() else []


def _wait(condition: Callable[[], bool], timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s:\n{log.read_text()}")
        time.sleep(0.2)
