"""Storage-queue trigger against real Azurite. In-process listeners: the poison rules (after failures, before
invoking, undecodable base64), visibilityTimeout on failure, both message encodings and the three parameter
types, lease renewal during a long invocation, the batchSize + newBatchThreshold limit, waiting for a missing
queue, unreachable storage, and giving messages back when the drain's grace runs out. Through `funchost start`
subprocesses: N in → N invocations → N out, SIGTERM drain, kill -9 and restart, storage down at start."""

from __future__ import annotations

import asyncio
import base64
import logging
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.queue.aio import QueueServiceClient

from funchost.errors import ConfigurationError, FunctionDefinitionError
from funchost.invocation import FunctionInvoker, InFlight
from funchost.metadata.app_loader import load_app
from funchost.metrics import HostMetrics
from funchost.outputs import OutputDispatcher
from funchost.triggers.base import ListenerContext
from funchost.triggers.queue.listener import QueueListener
from funchost.triggers.queue.polling import PollingBackoff, lease_seconds
from funchost.triggers.queue.processor import poison_queue_name
from tests.services_support import azurite_connection_string
from tests.support.apps import write_app
from tests.support.hostproc import HostProcess, free_port
from tests.support.private_azurite import PrivateAzurite
from tests.support.waiting import until

pytestmark = pytest.mark.azurite
HEADER = "import azure.functions as func\napp = func.FunctionApp()\n"


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


# -- the storage side of the tests ------------------------------------------------------------------------------


class Storage:
    def __init__(self, connection_string: str, prefix: str) -> None:
        self.service = QueueServiceClient.from_connection_string(connection_string, retry_total=0)
        self.prefix = prefix

    async def create(self, name: str) -> str:
        await self.service.get_queue_client(name).create_queue()
        return name

    async def send(self, queue: str, *texts: str) -> list[str]:
        client = self.service.get_queue_client(queue)
        return [(await client.send_message(text)).id for text in texts]

    async def peek(self, queue: str) -> list[str]:
        """Visible messages ([] if the queue does not exist)."""
        try:
            return [m.content for m in await self.service.get_queue_client(queue).peek_messages(max_messages=32)]
        except ResourceNotFoundError:
            return []

    async def count(self, queue: str) -> int:
        """Messages in the queue, visible or not (Azurite counts invisible ones too)."""
        props = await self.service.get_queue_client(queue).get_queue_properties()
        return int(props.approximate_message_count or 0)

    async def empty(self, queue: str) -> bool:
        return await self.count(queue) == 0

    async def exists(self, queue: str) -> bool:
        try:
            await self.service.get_queue_client(queue).get_queue_properties()
        except ResourceNotFoundError:
            return False
        return True

    async def take_all(self, queue: str) -> list[str]:
        client, taken = self.service.get_queue_client(queue), []
        while batch := [m async for m in client.receive_messages(messages_per_page=32, max_messages=32)]:
            for message in batch:
                taken.append(message.content)
                await client.delete_message(message)
        return taken


@pytest.fixture
async def storage(azurite: str, unique_name: str) -> AsyncIterator[Storage]:
    state = Storage(azurite, unique_name)
    yield state
    async for queue in state.service.list_queues(name_starts_with=unique_name):
        await state.service.delete_queue(queue.name)
    await state.service.close()


# -- in-process listeners ---------------------------------------------------------------------------------------


class App:
    """A loaded function app with one started listener per function, and the module's globals."""

    def __init__(self, listeners: dict[str, QueueListener], module: dict[str, Any]) -> None:
        self.listeners = listeners
        self.module = module

    @property
    def listener(self) -> QueueListener:
        return next(iter(self.listeners.values()))


@pytest.fixture
def make_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, azurite: str) -> Iterator[Callable[..., Any]]:
    """`async with make_app(source, host_json=..., env=...) as app:` runs its queue listeners; stops them after."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("AzureWebJobsStorage", azurite)
    executor = ThreadPoolExecutor(max_workers=8)
    counter = iter(range(100))

    class Running:
        def __init__(self, source: str, host_json: dict[str, Any] | None, env: dict[str, str], grace: float) -> None:
            for name, value in env.items():
                monkeypatch.setenv(name, value)
            root = write_app(tmp_path / f"app{next(counter)}", HEADER + source, host_json=host_json)
            self.loaded = load_app(root, apply_settings=False)
            self.grace = grace
            self.dispatchers: list[OutputDispatcher] = []

        async def __aenter__(self) -> App:
            listeners = {f.spec.name: self._listener(f) for f in self.loaded.functions}
            for listener in listeners.values():
                await listener.start()
            self.app = App(listeners, self.loaded.functions[0].callable.__globals__)
            return self.app

        async def __aexit__(self, *exc: object) -> None:
            await asyncio.gather(*(listener.stop(self.grace) for listener in self.app.listeners.values()))
            await asyncio.gather(*(d.aclose() for d in self.dispatchers))

        def _listener(self, indexed: Any) -> QueueListener:
            spec, metrics = indexed.spec, HostMetrics()
            dispatcher = OutputDispatcher(spec, self.loaded.settings[spec.name], self.loaded.host_config)
            self.dispatchers.append(dispatcher)
            invoker = FunctionInvoker(
                indexed,
                executor=executor,
                timeout=None,
                metrics=metrics,
                in_flight=InFlight(),
                function_directory=".",
                send_outputs=dispatcher.send if dispatcher else None,
            )
            settings = self.loaded.settings[spec.name]
            context = ListenerContext(self.loaded, invoker, settings[spec.trigger.name], metrics, "test")
            return QueueListener(context)

    def make(
        source: str, *, host_json: dict[str, Any] | None = None, env: dict[str, str] | None = None, grace: float = 10
    ) -> Running:
        return Running(source, host_json, env or {}, grace)

    yield make
    sys.modules.pop("function_app", None)
    executor.shutdown(wait=False, cancel_futures=True)


def queues(**options: Any) -> dict[str, Any]:
    return {"version": "2.0", "extensions": {"queues": options}}


RECORDING = """
import os, time
CALLS = []

@app.queue_trigger(arg_name="msg", queue_name="%IN_QUEUE%", connection="AzureWebJobsStorage")
def work(msg: func.QueueMessage) -> None:
    CALLS.append((msg.dequeue_count, msg.get_body(), time.monotonic()))
    if os.environ.get("FAIL_UNTIL") and msg.dequeue_count < int(os.environ["FAIL_UNTIL"]):
        raise RuntimeError(f"failing attempt {msg.dequeue_count}")
"""


async def test_failing_message_moves_to_poison_after_max_dequeue_count(
    make_app: Any, storage: Storage, unique_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    queue = await storage.create(unique_name)
    await storage.send(queue, b64("doomed"))
    env = {"IN_QUEUE": queue, "FAIL_UNTIL": "99"}
    async with make_app(RECORDING, host_json=queues(maxDequeueCount=3), env=env) as app:
        await until(lambda: storage.peek(f"{queue}-poison"), what="the poison queue to get the message")
        calls = [(count, body) for count, body, _ in app.module["CALLS"]]
        assert calls == [(1, b"doomed"), (2, b"doomed"), (3, b"doomed")]  # the dequeue count of each delivery
    assert await storage.peek(f"{queue}-poison") == [b64("doomed")]  # the stored text, unchanged
    assert await storage.count(queue) == 0
    assert f"Message has reached MaxDequeueCount of 3. Moving message to queue '{queue}-poison'." in caplog.text


async def test_message_dequeued_more_often_than_allowed_is_poisoned_before_invoking(
    make_app: Any, storage: Storage, unique_name: str
) -> None:
    queue = await storage.create(unique_name)
    await storage.send(queue, b64("seen too often"))
    client = storage.service.get_queue_client(queue)
    for _ in range(2):  # two receives that gave the message back: the listener's receive is its 3rd dequeue
        message = await client.receive_message()
        assert message is not None
        await client.update_message(message, visibility_timeout=0)
    async with make_app(RECORDING, host_json=queues(maxDequeueCount=2), env={"IN_QUEUE": queue}) as app:
        await until(lambda: storage.peek(f"{queue}-poison"), what="the poison queue to get the message")
        assert app.module["CALLS"] == []
    assert await storage.count(queue) == 0


async def test_failed_message_is_released_with_visibility_timeout(
    make_app: Any, storage: Storage, unique_name: str
) -> None:
    queue = await storage.create(unique_name)
    await storage.send(queue, b64("retry me"))
    env = {"IN_QUEUE": queue, "FAIL_UNTIL": "2"}
    async with make_app(RECORDING, host_json=queues(visibilityTimeout="00:00:03"), env=env) as app:
        calls = app.module["CALLS"]
        await until(lambda: len(calls) == 2, what="the second delivery")
        await until(lambda: app.listener.in_flight == 0, what="the second delivery to settle")
    assert [count for count, _, _ in calls] == [1, 2]
    # The failed attempt released the message for visibilityTimeout (3 s), not at once (Azure's default 0).
    assert calls[1][2] - calls[0][2] >= 2.5
    assert await storage.count(queue) == 0


PARAMETER_TYPES = """
SEEN = {}

@app.queue_trigger(arg_name="msg", queue_name="%Q_MESSAGE%", connection="AzureWebJobsStorage")
def as_message(msg: func.QueueMessage) -> None:
    SEEN["message"] = msg

@app.queue_trigger(arg_name="msg", queue_name="%Q_STR%", connection="AzureWebJobsStorage")
def as_str(msg: str) -> None:
    SEEN["str"] = msg

@app.queue_trigger(arg_name="msg", queue_name="%Q_BYTES%", connection="AzureWebJobsStorage")
async def as_bytes(msg: bytes) -> None:
    SEEN["bytes"] = msg
"""


@pytest.mark.parametrize("encoding", ["base64", "none"])
async def test_message_encoding_and_parameter_types(
    make_app: Any, storage: Storage, unique_name: str, encoding: str
) -> None:
    names = {kind: await storage.create(f"{unique_name}-{kind}") for kind in ("message", "str", "bytes")}
    text = 'héllo ✓ {"a": 1}'
    stored = b64(text) if encoding == "base64" else text
    env = {"Q_MESSAGE": names["message"], "Q_STR": names["str"], "Q_BYTES": names["bytes"]}
    async with make_app(PARAMETER_TYPES, host_json=queues(messageEncoding=encoding), env=env) as app:
        (message_id,) = await storage.send(names["message"], stored)
        await storage.send(names["str"], stored)
        await storage.send(names["bytes"], stored)
        seen = app.module["SEEN"]
        await until(lambda: len(seen) == 3, what="all three functions")
        await until(lambda: all(lsn.in_flight == 0 for lsn in app.listeners.values()), what="settling")
    assert seen["str"] == text and seen["bytes"] == text.encode()
    message = seen["message"]
    assert message.get_body() == text.encode()
    assert message.id == message_id and message.dequeue_count == 1 and message.pop_receipt
    assert message.insertion_time is not None and message.expiration_time > message.insertion_time
    for queue in names.values():
        assert await storage.count(queue) == 0


async def test_binary_body_under_base64(make_app: Any, storage: Storage, unique_name: str) -> None:
    queue = await storage.create(unique_name)
    payload = bytes(range(256))
    env = {"Q_MESSAGE": queue, "Q_STR": f"{queue}-s", "Q_BYTES": f"{queue}-b"}
    async with make_app(PARAMETER_TYPES, env=env) as app:
        await storage.send(queue, b64(payload))
        await until(lambda: "message" in app.module["SEEN"], what="the invocation")
    assert app.module["SEEN"]["message"].get_body() == payload


async def test_invalid_base64_is_poisoned_at_once_without_invoking(
    make_app: Any, storage: Storage, unique_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    queue = await storage.create(unique_name)
    (message_id,) = await storage.send(queue, "plain text, not base64!")
    async with make_app(RECORDING, env={"IN_QUEUE": queue}) as app:
        await until(lambda: storage.peek(f"{queue}-poison"), what="the poison queue to get the message")
        assert app.module["CALLS"] == []
    assert await storage.peek(f"{queue}-poison") == ["plain text, not base64!"]
    assert await storage.count(queue) == 0
    assert f"Message decoding has failed! Check MessageEncoding settings. MessageId={message_id}." in caplog.text


LONG_RUNNING = """
import asyncio
CALLS = []
RELEASE = asyncio.Event()

@app.queue_trigger(arg_name="msg", queue_name="%IN_QUEUE%", connection="AzureWebJobsStorage")
async def slow(msg: func.QueueMessage) -> None:
    CALLS.append(msg.id)
    await RELEASE.wait()
"""


async def test_message_stays_invisible_while_a_long_invocation_runs(
    make_app: Any, storage: Storage, unique_name: str
) -> None:
    queue = await storage.create(unique_name)
    lease = 2  # seconds; renewed every second while the function runs
    env = {"IN_QUEUE": queue, "FUNCHOST_QUEUE_RECEIVE_VISIBILITY_TIMEOUT": str(lease)}
    async with make_app(LONG_RUNNING, env=env) as app:
        await storage.send(queue, b64("long"))
        await until(lambda: app.module["CALLS"], what="the invocation")
        watched_until = time.monotonic() + 2.5 * lease  # well past the first lease's expiry
        while time.monotonic() < watched_until:
            assert await storage.peek(queue) == [], "the message became visible while its function was running"
            await asyncio.sleep(0.2)
        app.module["RELEASE"].set()
        await until(lambda: storage.empty(queue), what="the message to be deleted")
        assert len(app.module["CALLS"]) == 1


CONCURRENCY = """
import threading, time
LOCK = threading.Lock()
STATE = {"now": 0, "max": 0, "done": 0}

@app.queue_trigger(arg_name="msg", queue_name="%IN_QUEUE%", connection="AzureWebJobsStorage")
def busy(msg: func.QueueMessage) -> None:
    with LOCK:
        STATE["now"] += 1
        STATE["max"] = max(STATE["max"], STATE["now"])
    time.sleep(0.1)
    with LOCK:
        STATE["now"] -= 1
        STATE["done"] += 1
"""


async def test_concurrency_is_bounded_by_batch_size_plus_new_batch_threshold(
    make_app: Any, storage: Storage, unique_name: str
) -> None:
    queue = await storage.create(unique_name)
    await storage.send(queue, *(b64(f"m{i}") for i in range(15)))
    host_json = queues(batchSize=2, newBatchThreshold=1)
    async with make_app(CONCURRENCY, host_json=host_json, env={"IN_QUEUE": queue}) as app:
        state = app.module["STATE"]
        await until(lambda: state["done"] == 15, what="all messages")
    assert 2 <= state["max"] <= 3  # the executor has 8 threads: the listener is what limits it


async def test_missing_queue_is_waited_for_and_not_created(
    make_app: Any, storage: Storage, unique_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    queue = f"{unique_name}-late"
    host_json = queues(maxPollingInterval="00:00:01")
    async with make_app(RECORDING, host_json=host_json, env={"IN_QUEUE": queue}) as app:
        await until(lambda: "does not exist" in caplog.text, what="the missing-queue warning")
        assert app.listener.state() == "waiting"  # storage answers; /readyz counts it as ready
        assert not await storage.exists(queue)
        await storage.create(queue)
        await storage.send(queue, b64("finally"))
        await until(lambda: app.module["CALLS"], what="the invocation once the queue exists")
    assert f"Queue '{queue}'" in caplog.text and "the trigger does not create its queue" in caplog.text


async def test_unreachable_storage_fails_readiness_and_names_setting_and_endpoint(
    make_app: Any, unique_name: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("AzureWebJobsStorage", azurite_connection_string(queue_port=port))
    async with make_app(RECORDING, env={"IN_QUEUE": unique_name}) as app:
        await until(lambda: app.listener.state() == "failed", what="the listener to report the outage")
        assert app.listener.state() == "failed"
    line = next(r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)
    assert f"http://127.0.0.1:{port}/devstoreaccount1" in line and "connection setting 'AzureWebJobsStorage'" in line
    assert "Retrying" in line and "Fix:" in line


async def test_grace_period_running_out_gives_the_message_back(
    make_app: Any, storage: Storage, unique_name: str
) -> None:
    queue = await storage.create(unique_name)
    async with make_app(LONG_RUNNING, env={"IN_QUEUE": queue}, grace=0.2) as app:
        await storage.send(queue, b64("never finishes"))
        await until(lambda: app.module["CALLS"], what="the invocation")
    assert await storage.peek(queue) == [b64("never finishes")]  # visible again at once, not after the lease


async def test_manual_trigger_runs_the_function_with_the_payload(make_app: Any, unique_name: str) -> None:
    async with make_app(RECORDING, env={"IN_QUEUE": unique_name}) as app:
        await app.listener.trigger_manually("by hand")
        assert [(count, body) for count, body, _ in app.module["CALLS"]] == [(1, b"by hand")]


def test_parameter_annotation_the_worker_rejects_is_a_definition_error(make_app: Any, unique_name: str) -> None:
    source = (
        '@app.queue_trigger(arg_name="msg", queue_name="orders", connection="AzureWebJobsStorage")\n'
        "def wants_dict(msg: dict) -> None: ...\n"
    )
    running = make_app(source)
    indexed = running.loaded.functions[0]
    with pytest.raises(FunctionDefinitionError) as caught:
        running._listener(indexed)
    assert "wants_dict" in str(caught.value) and "'msg' is annotated 'dict'" in str(caught.value)
    assert "func.QueueMessage, str or bytes" in str(caught.value)


def test_polling_backs_off_exponentially_from_100_ms_and_resets_when_messages_arrive() -> None:
    backoff = PollingBackoff(maximum=2.0)
    empties = [backoff.next_delay(found_messages=False) for _ in range(8)]
    assert empties[0] == 0.1  # RandomizedExponentialBackoffStrategy: the first wait is the minimum
    for n, delay in enumerate(empties[1:6], start=1):  # minimum + minimum × 2^(n-1) × (0.8 … 1.2)
        assert 0.1 + 0.08 * 2 ** (n - 1) <= delay <= 0.1 + 0.12 * 2 ** (n - 1)
    assert empties[-1] == 2.0  # capped at maxPollingInterval
    assert backoff.next_delay(found_messages=True) == 0.1
    assert 0.18 <= backoff.next_delay(found_messages=False) <= 0.22


@pytest.mark.parametrize(
    ("queue", "poison"),
    [("orders", "orders-poison"), ("orders-poison", None), ("q" * 56, "q" * 56 + "-poison"), ("q" * 57, None)],
)
def test_poison_queue_only_when_the_name_is_valid_and_not_already_poison(queue: str, poison: str | None) -> None:
    assert poison_queue_name(queue) == poison


@pytest.mark.parametrize("raw", ["1", "ten", "700000"])
def test_receive_visibility_setting_must_be_whole_seconds_in_range(raw: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        lease_seconds("fn", {"FUNCHOST_QUEUE_RECEIVE_VISIBILITY_TIMEOUT": raw})
    assert "FUNCHOST_QUEUE_RECEIVE_VISIBILITY_TIMEOUT" in str(caught.value) and f"{raw!r}" in str(caught.value)
    assert lease_seconds("fn", {}) == 600


# -- through `funchost start` ------------------------------------------------------------------------------------

PIPELINE = """
import os, time

@app.queue_trigger(arg_name="msg", queue_name="%IN_QUEUE%", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="out", queue_name="%OUT_QUEUE%", connection="AzureWebJobsStorage")
def relay(msg: func.QueueMessage, out: func.Out[str]) -> None:
    body = msg.get_body().decode()
    with open(os.environ["RECORD"], "a", encoding="utf-8") as record:
        record.write(f"start {body} {msg.dequeue_count}\\n")
    time.sleep(float(os.environ.get("WORK_SECONDS", "0")))
    out.set(body.upper())
    with open(os.environ["RECORD"], "a", encoding="utf-8") as record:
        record.write(f"done {body}\\n")
"""


def lines(record: Path, kind: str) -> list[str]:
    text = record.read_text() if record.exists() else ""
    return [line.split()[1] for line in text.splitlines() if line.startswith(kind + " ")]


def starts(record: Path) -> list[tuple[str, int]]:
    """(body, dequeue count) of every `start` line."""
    text = record.read_text() if record.exists() else ""
    return [(line.split()[1], int(line.split()[2])) for line in text.splitlines() if line.startswith("start ")]


def in_flight(record: Path) -> set[str]:
    """Bodies whose function has started and not finished: their message is leased and not yet deleted."""
    return {body for body, _ in starts(record)} - set(lines(record, "done"))


def host_env(azurite: str, unique_name: str, record: Path, **extra: str) -> dict[str, str]:
    env = {"AzureWebJobsStorage": azurite, "IN_QUEUE": unique_name, "OUT_QUEUE": f"{unique_name}-out"}
    return env | {"RECORD": str(record)} | extra


async def test_n_messages_make_n_invocations_and_n_outputs(
    tmp_path: Path, storage: Storage, azurite: str, unique_name: str
) -> None:
    queue = await storage.create(unique_name)
    bodies = [f"order{i}" for i in range(60)]
    await storage.send(queue, *(b64(body) for body in bodies))
    record = tmp_path / "record.txt"
    root = write_app(tmp_path / "app", HEADER + PIPELINE)
    with HostProcess(root, env=host_env(azurite, unique_name, record)) as host:
        host.wait_ready()
        await until(lambda: len(lines(record, "done")) >= 60, within=60, what="60 invocations")
        await until(lambda: storage.empty(queue), what="every input message deleted")
        assert host.terminate() == 0
    assert sorted(lines(record, "done")) == sorted(bodies)  # exactly once each in a clean run
    outputs = await storage.take_all(f"{queue}-out")
    assert sorted(base64.b64decode(text).decode() for text in outputs) == sorted(b.upper() for b in bodies)


async def test_sigterm_lets_in_flight_messages_finish_and_deletes_them(
    tmp_path: Path, storage: Storage, azurite: str, unique_name: str
) -> None:
    queue = await storage.create(unique_name)
    record = tmp_path / "record.txt"
    root = write_app(tmp_path / "app", HEADER + PIPELINE)
    env = host_env(azurite, unique_name, record, WORK_SECONDS="1.5")
    with HostProcess(root, env=env) as host:
        host.wait_ready()
        await storage.send(queue, *(b64(f"m{i}") for i in range(4)))
        await until(lambda: len(lines(record, "start")) == 4, what="four invocations in flight")
        assert lines(record, "done") == []
        assert host.terminate(signal.SIGTERM) == 0
    assert sorted(lines(record, "done")) == ["m0", "m1", "m2", "m3"]
    assert await storage.count(queue) == 0  # all deleted: none left invisible
    assert len(await storage.take_all(f"{queue}-out")) == 4


async def test_kill_9_mid_stream_then_restart_processes_every_message(
    tmp_path: Path, storage: Storage, azurite: str, unique_name: str
) -> None:
    queue = await storage.create(unique_name)
    bodies = {f"k{i}" for i in range(40)}
    await storage.send(queue, *(b64(body) for body in sorted(bodies)))
    record = tmp_path / "record.txt"
    root = write_app(tmp_path / "app", HEADER + PIPELINE, host_json=queues(batchSize=4, newBatchThreshold=2))
    env = host_env(azurite, unique_name, record, WORK_SECONDS="0.2", FUNCHOST_QUEUE_RECEIVE_VISIBILITY_TIMEOUT="2")
    with HostProcess(root, env=env) as host:
        host.wait_ready()
        # Kill while a function is running: between two batches the host may hold no lease at all, and a kill
        # there would prove nothing about redelivery.
        await until(
            lambda: len(lines(record, "done")) >= 8 and in_flight(record), what="some messages done and one running"
        )
        host.proc.kill()  # SIGKILL: no drain; leased messages come back when their lease lapses
        host.proc.wait(10)
    running_at_kill = in_flight(record)
    assert running_at_kill, "the kill should have happened while a function was running"
    assert set(lines(record, "done")) < bodies, "the kill should have happened mid-stream"
    with HostProcess(root, env=env) as host:
        host.wait_ready()
        await until(lambda: set(lines(record, "done")) == bodies, within=60, what="every message processed")
        await until(lambda: storage.empty(queue), what="the input queue to drain")
        assert host.terminate() == 0
    redelivered = {body for body, count in starts(record) if count > 1}
    assert running_at_kill <= redelivered, "messages leased by the killed host should come back once their lease lapsed"


async def test_an_azurite_restart_mid_stream_loses_nothing(tmp_path: Path, unique_name: str) -> None:
    """A private Azurite (its own ports and file store: the shared one is never touched) is stopped and started again
    on the same folder under a running host: the host keeps running, every message is processed at least once and
    every output arrives, including those written before the restart."""
    emulator = PrivateAzurite(tmp_path / "storage", kinds=("queue",))
    await asyncio.to_thread(emulator.start)
    connection = emulator.connection_string
    bodies = {f"r{i}" for i in range(80)}
    record = tmp_path / "record.txt"
    host_json = queues(batchSize=4, newBatchThreshold=2, maxPollingInterval="00:00:01")
    root = write_app(tmp_path / "app", HEADER + PIPELINE, host_json=host_json)
    env = host_env(connection, unique_name, record, WORK_SECONDS="0.1", FUNCHOST_QUEUE_RECEIVE_VISIBILITY_TIMEOUT="2")
    try:
        before = Storage(connection, unique_name)
        try:
            queue = await before.create(unique_name)
            await before.send(queue, *(b64(body) for body in sorted(bodies)))
        finally:
            await before.service.close()
        with HostProcess(root, env=env) as host:
            host.wait_ready()
            await until(lambda: len(lines(record, "done")) >= 10, what="some messages done")
            await asyncio.to_thread(emulator.restart)
            assert set(lines(record, "done")) < bodies, "the restart should happen mid-stream"
            after = Storage(connection, unique_name)  # a fresh client: the old one's connections died with Azurite
            try:
                await until(lambda: set(lines(record, "done")) == bodies, within=90, what="every message processed")
                await until(lambda: after.empty(queue), within=30, what="the input queue to drain")
                outputs = await after.take_all(f"{queue}-out")
            finally:
                await after.service.close()
            assert host.proc.poll() is None, "the host must keep running through the restart"
            assert host.terminate() == 0
    finally:
        await asyncio.to_thread(emulator.close)
    assert {base64.b64decode(text).decode() for text in outputs} == {body.upper() for body in bodies}


async def test_storage_down_at_start_is_reported_then_recovers(tmp_path: Path, azurite: str, unique_name: str) -> None:
    emulator = PrivateAzurite(tmp_path / "storage", kinds=("queue",))  # its port is chosen, nothing listens yet
    port = emulator.ports["queue"]
    connection = emulator.connection_string
    record = tmp_path / "record.txt"
    host_json = queues(maxPollingInterval="00:00:01")
    root = write_app(tmp_path / "app", HEADER + PIPELINE, host_json=host_json)
    env = host_env(connection, unique_name, record)
    with HostProcess(root, env=env) as host:
        await until(lambda: "cannot read queue" in host.output(), what="the outage message")
        output = host.output()
        assert f"http://127.0.0.1:{port}/devstoreaccount1" in output and "'AzureWebJobsStorage'" in output
        assert await readyz(host) == 503
        emulator.start()
        late = Storage(connection, unique_name)
        try:
            await until(lambda: _answers(late), what="the private Azurite")
            await late.create(unique_name)
            await late.send(unique_name, b64("recovered"))
            await until(lambda: lines(record, "done") == ["recovered"], what="the message after recovery")
            assert await readyz(host) == 200
            assert "reached http://127.0.0.1" in host.output()
        finally:
            await late.service.close()
            emulator.close()
        assert host.proc.poll() is None, "the host must keep running through a storage outage"


async def readyz(host: HostProcess) -> int:
    async with httpx.AsyncClient() as client:
        return (await client.get(f"{host.base_url}/readyz")).status_code


async def _answers(storage: Storage) -> bool:
    try:
        await storage.service.get_service_properties()
    except Exception:
        return False
    return True
