"""Kafka trigger: the pure parts (security mapping, settle rule, KafkaEvent shape, annotations) in process, and
the listener end to end through `funchost start` subprocesses against the real Kafka-protocol broker (tansu).

Broker caveat (tansu 0.6): ListOffsets(latest) is wrong when a producer batches records, so these tests never
read end offsets; where offsets matter they produce one record per request (`send_and_wait`) and compare
committed offsets with the offsets the function saw.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import signal
import time
import typing
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import azure.functions as func
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import TopicPartition

from funchost.bindings.kafka import dotnet_timestamp, envelope, kafka_event, kafka_events, trigger_value
from funchost.errors import ConfigurationError, FunctionDefinitionError
from funchost.metadata.extension_options import KafkaOptions
from funchost.metadata.indexing import parameter_annotations
from funchost.triggers.kafka.partition import Action, settle_action
from tests.support.apps import write_app
from tests.support.hostproc import HostProcess, free_port, run_cli
from tests.support.private_tansu import PrivateTansu

# -- the settle rule (SingleItemFunctionExecutor / MultipleItemFunctionExecutor) ------------------------------------


@pytest.mark.parametrize(
    ("succeeded", "commit_on_failure", "max_retries", "failures", "action"),
    [
        (True, False, 5, 0, Action.COMMIT),
        (False, True, 5, 1, Action.COMMIT),
        (False, False, 5, 1, Action.REDELIVER),
        (False, False, 5, 5, Action.REDELIVER),
        (False, False, 5, 6, Action.FORCE_COMMIT),
        (False, False, 0, 1, Action.FORCE_COMMIT),
        (False, False, -1, 10_000, Action.REDELIVER),
    ],
)
def test_settle_action(
    succeeded: bool, commit_on_failure: bool, max_retries: int, failures: int, action: Action
) -> None:
    options = KafkaOptions(commit_on_failure=commit_on_failure, max_retries=max_retries)
    assert settle_action(succeeded, options, failures) is action


# -- what the function receives -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    topic: str = "orders"
    partition: int = 2
    offset: int = 41
    timestamp: int = 1649474406591
    key: bytes | None = b"k-1"
    value: bytes | None = b'{"n": 1}'
    headers: tuple[tuple[str, bytes], ...] = (("trace", b"abc"),)


def test_dotnet_timestamps() -> None:
    assert dotnet_timestamp(1649474406591) == "2022-04-09T03:20:06.591Z"
    assert dotnet_timestamp(1649474406000) == "2022-04-09T03:20:06Z"
    assert dotnet_timestamp(1649474406500) == "2022-04-09T03:20:06.5Z"


def test_string_event_body_is_the_extensions_json_envelope() -> None:
    event = kafka_event(Record(), "string")
    assert json.loads(event.get_body()) == {
        "Offset": 41,
        "Partition": 2,
        "Topic": "orders",
        "Timestamp": "2022-04-09T03:20:06.591Z",
        "Value": '{"n": 1}',
        "Headers": [{"Key": "trace", "Value": "YWJj"}],
        "Key": "k-1",
    }
    assert (event.key, event.partition, event.offset, event.topic) == ("k-1", 2, 41, "orders")
    assert event.timestamp == "2022-04-09T03:20:06.591Z"
    assert event.headers == [{"Key": "trace", "Value": "YWJj"}]
    assert event.metadata is not None and event.metadata["Partition"] == 2
    assert kafka_event(Record(), None).get_body() == envelope(Record()).encode()


def test_binary_event_body_is_the_raw_value_and_batches_share_array_metadata() -> None:
    events = kafka_events([Record(), Record(offset=42, key=None, value=b"\xff")], "binary")
    assert [e.get_body() for e in events] == [b'{"n": 1}', b"\xff"]
    assert [e.offset for e in events] == [41, 42] and events[1].key is None
    assert events[0].metadata is not None and json.loads(events[0].metadata["OffsetArray"]) == [41, 42]
    assert sorted(events[1].metadata or {}) == sorted(
        ["KeyArray", "PartitionArray", "TopicArray", "TimestampArray", "OffsetArray", "HeadersArray"]
    )
    assert json.loads((events[1].metadata or {})["KeyArray"]) == ["k-1", None]
    assert json.loads((events[1].metadata or {})["TimestampArray"]) == ["2022-04-09T03:20:06.591Z"] * 2


def one(event: func.KafkaEvent) -> None: ...
def many(events: typing.List[func.KafkaEvent]) -> None: ...  # noqa: UP006 - the spelling Azure's docs use
def text(body: str) -> None: ...
def raw(body: bytes) -> None: ...
def unannotated(event) -> None: ...  # type: ignore[no-untyped-def]
def wrong(event: dict[str, Any]) -> None: ...


@pytest.mark.parametrize(
    ("function", "cardinality", "data_type", "expected"),
    [
        (one, "one", None, func.KafkaEvent),
        (unannotated, "one", None, func.KafkaEvent),
        (many, "many", None, list),
        (one, "many", None, list),  # the worker's converter returns a list whatever the annotation
        (text, "one", "string", str),
        (raw, "one", "binary", bytes),
        (raw, "one", None, str),  # the generic binding passes the body as sent: text unless dataType is binary
    ],
)
def test_trigger_value_follows_the_python_worker(
    function: Callable[..., None], cardinality: str, data_type: str | None, expected: type
) -> None:
    parameter = next(iter(inspect.signature(function).parameters))
    convert = trigger_value("f", parameter_annotations(function).get(parameter), parameter, cardinality, data_type)
    assert isinstance(convert([Record()]), expected)


@pytest.mark.parametrize(
    ("function", "cardinality", "text"),
    [(text, "many", "cardinality many"), (wrong, "one", "func.KafkaEvent, typing.List[func.KafkaEvent]")],
)
def test_annotations_the_worker_refuses(function: Callable[..., None], cardinality: str, text: str) -> None:
    parameter = next(iter(inspect.signature(function).parameters))
    with pytest.raises(FunctionDefinitionError, match=re.escape(text)) as caught:
        trigger_value("orders", parameter_annotations(function).get(parameter), parameter, cardinality, None)
    assert "Function 'orders'" in str(caught.value)


# -- bad configuration stops `funchost start` before anything listens ------------------------------------------------

BAD_APPS = {
    "avro": ('avro_schema=\'{"type": "string"}\'', "e: func.KafkaEvent", ["'avroSchema'", "dataType binary"]),
    "security": (
        'protocol="SaslSsl", authentication_mode="Plain", password="p"',
        "e: func.KafkaEvent",
        ["Function 'f'", "needs 'username'", "%SettingName%"],
    ),
    "annotation": ("cardinality=func.Cardinality.MANY", "e: str", ["parameter 'e' is annotated str", "List"]),
}


@pytest.mark.parametrize("case", sorted(BAD_APPS))
def test_bad_kafka_trigger_definitions_exit_with_the_fix(case: str, tmp_path: Path) -> None:
    extra, parameter, expected = BAD_APPS[case]
    source = (
        "import azure.functions as func\napp = func.FunctionApp()\n"
        f'@app.kafka_trigger(arg_name="e", topic="t", broker_list="127.0.0.1:1", {extra})\n'
        f"def f({parameter}) -> None: ...\n"
    )
    write_app(tmp_path, source, settings={})
    result = run_cli(["start", "--port", str(free_port())], cwd=tmp_path, timeout=30)
    assert result.returncode == 2, result.stderr + result.stdout
    assert all(text in result.stderr + result.stdout for text in expected), result.stderr + result.stdout


# -- end to end against the broker ----------------------------------------------------------------------------------

needs_kafka = pytest.mark.kafka


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def _create_topics(bootstrap: str, topics: dict[str, int]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, num_partitions=p, replication_factor=1) for n, p in topics.items()])
    finally:
        await admin.close()


async def _produce(bootstrap: str, topic: str, values: list[str], partition: int | None = None) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for value in values:  # one record per request: see the module docstring
            await producer.send_and_wait(
                topic, value.encode(), key=f"key-{value}".encode(), headers=[("h", b"v")], partition=partition
            )
    finally:
        await producer.stop()


async def _committed(bootstrap: str, group: str, topic: str, partitions: int) -> dict[int, int | None]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:  # tansu drops the connection unless the partitions are named
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        offsets = await admin.list_consumer_group_offsets(group, partitions=tps)
    finally:
        await admin.close()
    return {tp.partition: (o.offset if o.offset >= 0 else None) for tp, o in offsets.items()}


def committed(bootstrap: str, group: str, topic: str, partitions: int = 1) -> dict[int, int | None]:
    return typing.cast(dict[int, int | None], run(_committed(bootstrap, group, topic, partitions)))


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def wait_until(check: Callable[[], Any], what: str, timeout: float = 30.0, host: HostProcess | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{host.output()[-6000:] if host else ''}")


def wait_lines(
    path: Path, done: Callable[[list[dict[str, Any]]], bool], what: str, host: HostProcess | None = None
) -> list[dict[str, Any]]:
    """Poll a record file until `done(lines)`; return those lines."""
    seen: list[dict[str, Any]] = []

    def check() -> bool:
        seen[:] = lines(path)
        return done(seen)

    wait_until(check, what, host=host)
    return seen


def records_dir(tmp_path: Path, *, released: bool = False) -> Path:
    """The folder the test apps record into; `released` lets SLOW_APP's "hold" events through at once."""
    records = tmp_path / "records"
    records.mkdir()
    if released:
        (records / "release").touch()
    return records


def host_json(**kafka: Any) -> dict[str, Any]:
    return {"version": "2.0", "extensions": {"kafka": {"sessionTimeoutMs": 2000, **kafka}}}


RECORDER = """
import json, os, time, typing
import azure.functions as func

app = func.FunctionApp()
RECORDS = os.environ["RECORD_DIR"]


def record(name, **fields):
    with open(os.path.join(RECORDS, name + ".jsonl"), "a", encoding="utf-8") as out:
        out.write(json.dumps(fields) + "\\n")


def value(event):
    return json.loads(event.get_body())["Value"]
"""

TRIGGER_APP = (
    RECORDER
    + """

@app.kafka_trigger(arg_name="event", topic="%EchoTopic%", broker_list="KafkaBrokerList", consumer_group="%Group%-e")
@app.kafka_output(arg_name="out", topic="%EchoOutTopic%", broker_list="KafkaBrokerList")
def echo(event: func.KafkaEvent, out: func.Out[str]) -> None:
    record("echo", id=value(event), key=event.key, topic=event.topic, partition=event.partition, offset=event.offset,
           timestamp=event.timestamp, headers=event.headers)
    out.set(json.dumps({"id": value(event)}))


@app.kafka_trigger(arg_name="events", topic="%BatchTopic%", broker_list="KafkaBrokerList", consumer_group="%Group%-b",
                   cardinality=func.Cardinality.MANY, data_type=func.DataType.BINARY)
def batch(events: typing.List[func.KafkaEvent]) -> None:
    record("batch", events=[[e.partition, e.offset, e.get_body().decode()] for e in events])
    time.sleep(0.3)  # let the next batch fill up


@app.kafka_trigger(arg_name="body", topic="%FlakyTopic%", broker_list="KafkaBrokerList", consumer_group="%Group%-f")
@app.retry(strategy="fixed_delay", max_retry_count="3", delay_interval="00:00:01")
def flaky(body: str, context: func.Context) -> None:
    retry = context.retry_context.retry_count
    record("flaky", id=json.loads(body)["Value"], retry=retry)
    if retry < 2:
        raise RuntimeError(f"flaky failure {retry}")


@app.kafka_trigger(arg_name="event", topic="%PoisonTopic%", broker_list="KafkaBrokerList", consumer_group="%Group%-p")
def poison(event: func.KafkaEvent) -> None:
    record("poison", id=value(event), offset=event.offset)
    if value(event) == "poison":
        raise ValueError("cannot handle poison")


@app.kafka_trigger(arg_name="event", topic="%GatedTopic%", broker_list="KafkaBrokerList", consumer_group="%Group%-g")
def gated(event: func.KafkaEvent) -> None:
    record("gated-started", id=value(event))
    release = os.path.join(RECORDS, f"release-{value(event)}")  # one gate per event: tests run in any order
    deadline = time.monotonic() + 60
    while not os.path.exists(release) and time.monotonic() < deadline:
        time.sleep(0.02)
    record("gated", id=value(event))
"""
)


MASTER_KEY = "kafka-tests-master-key"


@dataclass
class TriggerHost:
    host: HostProcess
    records: Path
    group: str
    topics: dict[str, str]
    bootstrap: str


@pytest.fixture(scope="module")
def trigger_host(kafka: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TriggerHost]:
    """One host with a function per scenario (a consumer-group join costs seconds on the test broker)."""
    root = tmp_path_factory.mktemp("kafka-app")
    records = root / "records"
    records.mkdir()
    name = f"t{uuid.uuid4().hex[:12]}"
    partitions = {"Echo": 3, "EchoOut": 1, "Batch": 3, "Flaky": 1, "Poison": 1, "Gated": 1}
    topics = {role: f"{name}-{role.lower()}" for role in partitions}
    run(_create_topics(kafka, {topics[role]: count for role, count in partitions.items()}))
    env = {f"{role}Topic": topic for role, topic in topics.items()}
    env |= {"KafkaBrokerList": kafka, "Group": name, "RECORD_DIR": str(records), "FUNCHOST_MASTER_KEY": MASTER_KEY}
    write_app(root, TRIGGER_APP, host_json=host_json(maxBatchSize=5, maxRetries=2), settings={})
    with HostProcess(root, env=env) as host:
        host.wait_ready(60)
        yield TriggerHost(host, records, name, topics, kafka)
        assert host.terminate() == 0, host.output()


@needs_kafka
def test_each_event_is_one_invocation_and_one_output(trigger_host: TriggerHost) -> None:
    th = trigger_host
    ids = [f"m{i}" for i in range(30)]
    run(_produce(th.bootstrap, th.topics["Echo"], ids))
    seen = wait_lines(th.records / "echo.jsonl", lambda got: len(got) >= 30, "30 invocations", th.host)
    assert sorted(r["id"] for r in seen) == sorted(ids), "every event exactly once"
    first = seen[0]
    assert first["key"] == f"key-{first['id']}" and first["topic"] == th.topics["Echo"]
    assert first["headers"] == [{"Key": "h", "Value": "dg=="}]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z", first["timestamp"])
    for partition in range(3):  # in order within a partition
        offsets = [r["offset"] for r in seen if r["partition"] == partition]
        assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets)
    outputs = wait_until(lambda: [v for v in [consume(th.bootstrap, th.topics["EchoOut"])] if len(v) >= 30], "outputs")
    assert sorted(json.loads(v)["id"] for v in outputs[0]) == sorted(ids)
    group = f"{th.group}-e"
    expected = {p: max((r["offset"] + 1 for r in seen if r["partition"] == p), default=None) for p in range(3)}
    wait_until(lambda: committed(th.bootstrap, group, th.topics["Echo"], 3) == expected, f"commits {expected}")


def consume(bootstrap: str, topic: str) -> list[str]:
    async def read() -> list[str]:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest")
        await consumer.start()
        try:
            consumer.assign([TopicPartition(topic, 0)])
            fetched = await consumer.getmany(timeout_ms=1000)
            return [r.value.decode() for records in fetched.values() for r in records]
        finally:
            await consumer.stop()

    return typing.cast(list[str], run(read()))


@needs_kafka
def test_cardinality_many_gets_ordered_batches_of_at_most_max_batch_size(trigger_host: TriggerHost) -> None:
    th = trigger_host
    ids = [f"b{i}" for i in range(40)]
    run(_produce(th.bootstrap, th.topics["Batch"], ids))
    path = th.records / "batch.jsonl"
    batches = wait_lines(path, lambda got: sum(len(b["events"]) for b in got) >= 40, "40 batched events", th.host)
    sizes = [len(b["events"]) for b in batches]
    assert max(sizes) == 5, f"maxBatchSize is 5 and events queue while a batch runs: {sizes}"
    assert sorted(e[2] for b in batches for e in b["events"]) == sorted(ids)
    assert all(len({e[0] for e in b["events"]}) == 1 for b in batches), "a batch comes from one partition"
    for partition in range(3):
        offsets = [e[1] for b in batches for e in b["events"] if e[0] == partition]
        assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets)


@needs_kafka
def test_retry_policy_runs_before_the_offset_is_settled(trigger_host: TriggerHost) -> None:
    th = trigger_host
    run(_produce(th.bootstrap, th.topics["Flaky"], ["f1", "f2"], partition=0))
    path = th.records / "flaky.jsonl"
    attempts = wait_lines(path, lambda got: len(got) >= 6, "3 attempts per event", th.host)
    assert [(a["id"], a["retry"]) for a in attempts] == [(i, r) for i in ("f1", "f2") for r in (0, 1, 2)]
    group = f"{th.group}-f"
    wait_until(lambda: committed(th.bootstrap, group, th.topics["Flaky"]) == {0: 2}, "commit after success")
    assert "retry 1 of 3" in th.host.output()


@needs_kafka
def test_poison_event_is_redelivered_max_retries_times_then_force_committed(trigger_host: TriggerHost) -> None:
    th = trigger_host
    run(_produce(th.bootstrap, th.topics["Poison"], ["a", "poison", "b"], partition=0))
    path = th.records / "poison.jsonl"
    wait_until(lambda: any(r["id"] == "b" for r in lines(path)), "the event after the poison one", host=th.host)
    assert [r["id"] for r in lines(path)] == ["a", "poison", "poison", "poison", "b"], "1 try + maxRetries (2)"
    group = f"{th.group}-p"
    wait_until(lambda: committed(th.bootstrap, group, th.topics["Poison"]) == {0: 3}, "commit past the poison event")
    assert "after 2 redeliveries (host.json extensions.kafka.maxRetries = 2)" in th.host.output()
    assert "offset is force-committed to 2" in th.host.output()


@needs_kafka
def test_offset_is_committed_only_after_the_invocation_succeeded(trigger_host: TriggerHost) -> None:
    th = trigger_host
    group, topic = f"{th.group}-g", th.topics["Gated"]  # the only test that produces to this topic
    event = f"g-{uuid.uuid4().hex[:8]}"
    run(_produce(th.bootstrap, topic, [event], partition=0))
    started = lambda: {"id": event} in lines(th.records / "gated-started.jsonl")  # noqa: E731
    wait_until(started, "the invocation to start", host=th.host)
    assert committed(th.bootstrap, group, topic) == {0: None}, "nothing committed while the function runs"
    metrics = httpx.get(f"{th.host.base_url}/metrics", timeout=5).text
    assert 'funchost_invocations_in_flight{function="gated"} 1.0' in metrics
    (th.records / f"release-{event}").touch()
    wait_until(lambda: committed(th.bootstrap, group, topic) == {0: 1}, "the commit after success")
    assert [r["id"] for r in lines(th.records / "gated.jsonl")].count(event) == 1


@needs_kafka
def test_admin_api_runs_the_function_with_the_payload_as_the_event_value(trigger_host: TriggerHost) -> None:
    th = trigger_host
    payload = f"manual-{uuid.uuid4().hex[:8]}"
    (th.records / f"release-{payload}").touch()
    response = httpx.post(
        f"{th.host.base_url}/admin/functions/gated",
        json={"input": payload},
        headers={"x-functions-key": MASTER_KEY},
        timeout=5,
    )
    assert response.status_code == 202, response.text
    wait_until(lambda: {"id": payload} in lines(th.records / "gated.jsonl"), "the manual run", host=th.host)


FAILING_APP = (
    RECORDER
    + """

@app.kafka_trigger(arg_name="event", topic="%Topic%", broker_list="KafkaBrokerList", consumer_group="%Group%")
def fails(event: func.KafkaEvent) -> None:
    failing = os.path.exists(os.path.join(RECORDS, "fail"))
    record("fails", id=value(event), failed=failing)
    if failing:
        time.sleep(0.2)
        raise RuntimeError("failing on purpose")
"""
)


@needs_kafka
def test_failed_event_is_not_committed_and_is_redelivered_after_restart(
    kafka: str, tmp_path: Path, unique_name: str
) -> None:
    records = records_dir(tmp_path)
    (records / "fail").touch()
    run(_create_topics(kafka, {unique_name: 1}))
    env = {"Topic": unique_name, "Group": unique_name, "KafkaBrokerList": kafka, "RECORD_DIR": str(records)}
    write_app(tmp_path / "app", FAILING_APP, host_json=host_json(maxRetries=-1), settings={})
    run(_produce(kafka, unique_name, ["x"]))
    with HostProcess(tmp_path / "app", env=env) as host:
        host.wait_ready(60)
        wait_until(lambda: len(lines(records / "fails.jsonl")) >= 3, "redeliveries in the same run", host=host)
        assert host.terminate() == 0
    assert committed(kafka, unique_name, unique_name) == {0: None}
    (records / "fail").unlink()
    with HostProcess(tmp_path / "app", env=env) as host:
        host.wait_ready(60)
        wait_until(lambda: not lines(records / "fails.jsonl")[-1]["failed"], "success after restart", host=host)
        wait_until(lambda: committed(kafka, unique_name, unique_name) == {0: 1}, "the commit", host=host)
        assert host.terminate() == 0
    assert all(r["id"] == "x" for r in lines(records / "fails.jsonl"))


SLOW_APP = (
    RECORDER
    + """

@app.kafka_trigger(arg_name="event", topic="%Topic%", broker_list="KafkaBrokerList", consumer_group="%Group%")
def slow(event: func.KafkaEvent) -> None:
    if value(event) == "hold":
        while not os.path.exists(os.path.join(RECORDS, "release")):
            time.sleep(0.02)
    time.sleep(float(os.environ.get("SLEEP", "0.04")))
    record("slow", id=value(event), pid=os.getpid())
"""
)


@needs_kafka
def test_sigterm_drains_the_in_flight_invocation_and_commits_it(kafka: str, tmp_path: Path, unique_name: str) -> None:
    records = records_dir(tmp_path)
    run(_create_topics(kafka, {unique_name: 1}))
    env = {"Topic": unique_name, "Group": unique_name, "KafkaBrokerList": kafka, "RECORD_DIR": str(records)}
    write_app(tmp_path / "app", SLOW_APP, host_json=host_json(), settings={})
    run(_produce(kafka, unique_name, ["hold", "after"]))
    with HostProcess(tmp_path / "app", env=env) as host:
        host.wait_ready(60)
        gauge = 'funchost_invocations_in_flight{function="slow"} 1.0'
        wait_until(lambda: gauge in httpx.get(f"{host.base_url}/metrics", timeout=5).text, "in flight", host=host)
        host.proc.send_signal(signal.SIGTERM)
        wait_until(lambda: "Stop requested" in host.output(), "the stop to begin", host=host)
        (records / "release").touch()
        assert host.wait_exit() == 0
        assert "stopped" in host.output()
    assert [r["id"] for r in lines(records / "slow.jsonl")] == ["hold"], "no new event is taken while stopping"
    assert committed(kafka, unique_name, unique_name) == {0: 1}


@needs_kafka
def test_kill_9_mid_stream_then_restart_processes_every_event(kafka: str, tmp_path: Path, unique_name: str) -> None:
    records = records_dir(tmp_path, released=True)
    run(_create_topics(kafka, {unique_name: 3}))
    ids = [f"k{i}" for i in range(150)]
    run(_produce(kafka, unique_name, ids))
    env = {"Topic": unique_name, "Group": unique_name, "KafkaBrokerList": kafka, "RECORD_DIR": str(records)}
    write_app(tmp_path / "app", SLOW_APP, host_json=host_json(), settings={})
    with HostProcess(tmp_path / "app", env=env) as host:
        host.wait_ready(60)
        wait_until(lambda: len(lines(records / "slow.jsonl")) >= 30, "30 events before the kill", host=host)
        host.proc.send_signal(signal.SIGKILL)
        host.wait_exit()
    before = len(lines(records / "slow.jsonl"))
    assert before < len(ids), "the kill must interrupt the stream"
    with HostProcess(tmp_path / "app", env=env) as host:
        host.wait_ready(60)
        wait_until(lambda: {r["id"] for r in lines(records / "slow.jsonl")} == set(ids), "every event", host=host)
        assert host.terminate() == 0


@needs_kafka
def test_a_broker_restart_mid_stream_is_survived_and_the_events_after_it_are_all_processed(
    tmp_path: Path, unique_name: str
) -> None:
    """A private tansu on a free port (the shared broker is never touched) is restarted under a running host.
    tansu 0.6 keeps its log in memory here (its persistent engines are Postgres and S3, neither set up on this
    machine), so the restarted broker is empty: topics, records and committed offsets die with it. What the host
    must show: it keeps running, reconnects on its own, and although its position is past the new log's end (tansu
    answers that with empty fetches, not OFFSET_OUT_OF_RANGE) it resets to the earliest offset (autoOffsetReset
    Earliest, funchost/triggers/kafka/log_end.py) and processes every event produced after the restart."""
    records = records_dir(tmp_path, released=True)
    with PrivateTansu() as broker:
        run(_create_topics(broker.bootstrap, {unique_name: 1}))
        before = [f"b{i}" for i in range(100)]
        run(_produce(broker.bootstrap, unique_name, before))
        env = {"Topic": unique_name, "Group": unique_name, "KafkaBrokerList": broker.bootstrap}
        env |= {"RECORD_DIR": str(records), "SLEEP": "0.1"}
        write_app(tmp_path / "app", SLOW_APP, host_json=host_json(), settings={})
        with HostProcess(tmp_path / "app", env=env) as host:
            host.wait_ready(60)
            wait_until(lambda: len(lines(records / "slow.jsonl")) >= 10, "events before the restart", host=host)
            assert len(lines(records / "slow.jsonl")) < len(before), "the restart must interrupt the stream"
            broker.restart()
            run(_create_topics(broker.bootstrap, {unique_name: 1}))
            after = [f"a{i}" for i in range(5)]  # fewer than the host had consumed: its old offset is out of range
            run(_produce(broker.bootstrap, unique_name, after))
            done = lambda: set(after) <= {r["id"] for r in lines(records / "slow.jsonl")}  # noqa: E731
            wait_until(done, "every event produced after the restart", timeout=40, host=host)
            host.wait_ready(60)
            assert host.proc.poll() is None
            assert host.terminate() == 0


async def _commit(bootstrap: str, group: str, topic: str, offset: int) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        await consumer.commit({tp: offset})
    finally:
        await consumer.stop()


@needs_kafka
@pytest.mark.parametrize("policy", ["Earliest", "Latest"])
def test_a_committed_offset_past_the_end_of_the_log_is_reset_by_auto_offset_reset(
    kafka: str, tmp_path: Path, unique_name: str, policy: str
) -> None:
    """The group's committed offset (61) is past the log's end (5 records), as after a topic is deleted and
    created again. Kafka answers such a fetch with OFFSET_OUT_OF_RANGE; tansu (the shared broker here) answers
    with an empty batch, and a plain aiokafka consumer waits there forever. The host applies autoOffsetReset:
    Earliest processes the 5 records; Latest skips them and processes what is produced next."""
    records = records_dir(tmp_path, released=True)
    run(_create_topics(kafka, {unique_name: 1}))
    old = [f"o{i}" for i in range(5)]
    run(_produce(kafka, unique_name, old))
    run(_commit(kafka, unique_name, unique_name, 61))
    env = {"Topic": unique_name, "Group": unique_name, "KafkaBrokerList": kafka, "RECORD_DIR": str(records)}
    write_app(tmp_path / "app", SLOW_APP, host_json=host_json(autoOffsetReset=policy), settings={})
    with HostProcess(tmp_path / "app", env=env) as host:
        host.wait_ready(60)
        wait_until(lambda: "is past the end of its log (5)" in host.output(), "the reset", host=host)
        run(_produce(kafka, unique_name, ["new"]))
        wait_until(lambda: "new" in {r["id"] for r in lines(records / "slow.jsonl")}, "the new event", host=host)
        assert host.terminate() == 0
    seen = [r["id"] for r in lines(records / "slow.jsonl")]
    assert seen == ([*old, "new"] if policy == "Earliest" else ["new"])
    assert committed(kafka, unique_name, unique_name) == {0: 6}


@needs_kafka
def test_rebalance_finishes_and_commits_in_flight_work_before_handing_partitions_over(
    kafka: str, tmp_path: Path, unique_name: str
) -> None:
    records = records_dir(tmp_path)
    run(_create_topics(kafka, {unique_name: 4}))
    ids = ["hold"] + [f"r{i}" for i in range(120)]  # ~3 s of work per partition: longer than the rebalance
    run(_produce(kafka, unique_name, ids[:1], partition=0))
    for partition in range(4):
        run(_produce(kafka, unique_name, ids[1 + partition :: 4], partition=partition))
    env = {"Topic": unique_name, "Group": unique_name, "KafkaBrokerList": kafka, "RECORD_DIR": str(records)}
    env["SLEEP"] = "0.1"
    write_app(tmp_path / "app", SLOW_APP, host_json=host_json(), settings={})
    with HostProcess(tmp_path / "app", env=env) as first:
        first.wait_ready(60)
        wait_until(lambda: len(lines(records / "slow.jsonl")) >= 3, "the first host to work", host=first)
        with HostProcess(tmp_path / "app", env=env) as second:
            wait_until(lambda: re.search(r"revoked partitions \[\S", first.output()), "the revocation", host=first)
            (records / "release").touch()  # the revocation waits for this in-flight invocation
            second.wait_ready(60)
            wait_until(lambda: {r["id"] for r in lines(records / "slow.jsonl")} == set(ids), "every event", host=second)
            assert second.terminate() == 0
        assert first.terminate() == 0
    done = lines(records / "slow.jsonl")
    assert Counter(r["id"] for r in done).most_common(1)[0][1] == 1, "handed over after the commit: no duplicates"
    assert len({r["pid"] for r in done}) == 2, "both hosts processed events"


@needs_kafka
def test_unreachable_brokers_are_named_and_retried_until_they_answer(tmp_path: Path, unique_name: str) -> None:
    records = records_dir(tmp_path, released=True)
    port = free_port()
    env = {"Topic": unique_name, "Group": unique_name, "RECORD_DIR": str(records)}
    env["KafkaBrokerList"] = f"127.0.0.1:{port}"
    write_app(tmp_path / "app", SLOW_APP, host_json=host_json(), settings={})
    with HostProcess(tmp_path / "app", env=env) as host:
        message = f"cannot reach the brokers 127.0.0.1:{port} (brokerList app setting 'KafkaBrokerList')"
        wait_until(lambda: message in host.output(), "the connection error", host=host)
        assert httpx.get(f"{host.base_url}/readyz", timeout=5).status_code == 503
        with PrivateTansu(port):
            host.wait_ready(60)
            run(_produce(f"127.0.0.1:{port}", unique_name, ["late"]))
            wait_until(lambda: lines(records / "slow.jsonl"), "the event once the broker is up", host=host)
            assert host.terminate() == 0


def test_auto_commit_interval_comes_from_host_json() -> None:
    """Stored offsets are committed at most every autoCommitIntervalMs (KafkaOptions.cs default 200)."""
    assert KafkaOptions.from_section({}).auto_commit_interval_ms == 200
    assert KafkaOptions.from_section({"AutoCommitIntervalMs": 50}).auto_commit_interval_ms == 50
    with pytest.raises(ConfigurationError, match="autoCommitIntervalMs"):
        KafkaOptions.from_section({"autoCommitIntervalMs": 0})
