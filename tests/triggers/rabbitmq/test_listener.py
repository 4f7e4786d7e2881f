"""RabbitMQ trigger against a real RabbitMQ: conversions, ack / republish-with-requeue-count / reject-to-DLX,
prefetch-bounded concurrency, missing queue and unreachable broker, drain on stop — in-process listeners — and,
through `funchost start` subprocesses: N in → N out, SIGTERM drain, kill -9 and a broker restart mid-stream."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aio_pika
import pytest
from aio_pika.abc import AbstractConnection

from funchost.bindings.rabbitmq import BodyConversionError, body_converter
from funchost.errors import FunctionDefinitionError
from funchost.invocation import FunctionInvoker, InFlight
from funchost.metadata.app_loader import LoadedApp, load_app
from funchost.metadata.indexing import parameter_annotations
from funchost.metrics import HostMetrics
from funchost.outputs import OutputDispatcher
from funchost.triggers.base import ListenerContext
from funchost.triggers.rabbitmq.delivery import REQUEUE_COUNT_HEADER
from funchost.triggers.rabbitmq.listener import RabbitMQListener
from tests.support.apps import write_app
from tests.support.hostproc import HostProcess, free_port, run_cli
from tests.support.private_rabbitmq import PrivateRabbitMQ
from tests.support.waiting import until

pytestmark = pytest.mark.rabbitmq
HEADER = REQUEUE_COUNT_HEADER


# -- the broker side of the tests -------------------------------------------------------------------------------


@dataclass
class Broker:
    url: str
    connection: AbstractConnection
    queues: list[str] = field(default_factory=list)

    async def declare(self, name: str, arguments: dict[str, Any] | None = None) -> str:
        channel = await self.connection.channel()
        await channel.declare_queue(name, durable=True, arguments=arguments)
        await channel.close()
        self.queues.append(name)
        return name

    async def publish(self, queue: str, bodies: list[bytes], **properties: Any) -> None:
        channel = await self.connection.channel()
        for body in bodies:
            await channel.default_exchange.publish(aio_pika.Message(body, **properties), routing_key=queue)
        await channel.close()

    async def count(self, queue: str) -> int:
        """Ready messages (a fresh non-robust channel, so the count is current)."""
        channel = await self.connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        await channel.close()
        assert declared.declaration_result.message_count is not None
        return declared.declaration_result.message_count

    async def drain(self, queue: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
        channel = await self.connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        taken = []
        while (message := await declared.get(no_ack=True, fail=False)) is not None:
            taken.append(message)
        await channel.close()
        return taken


@pytest.fixture
async def broker(rabbitmq: str) -> AsyncIterator[Broker]:
    connection = await aio_pika.connect(rabbitmq)
    state = Broker(rabbitmq, connection)
    yield state
    if not state.connection.is_closed:
        await state.connection.close()
    async with await aio_pika.connect(rabbitmq) as cleanup:  # a fresh one: a test may have restarted RabbitMQ
        channel = await cleanup.channel()
        for name in state.queues:
            await channel.queue_delete(name)


# -- in-process listeners ---------------------------------------------------------------------------------------


@pytest.fixture
def make_listener(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., RabbitMQListener]]:
    """`make_listener(source, url, host_json=...)` → the listener of the app's single function (not started)."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    executor = ThreadPoolExecutor(max_workers=8)
    counter = iter(range(100))

    def make(source: str, url: str, host_json: dict[str, Any] | None = None) -> RabbitMQListener:
        monkeypatch.setenv("RabbitMQConnection", url)
        root = write_app(tmp_path / f"app{next(counter)}", source, host_json=host_json)
        app = load_app(root, apply_settings=False)
        return listener_for(app, executor)

    yield make
    sys.modules.pop("function_app", None)
    executor.shutdown(wait=False, cancel_futures=True)


def listener_for(app: LoadedApp, executor: ThreadPoolExecutor) -> RabbitMQListener:
    (indexed,) = app.functions
    spec = indexed.spec
    metrics = HostMetrics()
    outputs = OutputDispatcher(spec, app.settings[spec.name], app.host_config)
    invoker = FunctionInvoker(
        indexed,
        executor=executor,
        timeout=None,
        metrics=metrics,
        in_flight=InFlight(),
        function_directory=str(app.script_root),
        send_outputs=outputs.send if outputs else None,
    )
    context = ListenerContext(
        app=app,
        invoker=invoker,
        settings=app.settings[spec.name][spec.trigger.name],
        metrics=metrics,
        host_id="tests",
    )
    return RabbitMQListener(context)


def module_of(listener: RabbitMQListener) -> dict[str, Any]:
    """The globals of the function_app module the listener runs (where test apps record what they saw)."""
    callable_ = listener._ctx.app.functions[0].callable
    return callable_.__globals__


def trigger_app(
    queue: str, signature: str, body: str, *, prelude: str = "", trigger_type: str = "rabbitMQTrigger"
) -> str:
    return f"""
import asyncio
import azure.functions as func

app = func.FunctionApp()
seen = []
{prelude}

@app.generic_trigger(arg_name="msg", type="{trigger_type}", queue_name="{queue}",
                     connection_string_setting="RabbitMQConnection")
{signature}
{body}
"""


# -- conversions ------------------------------------------------------------------------------------------------


def _fn(annotation: str) -> Any:
    """The resolved annotation of parameter `msg` in `def f(msg<annotation>)`, as indexing records it."""
    namespace: dict[str, Any] = {}
    exec(f"def f(msg{annotation}) -> None: ...", {"Any": Any, "Optional": __import__("typing").Optional}, namespace)
    return parameter_annotations(namespace["f"]).get("msg")


@pytest.mark.parametrize(
    ("annotation", "body", "expected"),
    [
        (": str", "grüße".encode(), "grüße"),
        (": bytes", b"\x00\xff", b"\x00\xff"),
        ("", b"plain", "plain"),
        (": dict", b'{"a": 1}', {"a": 1}),
        (": dict[str, int]", b'{"a": 1}', {"a": 1}),
        (": list", b"[1, 2]", [1, 2]),
        (": int", b"7", 7),
        (": float", b"7", 7.0),
        (": bool", b"true", True),
        (": Optional[str]", b"x", "x"),
    ],
)
def test_the_body_is_converted_per_the_parameter_annotation(annotation: str, body: bytes, expected: object) -> None:
    convert = body_converter("fn", _fn(annotation), "msg", None)
    assert convert(body) == expected and type(convert(body)) is type(expected)


def test_unannotated_binary_data_type_gets_bytes() -> None:
    assert body_converter("fn", _fn(""), "msg", "BINARY")(b"\x01") == b"\x01"


@pytest.mark.parametrize(
    ("annotation", "body", "problem"),
    [
        (": dict", b"[1]", "JSON list"),
        (": dict", b"{oops", "not JSON"),
        (": int", b"true", "JSON bool"),
        (": str", b"\xff\xfe", "not UTF-8"),
    ],
)
def test_a_body_that_does_not_fit_the_annotation_is_a_conversion_error(
    annotation: str, body: bytes, problem: str
) -> None:
    with pytest.raises(BodyConversionError, match=problem):
        body_converter("fn", _fn(annotation), "msg", None)(body)


def test_an_unsupported_annotation_is_a_load_error_naming_function_parameter_and_choices() -> None:
    with pytest.raises(FunctionDefinitionError) as info:
        body_converter("orders", _fn(": Exception"), "msg", None)
    text = str(info.value)
    assert "Function 'orders'" in text and "'msg'" in text and "'Exception'" in text and "str, bytes" in text


@pytest.mark.parametrize("trigger_type", ["rabbitMQTrigger", "rabbitMqTrigger"])  # v2 docs / v1 template spelling
async def test_each_message_is_invoked_once_and_acked(
    broker: Broker, make_listener: Any, unique_name: str, trigger_type: str
) -> None:
    queue = await broker.declare(unique_name)
    source = trigger_app(
        queue, "def handle(msg: dict) -> None:", "    seen.append(msg['id'])", trigger_type=trigger_type
    )
    listener = make_listener(source, broker.url)
    await listener.start()
    assert listener.state() == "running"
    await broker.publish(queue, [json.dumps({"id": i}).encode() for i in range(25)])
    seen = module_of(listener)["seen"]
    await until(lambda: len(seen) >= 25, what="25 invocations")
    await listener.stop(5)
    assert sorted(seen) == list(range(25))
    assert await broker.count(queue) == 0
    assert listener.state() == "stopped"


async def test_a_failed_message_is_republished_with_the_requeue_count_until_it_succeeds(
    broker: Broker, make_listener: Any, unique_name: str
) -> None:
    queue = await broker.declare(unique_name)
    prelude = "import threading\nheaders = []"
    body = "    seen.append(msg)\n    if len(seen) < 3:\n        raise RuntimeError('not yet')\n"
    # The count is only visible on the wire: record it with a second consumer of the republished copies below.
    source = trigger_app(queue, "def handle(msg: str) -> None:", body, prelude=prelude)
    listener = make_listener(source, broker.url)
    counts: list[object] = []
    original = listener._delivery.run

    async def spy(message: Any, channel: Any) -> None:  # observe deliveries without touching the client
        counts.append((message.headers or {}).get(HEADER))
        assert message.message_id == "m-1" and message.correlation_id == "c-1"
        assert message.content_type == "text/plain" and message.headers["x-custom"] == "kept"
        await original(message, channel)

    listener._delivery.run = spy  # type: ignore[method-assign]
    await listener.start()
    await broker.publish(
        queue,
        [b"payload"],
        message_id="m-1",
        correlation_id="c-1",
        content_type="text/plain",
        headers={"x-custom": "kept"},
    )
    seen = module_of(listener)["seen"]
    await until(lambda: len(seen) == 3, what="three tries")
    await until(lambda: listener.in_flight == 0, what="settlement")
    await listener.stop(5)
    assert counts == [None, 1, 2]  # absent (= 0), then 1 and 2, as Azure's RabbitMQListener.cs counts
    assert seen == ["payload"] * 3
    assert await broker.count(queue) == 0
    assert listener._ctx.metrics.retries.labels("handle").value == 2


async def test_a_poison_message_is_rejected_to_the_dead_letter_queue_after_five_tries(
    broker: Broker, make_listener: Any, unique_name: str
) -> None:
    dlq = await broker.declare(f"{unique_name}-dlq")
    queue = await broker.declare(unique_name, {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq})
    source = trigger_app(queue, "def handle(msg: str) -> None:", "    seen.append(msg)\n    raise ValueError('poison')")
    listener = make_listener(source, broker.url)
    await listener.start()
    await broker.publish(queue, [b"bad order"], message_id="poison-1")
    await until(lambda: len(module_of(listener)["seen"]) == 5, what="five tries")
    dead = await _wait_for_messages(broker, dlq, 1)
    await listener.stop(5)
    assert module_of(listener)["seen"] == ["bad order"] * 5
    assert dead[0].body == b"bad order" and dead[0].message_id == "poison-1"
    assert dead[0].headers[HEADER] == 4  # the last republished copy (tries: no header, 1, 2, 3, 4)
    assert await broker.count(queue) == 0


async def test_a_body_that_cannot_be_bound_fails_like_an_invocation_and_is_dead_lettered(
    broker: Broker, make_listener: Any, unique_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    dlq = await broker.declare(f"{unique_name}-dlq")
    queue = await broker.declare(unique_name, {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq})
    listener = make_listener(trigger_app(queue, "def handle(msg: dict) -> None:", "    seen.append(msg)"), broker.url)
    await listener.start()
    await broker.publish(queue, [b"{not json"])
    dead = await _wait_for_messages(broker, dlq, 1)
    await listener.stop(5)
    assert module_of(listener)["seen"] == []
    assert dead[0].body == b"{not json"
    assert "Function 'handle': the message from queue" in caplog.text and "parameter 'msg'" in caplog.text


async def test_a_poison_message_on_a_queue_without_a_dead_letter_exchange_is_discarded_after_five_tries(
    broker: Broker, make_listener: Any, unique_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    """No x-dead-letter-exchange: the fifth failure rejects the message and RabbitMQ drops it (as on Azure)."""
    queue = await broker.declare(unique_name)
    source = trigger_app(queue, "def handle(msg: str) -> None:", "    seen.append(msg)\n    raise ValueError('poison')")
    listener = make_listener(source, broker.url)
    await listener.start()
    await broker.publish(queue, [b"bad order"], message_id="poison-2")
    await until(lambda: len(module_of(listener)["seen"]) == 5, what="five tries")
    await until(lambda: listener.in_flight == 0, what="the fifth settlement")
    await listener.stop(5)  # an unsettled message would be back in the queue once the channel closes
    assert module_of(listener)["seen"] == ["bad order"] * 5
    assert await broker.count(queue) == 0, "rejected without requeue, not given back"
    assert "failed 5 times" in caplog.text and "poison-2" in caplog.text
    assert "otherwise RabbitMQ discards it" in caplog.text


async def test_a_republish_the_broker_refuses_gives_the_original_back_and_loses_nothing(
    broker: Broker, make_listener: Any, unique_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A full queue (x-max-length 1, x-overflow reject-publish) makes the broker nack the republished copy: the
    original is nacked with requeue instead of acked, delivered again, and the next try succeeds."""
    queue = await broker.declare(unique_name, {"x-max-length": 1, "x-overflow": "reject-publish"})
    prelude = "import threading\nrelease = threading.Event()"
    body = (
        "    seen.append(msg)\n"
        "    if seen == ['first']:\n"
        "        release.wait(20)\n"
        "        raise RuntimeError('first try fails')\n"
    )
    host_json = {"version": "2.0", "extensions": {"rabbitMQ": {"prefetchCount": 1}}}
    source = trigger_app(queue, "def handle(msg: str) -> None:", body, prelude=prelude)
    listener = make_listener(source, broker.url, host_json)
    await listener.start()
    await broker.publish(queue, [b"first"])
    seen = module_of(listener)["seen"]
    await until(lambda: seen == ["first"], what="the first try")
    await broker.publish(queue, [b"second"])  # unacked "first" does not count: the queue is now full
    module_of(listener)["release"].set()
    await until(lambda: len(seen) == 3, what="the given-back message and the next one")
    await until(lambda: listener.in_flight == 0, what="settlement")
    await listener.stop(5)
    assert seen == ["first", "first", "second"]
    assert await broker.count(queue) == 0
    assert "could not settle a message of queue" in caplog.text and "RabbitMQ will deliver it again" in caplog.text
    assert listener._ctx.metrics.retries.labels("handle").value == 0, "no copy was published"


async def _wait_for_messages(broker: Broker, queue: str, n: int) -> list[Any]:
    taken: list[Any] = []
    deadline = time.monotonic() + 20
    while len(taken) < n:
        assert time.monotonic() < deadline, f"only {len(taken)} of {n} messages reached {queue}"
        taken += await broker.drain(queue)
        await asyncio.sleep(0.05)
    return taken


async def test_concurrency_is_bounded_by_prefetch_count(broker: Broker, make_listener: Any, unique_name: str) -> None:
    queue = await broker.declare(unique_name)
    prelude = "release = asyncio.Event()\nrunning = 0\npeak = 0"
    body = (
        "    global running, peak\n"
        "    running += 1\n"
        "    peak = max(peak, running)\n"
        "    await release.wait()\n"
        "    running -= 1\n"
        "    seen.append(msg)\n"
    )
    source = trigger_app(queue, "async def handle(msg: str) -> None:", body, prelude=prelude)
    listener = make_listener(
        source, broker.url, host_json={"version": "2.0", "extensions": {"rabbitMQ": {"prefetchCount": 3}}}
    )
    await listener.start()
    await broker.publish(queue, [str(i).encode() for i in range(12)])
    module = module_of(listener)
    await until(lambda: listener.in_flight == 3, what="three invocations in flight")
    assert await _eventually_count(broker, queue, 9)  # the rest waits in the queue, not in this host
    module["release"].set()
    await until(lambda: len(module["seen"]) == 12, what="all 12 invocations")
    await listener.stop(5)
    assert module["peak"] == 3


async def _eventually_count(broker: Broker, queue: str, expected: int) -> bool:
    deadline = time.monotonic() + 10
    while await broker.count(queue) != expected:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def test_stop_finishes_in_flight_work_and_leaves_the_rest_in_the_queue(
    broker: Broker, make_listener: Any, unique_name: str
) -> None:
    queue = await broker.declare(unique_name)
    prelude = "release = asyncio.Event()"
    body = "    await release.wait()\n    seen.append(msg)\n"
    source = trigger_app(queue, "async def handle(msg: str) -> None:", body, prelude=prelude)
    listener = make_listener(
        source, broker.url, host_json={"version": "2.0", "extensions": {"rabbitMQ": {"prefetchCount": 4}}}
    )
    await listener.start()
    await broker.publish(queue, [str(i).encode() for i in range(10)])
    await until(lambda: listener.in_flight == 4, what="four invocations in flight")
    stopping = asyncio.create_task(listener.stop(10))
    await until(lambda: listener.state() == "stopping", what="stopping")
    module_of(listener)["release"].set()
    await stopping
    finished = module_of(listener)["seen"]
    left = [m.body.decode() for m in await broker.drain(queue)]
    assert len(finished) == 4
    assert sorted(finished + left, key=int) == [str(i) for i in range(10)]  # nothing lost, nothing twice


async def test_a_missing_queue_is_reported_and_consumed_once_it_exists(
    broker: Broker, make_listener: Any, unique_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    source = trigger_app(unique_name, "def handle(msg: str) -> None:", "    seen.append(msg)")
    listener = make_listener(source, broker.url)
    await listener.start()
    assert listener.state() == "waiting"  # the broker answers; /readyz counts it as ready
    assert f"RabbitMQ queue '{unique_name}' does not exist" in caplog.text
    assert f"RabbitMQ queue '{unique_name}' does not exist" in listener.detail()
    assert "connection setting 'RabbitMQConnection'" in caplog.text and "127.0.0.1:5672" in caplog.text
    await broker.declare(unique_name)
    await broker.publish(unique_name, [b"late"])
    await until(lambda: module_of(listener)["seen"] == ["late"], what="the late queue's message")
    assert listener.state() == "running"
    await listener.stop(5)


async def test_an_unreachable_broker_names_the_setting_and_host_but_not_the_password(
    make_listener: Any, unique_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    url = f"amqp://app:TopSecret42@127.0.0.1:{port}/"
    listener = make_listener(trigger_app(unique_name, "def handle(msg: str) -> None:", "    pass"), url)
    with caplog.at_level(logging.DEBUG):
        await listener.start()
        assert listener.state() == "starting"
        await listener.stop(1)
    assert f"127.0.0.1:{port}" in caplog.text and "app setting 'RabbitMQConnection'" in caplog.text
    assert "TopSecret42" not in caplog.text
    assert listener.state() == "stopped"


async def test_manual_trigger_runs_the_function_with_the_payload(make_listener: Any, rabbitmq: str) -> None:
    listener = make_listener(trigger_app("unused", "def handle(msg: dict) -> None:", "    seen.append(msg)"), rabbitmq)
    await listener.trigger_manually('{"id": 1}')
    assert module_of(listener)["seen"] == [{"id": 1}]


# -- end to end: `funchost start` subprocesses -------------------------------------------------------------------

E2E_APP = """
import json, os, time
import azure.functions as func

app = func.FunctionApp()


@app.generic_trigger(arg_name="msg", type="rabbitMQTrigger", queue_name="%InQueue%",
                     connection_string_setting="RabbitMQConnection")
@app.generic_output_binding(arg_name="out", type="rabbitMQ", queue_name="%OutQueue%",
                            connection_string_setting="RabbitMQConnection")
def relay(msg: dict, out: func.Out[str]) -> None:
    record = os.environ["RECORD_FILE"]
    with open(record, "a") as f:
        f.write(f"start {msg['id']}\\n")
    time.sleep(float(os.environ.get("WORK_SECONDS", "0")))  # the work a real function does
    out.set(json.dumps({"id": msg["id"], "pid": os.getpid()}))
    with open(record, "a") as f:
        f.write(f"done {msg['id']}\\n")
"""


@dataclass
class E2E:
    root: Path
    record: Path
    env: dict[str, str]
    inq: str
    outq: str

    def host(self, **extra_env: str) -> HostProcess:
        return HostProcess(self.root, env={**self.env, **extra_env}, args=["--grace-period", "20"])

    def ids(self, kind: str) -> list[int]:
        if not self.record.exists():
            return []
        words = (line.split() for line in self.record.read_text().splitlines())
        return [int(w[1]) for w in words if len(w) == 2 and w[0] == kind and w[1].isdigit()]


@pytest.fixture
async def e2e(broker: Broker, tmp_path: Path, unique_name: str) -> E2E:
    return await make_e2e(broker, tmp_path, unique_name)


async def make_e2e(broker: Broker, tmp_path: Path, unique_name: str) -> E2E:
    inq = await broker.declare(f"{unique_name}-in")
    outq = await broker.declare(f"{unique_name}-out")
    root = write_app(
        tmp_path / "app", E2E_APP, host_json={"version": "2.0", "extensions": {"rabbitMQ": {"prefetchCount": 4}}}
    )
    record = tmp_path / "record.txt"
    env = {"RabbitMQConnection": broker.url, "InQueue": inq, "OutQueue": outq, "RECORD_FILE": str(record)}
    return E2E(root, record, env, inq, outq)


async def publish_ids(broker: Broker, queue: str, ids: range) -> None:
    persistent = aio_pika.DeliveryMode.PERSISTENT
    await broker.publish(queue, [json.dumps({"id": i}).encode() for i in ids], delivery_mode=persistent)


async def collect_outputs(broker: Broker, queue: str, expected: set[int], within: float = 30) -> list[int]:
    """Drain `queue` until every expected id has arrived; the ids of every output message, repeats included."""
    got: list[int] = []
    deadline = time.monotonic() + within
    while not expected <= set(got):
        missing = sorted(expected - set(got))
        assert time.monotonic() < deadline, f"outputs missing after {within} s: {missing[:20]}"
        got += [json.loads(m.body)["id"] for m in await broker.drain(queue)]
        await asyncio.sleep(0.05)
    return got


async def test_n_messages_in_give_n_invocations_and_n_outputs(broker: Broker, e2e: E2E) -> None:
    with e2e.host() as host:
        await asyncio.to_thread(host.wait_ready)
        await publish_ids(broker, e2e.inq, range(60))
        outputs = await collect_outputs(broker, e2e.outq, set(range(60)))
        assert await asyncio.to_thread(host.terminate) == 0
    assert sorted(outputs) == list(range(60))  # each exactly once
    assert sorted(e2e.ids("done")) == list(range(60))
    assert await broker.count(e2e.inq) == 0


async def test_sigterm_finishes_in_flight_invocations_and_loses_nothing(broker: Broker, e2e: E2E) -> None:
    await publish_ids(broker, e2e.inq, range(40))
    with e2e.host(WORK_SECONDS="0.3") as host:
        await asyncio.to_thread(host.wait_ready)
        await until(lambda: len(e2e.ids("start")) >= 6, what="invocations to start")
        assert await asyncio.to_thread(host.terminate, signal.SIGTERM) == 0
    started, done = e2e.ids("start"), e2e.ids("done")
    assert sorted(started) == sorted(done)  # every started invocation finished within the grace period
    outputs = [json.loads(m.body)["id"] for m in await broker.drain(e2e.outq)]
    left = [json.loads(m.body)["id"] for m in await broker.drain(e2e.inq)]
    assert sorted(outputs) == sorted(done)
    assert sorted(done + left) == list(range(40))  # settled or back in the queue: none lost, none twice
    assert left, "the test should stop the host mid-stream"


async def test_kill_9_mid_stream_then_restart_processes_every_message_at_least_once(broker: Broker, e2e: E2E) -> None:
    await publish_ids(broker, e2e.inq, range(150))
    with e2e.host(WORK_SECONDS="0.05") as host:
        await asyncio.to_thread(host.wait_ready)
        await until(lambda: len(e2e.ids("done")) >= 20, what="some messages processed")
        assert await asyncio.to_thread(host.terminate, signal.SIGKILL) == -signal.SIGKILL
    assert len(set(e2e.ids("done"))) < 150, "the test should kill the host mid-stream"
    with e2e.host() as host:
        await asyncio.to_thread(host.wait_ready)
        outputs = await collect_outputs(broker, e2e.outq, set(range(150)))
        assert await asyncio.to_thread(host.terminate) == 0
    assert set(e2e.ids("done")) == set(range(150)) and set(outputs) == set(range(150))


async def test_a_rabbitmq_restart_mid_stream_is_survived_without_help(tmp_path: Path, unique_name: str) -> None:
    """A private node (its own name, ports and data dir: the shared broker is never stopped) is restarted under a
    running host; durable queues and persistent messages survive on its data dir, and the host reconnects alone."""
    node = PrivateRabbitMQ()
    await asyncio.to_thread(node.start)
    try:
        connection = await aio_pika.connect(node.url)
        private = Broker(node.url, connection)
        e2e = await make_e2e(private, tmp_path, unique_name)
        await publish_ids(private, e2e.inq, range(400))
        with e2e.host(WORK_SECONDS="0.05") as host:
            await asyncio.to_thread(host.wait_ready)
            await until(lambda: len(e2e.ids("done")) >= 10, what="some messages processed")
            await private.connection.close()
            await asyncio.to_thread(node.stop)
            assert len(set(e2e.ids("done"))) < 400, "the broker should stop mid-stream"
            readiness = await asyncio.to_thread(_readyz, host)
            assert readiness[0] == 503 and "reconnecting" in readiness[1]
            await asyncio.to_thread(node.start)
            private.connection = await aio_pika.connect(node.url)
            outputs = await collect_outputs(private, e2e.outq, set(range(400)), within=60)
            await asyncio.to_thread(host.wait_ready)
            log = host.output()
            assert await asyncio.to_thread(host.terminate) == 0
        await private.connection.close()
    finally:
        await asyncio.to_thread(node.close)
    assert set(outputs) == set(range(400)) and set(e2e.ids("done")) == set(range(400))
    assert "was lost; reconnecting" in log and "guest:guest" not in log


def _readyz(host: HostProcess) -> tuple[int, str]:
    import httpx

    deadline = time.monotonic() + 20
    while True:
        response = httpx.get(f"{host.base_url}/readyz", timeout=2)
        if response.status_code == 503 or time.monotonic() > deadline:
            return response.status_code, response.text
        time.sleep(0.05)


def test_funchost_start_refuses_an_unsupported_parameter_type_naming_function_and_fix(tmp_path: Path) -> None:
    source = trigger_app("q", "def handle(msg: func.QueueMessage) -> None:", "    pass")
    root = write_app(tmp_path / "app", source, settings={"RabbitMQConnection": "amqp://guest:guest@127.0.0.1:1/"})
    result = run_cli(["start", "--host", "127.0.0.1", "--port", str(free_port())], cwd=root)
    assert result.returncode == 2
    assert "Function 'handle'" in result.stderr and "'msg' is annotated 'QueueMessage'" in result.stderr
    assert "str, bytes, or a JSON type" in result.stderr
