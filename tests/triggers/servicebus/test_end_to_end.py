"""Service Bus trigger end to end: real `funchost start` subprocesses against the Service Bus stand-in
(tests/support/servicebus_standin — a protocol-level stand-in reached over TCP by the real azure-servicebus SDK, in
the host and in the test; or a real namespace, docs/servicebus-standin.md). Each test reads what the functions wrote
to files and what is left on the entities."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.servicebus import ServiceBusClient, ServiceBusMessage, ServiceBusSubQueue

from tests.support.apps import write_app
from tests.support.hostproc import HostProcess

APP = """
import json, os, pathlib, time, uuid
import azure.functions as func
{imports}
app = func.FunctionApp()
OUT = pathlib.Path(os.environ["SB_OUT"])

def record(kind, **fields):
    (OUT / f"{{kind}}-{{uuid.uuid4().hex}}.json").write_text(json.dumps(fields))

{functions}
"""


def wait_for(predicate: Any, within: float, what: str, host: HostProcess | None = None) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}\n{host.output() if host else ''}")
        time.sleep(0.05)


def records(out: Path, kind: str) -> list[dict[str, Any]]:
    found = []
    for path in out.glob(f"{kind}-*.json"):
        try:
            found.append(json.loads(path.read_text()))
        except json.JSONDecodeError:
            continue  # still being written
    return found


@pytest.fixture
def app_dir(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    out = tmp_path / "out"
    out.mkdir()
    yield tmp_path / "app", out


def start(
    app_dir: tuple[Path, Path], bus: Any, functions: str, *, host_json: dict[str, Any] | None = None, imports: str = ""
) -> HostProcess:
    root, out = app_dir
    write_app(
        root,
        APP.format(imports=imports, functions=functions),
        host_json={"version": "2.0", **(host_json or {})},
        settings={"SbConn": bus.connection_string, "SB_OUT": str(out), "AzureWebJobsStorage": ""},
    )
    host = HostProcess(root, env={"SB_OUT": str(out), "FUNCHOST_MASTER_KEY": "mk"})
    try:
        host.wait_ready(60)
    except BaseException:
        host.close()
        raise
    return host


def send(bus: Any, entity: str, *messages: ServiceBusMessage) -> None:
    with (
        ServiceBusClient.from_connection_string(bus.connection_string) as client,
        client.get_queue_sender(entity)
        if "/" not in entity
        else client.get_topic_sender(entity.split("/")[0]) as sender,
    ):
        sender.send_messages(list(messages))


def leftover(bus: Any, queue: str, sub_queue: Any = None) -> list[Any]:
    with ServiceBusClient.from_connection_string(bus.connection_string) as client:
        with client.get_queue_receiver(queue, sub_queue=sub_queue) as receiver:
            return list(receiver.peek_messages(max_message_count=50))


def test_messages_in_invocations_out_completed_queue_subscription_and_batch(
    servicebus: Any, app_dir: tuple[Path, Path]
) -> None:
    queue, batch_queue = servicebus.queue(lock_duration=5), servicebus.queue(lock_duration=5)
    topic, (sub,) = servicebus.topic({"audit": {"lock_duration": 5}})
    functions = f'''
@app.service_bus_queue_trigger(arg_name="msg", queue_name="{queue}", connection="SbConn")
def one(msg: func.ServiceBusMessage) -> None:
    record("one", body=msg.get_body().decode(), message_id=msg.message_id, delivery_count=msg.delivery_count,
           sequence_number=msg.sequence_number, lock_token=msg.lock_token, correlation_id=msg.correlation_id,
           content_type=msg.content_type, application_properties=msg.application_properties,
           enqueued=msg.enqueued_time_utc.isoformat(), subject=msg.label, session_id=msg.session_id)

@app.service_bus_topic_trigger(arg_name="msg", topic_name="{topic}", subscription_name="{sub}", connection="SbConn")
def audit(msg: str) -> None:
    record("audit", body=msg)

@app.service_bus_queue_trigger(arg_name="msgs", queue_name="{batch_queue}", connection="SbConn", cardinality="many")
def batch(msgs: list[func.ServiceBusMessage]) -> None:
    record("batch", bodies=[m.get_body().decode() for m in msgs])
'''
    with start(app_dir, servicebus, functions) as host:
        out = app_dir[1]
        send(
            servicebus,
            queue,
            *(
                ServiceBusMessage(
                    f"m{i}",
                    message_id=f"id-{i}",
                    correlation_id="corr",
                    content_type="text/plain",
                    application_properties={"n": i, "who": "test"},
                    subject="subj",
                )
                for i in range(5)
            ),
        )
        send(servicebus, f"{topic}/x", ServiceBusMessage("t1"), ServiceBusMessage("t2"))
        send(servicebus, batch_queue, *(ServiceBusMessage(f"b{i}") for i in range(7)))
        wait_for(lambda: len(records(out, "one")) == 5, 30, "5 queue invocations", host)
        wait_for(lambda: len(records(out, "audit")) == 2, 30, "2 subscription invocations", host)
        wait_for(lambda: sum(len(r["bodies"]) for r in records(out, "batch")) == 7, 30, "7 batched messages", host)
        got = sorted(records(out, "one"), key=lambda r: r["body"])
        assert [r["body"] for r in got] == [f"m{i}" for i in range(5)]
        first = got[0]
        assert first["message_id"] == "id-0" and first["delivery_count"] == 1 and first["correlation_id"] == "corr"
        assert first["content_type"] == "text/plain" and first["subject"] == "subj" and first["session_id"] is None
        assert first["application_properties"] == {"n": 0, "who": "test"}
        assert first["lock_token"] and first["sequence_number"] >= 1 and first["enqueued"].endswith("+00:00")
        assert sorted(r["body"] for r in records(out, "audit")) == ["t1", "t2"]
        manual = httpx.post(
            f"{host.base_url}/admin/functions/audit", headers={"x-functions-key": "mk"}, json={"input": "by hand"}
        )
        assert manual.status_code == 202, manual.text
        wait_for(lambda: "by hand" in [r["body"] for r in records(out, "audit")], 15, "the manual run", host)
        wait_for(
            lambda: not leftover(servicebus, queue) and not leftover(servicebus, batch_queue),
            15,
            "completed messages to leave the queues",
            host,
        )


def test_a_failing_function_dead_letters_after_max_delivery(servicebus: Any, app_dir: tuple[Path, Path]) -> None:
    queue = servicebus.queue(lock_duration=3, max_delivery_count=2)
    functions = f'''
@app.service_bus_queue_trigger(arg_name="msg", queue_name="{queue}", connection="SbConn")
def fails(msg: func.ServiceBusMessage) -> None:
    record("try", delivery_count=msg.delivery_count)
    raise RuntimeError("boom")
'''
    with start(app_dir, servicebus, functions) as host:
        send(servicebus, queue, ServiceBusMessage("poison", message_id="p1"))
        wait_for(lambda: leftover(servicebus, queue, ServiceBusSubQueue.DEAD_LETTER), 30, "the dead letter", host)
        (dead,) = leftover(servicebus, queue, ServiceBusSubQueue.DEAD_LETTER)
        assert dead.message_id == "p1" and dead.dead_letter_reason == "MaxDeliveryCountExceeded"
        assert sorted(r["delivery_count"] for r in records(app_dir[1], "try")) == [1, 2]  # abandoned, not waited out
        assert "boom" in host.output()


def test_a_slow_function_keeps_its_lock_and_sigterm_drains(servicebus: Any, app_dir: tuple[Path, Path]) -> None:
    queue = servicebus.queue(lock_duration=3)
    functions = f'''
@app.service_bus_queue_trigger(arg_name="msg", queue_name="{queue}", connection="SbConn")
def slow(msg: func.ServiceBusMessage) -> None:
    record("started", delivery_count=msg.delivery_count)
    time.sleep(7)
    record("done", delivery_count=msg.delivery_count)
'''
    with start(app_dir, servicebus, functions) as host:
        out = app_dir[1]
        send(servicebus, queue, ServiceBusMessage("slow"))
        wait_for(lambda: records(out, "started"), 20, "the invocation to start", host)
        time.sleep(4.5)  # past the 3 s lock: only a renewed lock keeps the message from a second delivery
        assert leftover(servicebus, queue)[0].delivery_count in (0, 1)  # still locked, first attempt
        assert host.terminate(signal.SIGTERM) == 0  # graceful: the running invocation finishes and is completed
        assert [r["delivery_count"] for r in records(out, "started")] == [1]
        assert [r["delivery_count"] for r in records(out, "done")] == [1]
        assert not leftover(servicebus, queue), host.output()


def test_sessions_are_processed_in_order(servicebus: Any, app_dir: tuple[Path, Path]) -> None:
    queue = servicebus.queue(lock_duration=5, requires_session=True)
    functions = f'''
@app.service_bus_queue_trigger(arg_name="msg", queue_name="{queue}", connection="SbConn", is_sessions_enabled=True)
def ordered(msg: func.ServiceBusMessage) -> None:
    time.sleep(0.05)
    with open(OUT / f"session-{{msg.session_id}}.txt", "a") as f:
        f.write(msg.get_body().decode() + "\\n")
'''
    with start(
        app_dir, servicebus, functions, host_json={"extensions": {"serviceBus": {"sessionIdleTimeout": "00:00:02"}}}
    ) as host:
        out = app_dir[1]
        sessions = [f"s{n}-{time.monotonic_ns()}" for n in range(3)]
        send(servicebus, queue, *(ServiceBusMessage(f"{i}", session_id=s) for i in range(6) for s in sessions))

        def lines(session: str) -> list[str]:
            path = out / f"session-{session}.txt"
            return path.read_text().split() if path.exists() else []

        wait_for(lambda: all(len(lines(s)) == 6 for s in sessions), 40, "every session's messages", host)
        for session in sessions:
            assert lines(session) == [str(i) for i in range(6)]


def test_kill_9_mid_stream_loses_nothing(servicebus: Any, app_dir: tuple[Path, Path]) -> None:
    queue = servicebus.queue(lock_duration=3)
    functions = f'''
@app.service_bus_queue_trigger(arg_name="msg", queue_name="{queue}", connection="SbConn")
def work(msg: func.ServiceBusMessage) -> None:
    global RUNNING
    with LOCK:
        RUNNING += 1
        now = RUNNING
    time.sleep(0.5)
    with LOCK:
        RUNNING -= 1
    record("done", body=msg.get_body().decode(), running=now)

import threading
LOCK, RUNNING = threading.Lock(), 0
'''
    host_json = {"extensions": {"serviceBus": {"maxConcurrentCalls": 2}}}
    out = app_dir[1]
    bodies = {f"k{i}" for i in range(8)}
    with start(app_dir, servicebus, functions, host_json=host_json) as first:
        send(servicebus, queue, *(ServiceBusMessage(b) for b in sorted(bodies)))
        wait_for(lambda: records(out, "done"), 20, "the first completions", first)
        first.proc.kill()
        first.proc.wait(10)
    with start(app_dir, servicebus, functions, host_json=host_json) as second:
        wait_for(
            lambda: {r["body"] for r in records(out, "done")} == bodies, 40, "every message after the kill", second
        )
        wait_for(lambda: not leftover(servicebus, queue), 15, "the queue to empty", second)
    assert max(r["running"] for r in records(out, "done")) <= 2  # maxConcurrentCalls


def test_a_slow_session_function_keeps_the_session_lock(servicebus: Any, app_dir: tuple[Path, Path]) -> None:
    queue = servicebus.queue(lock_duration=3, requires_session=True)
    functions = f'''
@app.service_bus_queue_trigger(arg_name="msg", queue_name="{queue}", connection="SbConn", is_sessions_enabled=True)
def slow(msg: func.ServiceBusMessage) -> None:
    time.sleep(4)
    record("done", body=msg.get_body().decode(), delivery_count=msg.delivery_count)
'''
    with start(app_dir, servicebus, functions) as host:
        out = app_dir[1]
        session = f"slow-{time.monotonic_ns()}"
        send(servicebus, queue, ServiceBusMessage("a", session_id=session), ServiceBusMessage("b", session_id=session))
        wait_for(lambda: len(records(out, "done")) == 2, 30, "both session messages", host)
        time.sleep(1)  # a lost session lock would bring them back now
        done = records(out, "done")
        assert sorted((r["body"], r["delivery_count"]) for r in done) == [("a", 1), ("b", 1)], host.output()
        assert host.terminate(signal.SIGTERM) == 0  # releases the session
        assert not leftover_session(servicebus, queue, session), host.output()


def leftover_session(bus: Any, queue: str, session: str) -> list[Any]:
    with ServiceBusClient.from_connection_string(bus.connection_string) as client:
        with client.get_queue_receiver(queue, session_id=session, max_wait_time=5) as receiver:
            return list(receiver.peek_messages(max_message_count=10))


def test_batches_wait_for_min_message_batch_size_and_unsettled_messages_come_back(
    servicebus: Any, app_dir: tuple[Path, Path]
) -> None:
    batch_queue, manual_queue = servicebus.queue(lock_duration=5), servicebus.queue(lock_duration=3)
    functions = f'''
@app.service_bus_queue_trigger(arg_name="msgs", queue_name="{batch_queue}", connection="SbConn", cardinality="many")
def batch(msgs: list[func.ServiceBusMessage]) -> None:
    record("batch", bodies=[m.get_body().decode() for m in msgs])

@app.service_bus_queue_trigger(arg_name="msg", queue_name="{manual_queue}", connection="SbConn",
                               auto_complete_messages=False)
def unsettled(msg: func.ServiceBusMessage) -> None:
    record("unsettled", delivery_count=msg.delivery_count)
'''
    host_json = {"extensions": {"serviceBus": {"minMessageBatchSize": 3, "maxBatchWaitTime": "00:00:20"}}}
    with start(app_dir, servicebus, functions, host_json=host_json) as host:
        out = app_dir[1]
        send(servicebus, manual_queue, ServiceBusMessage("left alone"))
        for body in ("x", "y", "z"):  # one at a time: only minMessageBatchSize makes them one batch
            send(servicebus, batch_queue, ServiceBusMessage(body))
            time.sleep(0.3)
        wait_for(lambda: records(out, "batch"), 30, "the batch", host)
        assert [sorted(r["bodies"]) for r in records(out, "batch")] == [["x", "y", "z"]]
        # autoCompleteMessages false and nothing settled: the lock is not renewed past the invocation, so the
        # message comes back once its 3 s lock expires
        wait_for(lambda: len(records(out, "unsettled")) >= 2, 30, "the redelivery of the unsettled message", host)
        assert sorted(r["delivery_count"] for r in records(out, "unsettled"))[:2] == [1, 2]
