"""Service Bus trigger failures through `funchost start`, against the Service Bus stand-in
(tests/support/servicebus_standin, over TCP with the real azure-servicebus SDK): an identity-based connection is
refused naming the setting; a missing queue is "waiting" and retried until it exists, losing nothing; a wrong key is
reported without the key."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.servicebus import ServiceBusMessage

from tests.support.apps import write_app
from tests.support.hostproc import HostProcess, run_cli
from tests.triggers.servicebus.test_end_to_end import leftover, records, send, start, wait_for

FUNCTION = """
@app.service_bus_queue_trigger(arg_name="msg", queue_name="{queue}", connection="SbConn")
def work(msg: str) -> None:
    record("done", body=msg)
"""


def test_an_identity_connection_is_refused_naming_the_setting(tmp_path: Path) -> None:
    source = "import azure.functions as func\napp = func.FunctionApp()\n" + FUNCTION.format(queue="q").replace(
        'record("done", body=msg)', "pass"
    )
    root = write_app(tmp_path, source, settings={"SbConn__fullyQualifiedNamespace": "ns.servicebus.windows.net"})
    result = run_cli(["start", "--port", "17399"], root)
    assert result.returncode == 2, result.stderr
    assert "'SbConn__fullyQualifiedNamespace' asks for an identity-based connection" in result.stderr
    assert "Fix: set app setting 'SbConn' to the namespace's connection string" in result.stderr


def test_a_missing_queue_is_waited_for_and_then_consumed(servicebus: Any, tmp_path: Path) -> None:
    if servicebus.standin is None:
        pytest.skip("a real namespace's queues cannot be created by the test (the stand-in's can)")
    name = f"late-{tmp_path.name[-8:]}".lower()
    out = tmp_path / "out"
    out.mkdir()
    with start((tmp_path / "app", out), servicebus, FUNCTION.format(queue=name)) as host:
        health = httpx.get(f"{host.base_url}/readyz", timeout=5)
        assert health.status_code == 200 and "waiting" in health.text, health.text
        wait_for(lambda: f"Service Bus entity '{name}'" in host.output(), 10, "the missing queue reported", host)
        servicebus.standin.add_queue(name, lock_duration=5)
        send(servicebus, name, ServiceBusMessage("late"))
        wait_for(lambda: [r["body"] for r in records(out, "done")] == ["late"], 30, "the late message", host)
        wait_for(lambda: not leftover(servicebus, name), 15, "the queue to empty", host)


def test_a_wrong_key_is_reported_without_the_key(servicebus: Any, tmp_path: Path) -> None:
    if servicebus.standin is None:
        pytest.skip("needs the stand-in: a wrong key against a real namespace may lock the policy out")
    queue = servicebus.queue()
    wrong = re.sub(r"SharedAccessKey=[^;]+", "SharedAccessKey=d3JvbmdrZXl3cm9uZ2tleQ==", servicebus.connection_string)
    out = tmp_path / "out"
    out.mkdir()
    root = write_app(
        tmp_path / "app",
        "import azure.functions as func\napp = func.FunctionApp()\n"
        + FUNCTION.format(queue=queue).replace('record("done", body=msg)', "pass"),
        settings={"SbConn": wrong},
    )
    with HostProcess(root) as host:
        wait_for(lambda: "ServiceBusAuthenticationError" in host.output(), 30, "the refused key reported", host)
        assert "d3JvbmdrZXl3cm9uZ2tleQ==" not in host.output()
        assert httpx.get(f"{host.base_url}/readyz", timeout=5).status_code == 503


@pytest.mark.parametrize("sessions", [False, True], ids=["queue", "sessions"])
def test_a_dropped_connection_is_reestablished(servicebus: Any, tmp_path: Path, sessions: bool) -> None:
    if servicebus.standin is None:
        pytest.skip("only the stand-in can cut its connections")
    queue = servicebus.queue(lock_duration=3, requires_session=sessions)
    out = tmp_path / "out"
    out.mkdir()
    function = FUNCTION.format(queue=queue)
    if sessions:
        function = function.replace('connection="SbConn"', 'connection="SbConn", is_sessions_enabled=True')
    session = {"session_id": "s1"} if sessions else {}
    with start((tmp_path / "app", out), servicebus, function) as host:
        send(servicebus, queue, *(ServiceBusMessage(f"before{i}", **session) for i in range(2)))
        wait_for(lambda: len(records(out, "done")) == 2, 30, "the first messages", host)
        servicebus.standin.drop_connections()
        send(servicebus, queue, *(ServiceBusMessage(f"after{i}", **session) for i in range(2)))
        wait_for(lambda: len({r["body"] for r in records(out, "done")}) == 4, 40, "the messages after the cut", host)
