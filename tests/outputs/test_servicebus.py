"""The `serviceBus` output binding against the Service Bus stand-in (tests/support/servicebus_standin — a
protocol-level stand-in reached over AMQP by the real azure-servicebus SDK, not Service Bus), or the real namespace
named by FUNCHOST_TEST_SERVICEBUS_CONNECTION_STRING: what each value becomes on the wire (read back with the SDK),
queues and topics, batches split when full, message properties, one shared sender, and clear errors."""

from __future__ import annotations

import asyncio
import gc
import json
import warnings
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from azure.servicebus import ServiceBusClient, ServiceBusReceivedMessage
from azure.servicebus.management import ServiceBusAdministrationClient

from funchost.errors import ConfigurationError, InvocationError
from funchost.metadata.broker_settings import ServiceBusSettings, parse_service_bus
from funchost.metadata.host_config import HostConfig, load_host_config
from funchost.metadata.spec import BindingSpec
from funchost.outputs import sender_class
from funchost.outputs.servicebus import ServiceBusOutput, ServiceBusSendError
from tests.outputs.hosted import failed_output_lines
from tests.support.apps import write_app
from tests.support.hostproc import HostProcess
from tests.support.servicebus_standin import StandIn
from tests.support.servicebus_standin.target import ServiceBusUnderTest

POLICIES = {"RootManageSharedAccessKey": {"key": "root-key"}, "ListenOnly": {"key": "listen", "rights": ["Listen"]}}


def settings(connection_string: str, **entity: str) -> ServiceBusSettings:
    raw = {"name": "msg", "type": "serviceBus", "direction": "out", "connection": "ServiceBusConnection", **entity}
    return parse_service_bus(BindingSpec.from_dict(raw), "fn", {"ServiceBusConnection": connection_string})


@pytest.fixture
def host_config(tmp_path: Path) -> HostConfig:
    return load_host_config(tmp_path, {})


@pytest.fixture(scope="module")
def restricted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandIn]:
    """A stand-in of its own with a Listen-only policy (a real namespace's policies are not ours)."""
    with StandIn({"queues": {"orders": {}}, "policies": POLICIES}, tls_dir=tmp_path_factory.mktemp("tls")) as one:
        yield one


def received(
    connection_string: str, count: int, queue: str = "", topic: str = "", subscription: str = ""
) -> list[ServiceBusReceivedMessage]:
    got: list[ServiceBusReceivedMessage] = []
    with ServiceBusClient.from_connection_string(connection_string) as client:
        receiver = client.get_subscription_receiver(topic, subscription) if topic else client.get_queue_receiver(queue)
        with receiver:
            while len(got) < count:
                batch = receiver.receive_messages(max_message_count=count - len(got), max_wait_time=5)
                if not batch:
                    break
                for message in batch:
                    receiver.complete_message(message)
                got += batch
            got += receiver.receive_messages(max_message_count=10, max_wait_time=1)  # nothing more
    return got


async def send(output: ServiceBusOutput, *values: Any) -> None:
    try:
        for value in values:
            await output.send(value)
    finally:
        await output.aclose()


def body(message: ServiceBusReceivedMessage) -> bytes:
    return b"".join(message.body)


def test_the_registry_row_resolves_to_this_sender() -> None:
    assert sender_class("serviceBus", "fn") is ServiceBusOutput
    assert sender_class("servicebus", "fn") is ServiceBusOutput


async def test_each_value_type_becomes_messages(servicebus: ServiceBusUnderTest, host_config: HostConfig) -> None:
    queue = servicebus.queue()
    output = ServiceBusOutput(settings(servicebus.connection_string, queueName=queue), host_config)
    await send(output, "text", b"\x00raw", {"order": 1}, 7, '["a", {"b": 2}]', ["x", b"y", {"z": 3}])
    got = received(servicebus.connection_string, 9, queue=queue)
    assert [body(m) for m in got] == [
        b"text",
        b"\x00raw",
        b'{"order": 1}',
        b"7",
        b"a",
        b'{"b": 2}',
        b"x",
        b"y",
        b'{"z": 3}',
    ]
    assert [m.content_type for m in got] == [
        None,
        None,
        "application/json",
        "application/json",
        None,
        "application/json",
        None,
        None,
        "application/json",
    ]


async def test_a_message_dict_sets_its_properties(servicebus: ServiceBusUnderTest, host_config: HostConfig) -> None:
    queue = servicebus.queue()
    output = ServiceBusOutput(settings(servicebus.connection_string, queueName=queue), host_config)
    await send(
        output,
        {
            "body": {"id": 42},
            "messageId": "order-42",
            "correlationId": "c-1",
            "Subject": "created",
            "to": "shipping",
            "replyTo": "replies",
            "timeToLive": "01:00:00",
            "applicationProperties": {"tenant": "t1", "priority": 3},
        },
        [{"body": "plain", "label": "old-name", "contentType": "text/plain"}],
    )
    first, second = received(servicebus.connection_string, 2, queue=queue)
    assert json.loads(body(first)) == {"id": 42} and first.content_type == "application/json"
    assert (first.message_id, first.correlation_id, first.subject, first.to, first.reply_to) == (
        "order-42",
        "c-1",
        "created",
        "shipping",
        "replies",
    )
    assert first.time_to_live == timedelta(hours=1)
    assert first.application_properties == {b"tenant": b"t1", b"priority": 3}  # the SDK reads strings as bytes
    assert (body(second), second.subject, second.content_type) == (b"plain", "old-name", "text/plain")


async def test_a_dict_with_other_keys_is_json(servicebus: ServiceBusUnderTest, host_config: HostConfig) -> None:
    queue = servicebus.queue()
    output = ServiceBusOutput(settings(servicebus.connection_string, queueName=queue), host_config)
    await send(output, {"body": "b", "customer": "c"})
    (message,) = received(servicebus.connection_string, 1, queue=queue)
    assert json.loads(body(message)) == {"body": "b", "customer": "c"}


async def test_a_session_id_reaches_a_session_queue(servicebus: ServiceBusUnderTest, host_config: HostConfig) -> None:
    queue = servicebus.queue(requires_session=True)
    output = ServiceBusOutput(settings(servicebus.connection_string, queueName=queue), host_config)
    session = "s-" + queue[-8:]
    await send(output, [{"body": "one", "sessionId": session}, {"body": "two", "sessionId": session}])
    with ServiceBusClient.from_connection_string(servicebus.connection_string) as client:
        with client.get_queue_receiver(queue, session_id=session) as receiver:
            got = receiver.receive_messages(max_message_count=2, max_wait_time=5)
            for message in got:
                receiver.complete_message(message)
    assert [(body(m), m.session_id) for m in got] == [(b"one", session), (b"two", session)]


async def test_a_topic_output_reaches_every_subscription(
    servicebus: ServiceBusUnderTest, host_config: HostConfig
) -> None:
    topic, (audit, mail) = servicebus.topic({"audit": {}, "mail": {}})
    output = ServiceBusOutput(settings(servicebus.connection_string, topicName=topic), host_config)
    await send(output, "event")
    for subscription in (audit, mail):
        (message,) = received(servicebus.connection_string, 1, topic=topic, subscription=subscription)
        assert body(message) == b"event"


async def test_a_list_larger_than_a_batch_is_split(servicebus: ServiceBusUnderTest, host_config: HostConfig) -> None:
    queue = servicebus.queue()
    output = ServiceBusOutput(settings(servicebus.connection_string, queueName=queue), host_config)
    items = [f"{n:04d}" + "x" * 20_000 for n in range(40)]  # ~800 KB: more than one 256 KB batch
    await send(output, items)
    got = received(servicebus.connection_string, len(items), queue=queue)
    assert [body(m).decode()[:4] for m in got] == [f"{n:04d}" for n in range(40)]


async def test_one_sender_is_shared_and_reconnects(servicebus: ServiceBusUnderTest, host_config: HostConfig) -> None:
    queue = servicebus.queue()
    first = ServiceBusOutput(settings(servicebus.connection_string, queueName=queue), host_config)
    second = ServiceBusOutput(settings(servicebus.connection_string, queueName=queue), host_config)
    try:
        await first.send("1")
        await second.send("2")
        assert first._shared is second._shared
        if servicebus.standin is not None:
            assert servicebus.standin.drop_connections() >= 1
            await first.send("3")  # the SDK reconnects the shared sender
    finally:
        await first.aclose()
        await second.aclose()
    # The SDK leaves the sockets of the cut connections to the garbage collector: collect them here, so their
    # ResourceWarnings (the SDK's, not funchost's) do not surface in whichever test runs next.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    expected = 3 if servicebus.standin is not None else 2
    assert (
        sorted(body(m) for m in received(servicebus.connection_string, expected, queue=queue))
        == [b"1", b"2", b"3"][:expected]
    )


async def test_unsendable_values_fail_clearly(servicebus: ServiceBusUnderTest, host_config: HostConfig) -> None:
    queue = servicebus.queue()
    output = ServiceBusOutput(settings(servicebus.connection_string, queueName=queue), host_config)
    with pytest.raises(TypeError, match="type object is not JSON-serializable.*Fix: set a str"):
        await send(output, object())
    output = ServiceBusOutput(settings(servicebus.connection_string, queueName=queue), host_config)
    with pytest.raises(InvocationError, match="property 'timeToLive' = 'soon' is invalid"):
        await send(output, {"body": "x", "timeToLive": "soon"})
    output = ServiceBusOutput(settings(servicebus.connection_string, queueName=queue), host_config)
    with pytest.raises(ServiceBusSendError, match="message 1 of the list is larger than a batch"):
        await send(output, ["small", "x" * 300_000])
    assert [body(m) for m in received(servicebus.connection_string, 1, queue=queue)] == [b"small"]


async def test_a_missing_entity_fails_clearly(servicebus: ServiceBusUnderTest, host_config: HostConfig) -> None:
    output = ServiceBusOutput(settings(servicebus.connection_string, queueName="no-such-queue"), host_config)
    with pytest.raises(ServiceBusSendError, match="queue 'no-such-queue'.*does not exist. Fix: create it"):
        await send(output, "x")


async def test_missing_rights_and_wrong_keys_fail_clearly(restricted: StandIn, host_config: HostConfig) -> None:
    output = ServiceBusOutput(settings(restricted.connection_string("ListenOnly"), queueName="orders"), host_config)
    with pytest.raises(
        ServiceBusSendError, match="lacks the Send right. Fix: use a policy with Send rights in 'ServiceBusConnection'"
    ):
        await send(output, "x")
    wrong = restricted.connection_string("RootManageSharedAccessKey", key="d3Jvbmc=")
    output = ServiceBusOutput(settings(wrong, queueName="orders"), host_config)
    with pytest.raises(ServiceBusSendError, match="refused the key. Fix: check SharedAccessKeyName"):
        await send(output, "x")


def test_bad_settings_are_refused_before_anything_runs(host_config: HostConfig) -> None:
    identity = ServiceBusSettings("Bus", None, "ns.servicebus.windows.net", queue_name="q")
    with pytest.raises(ConfigurationError, match="'Bus__fullyQualifiedNamespace' asks for an identity-based"):
        ServiceBusOutput(identity, host_config)
    malformed = ServiceBusSettings("Bus", "sb://no-keys", None, queue_name="q")
    with pytest.raises(ConfigurationError, match="app setting 'Bus' is not a valid Service Bus connection string"):
        ServiceBusOutput(malformed, host_config)
    nowhere = ServiceBusSettings("Bus", "Endpoint=sb://x/;SharedAccessKeyName=a;SharedAccessKey=b", None)
    with pytest.raises(ConfigurationError, match="names neither queueName nor topicName"):
        ServiceBusOutput(nowhere, host_config)


HOSTED_APP = """
import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

@app.route(route="order")
@app.service_bus_queue_output(arg_name="msg", connection="Bus", queue_name="%OrdersQueue%")
def order(req: func.HttpRequest, msg: func.Out[str]) -> func.HttpResponse:
    msg.set("one order")
    return func.HttpResponse("sent")
"""


def test_through_funchost_start_a_send_failure_fails_the_invocation_once(
    servicebus: ServiceBusUnderTest, tmp_path: Path
) -> None:
    """A real `funchost start`: the HTTP function answers 500 and one line names function, binding and fix."""
    root = write_app(
        tmp_path / "app", HOSTED_APP, settings={"Bus": servicebus.connection_string, "OrdersQueue": "missing-orders"}
    )
    status, failures, output = failed_output_lines(root, "order", "'msg' (serviceBus)")
    assert status == 500
    assert len(failures) == 1, output
    assert "Function 'order'" in failures[0] and "'missing-orders' does not exist. Fix: create it" in failures[0]


def test_through_funchost_start_an_identity_based_connection_is_refused_naming_the_binding(tmp_path: Path) -> None:
    settings = {"Bus__fullyQualifiedNamespace": "ns.servicebus.windows.net", "OrdersQueue": "orders"}
    root = write_app(tmp_path / "app", HOSTED_APP, settings=settings)
    with HostProcess(root) as host:
        assert host.wait_exit() != 0
        output = host.output()
    where = "Function 'order', output binding 'msg': Service Bus connection 'Bus'"
    assert f"{where}: app setting 'Bus__fullyQualifiedNamespace'" in output


async def test_a_scheduled_enqueue_time_schedules_the_message(
    servicebus: ServiceBusUnderTest, host_config: HostConfig
) -> None:
    if servicebus.standin is None:
        pytest.skip("a message scheduled for 2099 would stay in the real namespace's shared queue")
    queue = servicebus.queue()
    output = ServiceBusOutput(settings(servicebus.connection_string, queueName=queue), host_config)
    await send(output, {"body": "later", "scheduledEnqueueTime": "2099-01-01T00:00:00Z"})
    with ServiceBusAdministrationClient.from_connection_string(
        servicebus.connection_string, **servicebus.admin_options
    ) as admin:
        counts = admin.get_queue_runtime_properties(queue)
    assert (counts.scheduled_message_count, counts.active_message_count) == (1, 0)


async def test_concurrent_sends_share_the_sender(servicebus: ServiceBusUnderTest, host_config: HostConfig) -> None:
    queue = servicebus.queue()
    outputs = [ServiceBusOutput(settings(servicebus.connection_string, queueName=queue), host_config) for _ in range(4)]
    try:
        await asyncio.gather(
            *(outputs[n % 4].send(f"m{n}") for n in range(60)),
            *(outputs[n % 4].send([f"b{n}-1", f"b{n}-2"]) for n in range(10)),
        )
    finally:
        await asyncio.gather(*(output.aclose() for output in outputs))
    got = sorted(body(m).decode() for m in received(servicebus.connection_string, 80, queue=queue))
    assert got == sorted([f"m{n}" for n in range(60)] + [f"b{n}-{k}" for n in range(10) for k in (1, 2)])
