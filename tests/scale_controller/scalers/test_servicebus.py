"""Service Bus scaler: no Service Bus server can be installed here, so the official administration client talks to
the Service Bus stand-in (tests/support/servicebus_standin — a protocol-level stand-in, not Service Bus) over
self-signed HTTPS, never a patched client — or to the real namespace named by
FUNCHOST_TEST_SERVICEBUS_CONNECTION_STRING (docs/servicebus-standin.md). Its counts are real: messages are sent,
settled and dead-lettered through the azure-servicebus SDK first. What is tested is which count the scaler reads
(ActiveMessageCount, as KEDA), for which entity, and how failures are reported."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from azure.servicebus import ServiceBusClient, ServiceBusMessage

from funchost.errors import ConfigurationError
from funchost.metadata.broker_settings import ServiceBusSettings
from scale_controller.scalers.base import ScalerError
from scale_controller.scalers.servicebus import ServiceBusScaler
from tests.support.hostproc import free_port
from tests.support.servicebus_standin import StandIn
from tests.support.servicebus_standin.target import ServiceBusUnderTest

POLICIES = {
    "RootManageSharedAccessKey": {"key": "root-key"},
    "SendListen": {"key": "no-manage", "rights": ["Send", "Listen"]},
    "ListenOnly": {"key": "listen", "rights": ["Listen"]},
}


@pytest.fixture(scope="module")
def restricted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandIn]:
    """A stand-in of its own, with a policy lacking Manage rights (a real namespace's policies are not ours)."""
    with StandIn({"queues": {"locked": {}}, "policies": POLICIES}, tls_dir=tmp_path_factory.mktemp("tls")) as one:
        yield one


def send(
    servicebus: ServiceBusUnderTest, entity: str, count: int, *, dead_letter: int = 0, topic: bool = False
) -> None:
    with ServiceBusClient.from_connection_string(servicebus.connection_string) as client:
        sender = client.get_topic_sender(entity) if topic else client.get_queue_sender(entity)
        with sender:
            sender.send_messages([ServiceBusMessage(f"m{n}") for n in range(count)])
        if dead_letter:
            with client.get_queue_receiver(entity) as receiver:
                got: list = []
                while len(got) < dead_letter:
                    got += receiver.receive_messages(max_message_count=dead_letter - len(got), max_wait_time=5)
                for message in got:
                    receiver.dead_letter_message(message, reason="test")


def scaler(connection_string: str, options: dict[str, Any], activation: float = 0, **entity: str) -> ServiceBusScaler:
    settings = ServiceBusSettings(
        connection_setting="ServiceBusConnection",
        connection_string=connection_string,
        fully_qualified_namespace=None,
        **entity,
    )
    return ServiceBusScaler(settings=settings, target=16, activation=activation, function="f", client_options=options)


def of(servicebus: ServiceBusUnderTest, activation: float = 0, **entity: str) -> ServiceBusScaler:
    # admin_options trusts the stand-in's self-signed certificate (empty for a real namespace)
    return scaler(servicebus.connection_string, servicebus.admin_options, activation, **entity)


async def measure(one: ServiceBusScaler) -> tuple[float, bool]:
    try:
        measurement = await one.measure()
    finally:
        await one.aclose()
    assert measurement.target == 16
    return measurement.value, measurement.active


async def test_queue_active_message_count(servicebus: ServiceBusUnderTest) -> None:
    queue = servicebus.queue()
    send(servicebus, queue, 7, dead_letter=2)
    assert await measure(of(servicebus, queue_name=queue)) == (5, True)  # not the dead-lettered ones
    assert await measure(of(servicebus, activation=5, queue_name=queue)) == (5, False)
    if servicebus.standin is not None:
        assert servicebus.standin.broker.admin.requests[-1] == queue


async def test_subscription_active_message_count(servicebus: ServiceBusUnderTest) -> None:
    topic, (audit,) = servicebus.topic({"audit": {}})
    send(servicebus, topic, 3, topic=True)
    one = of(servicebus, topic_name=topic, subscription_name=audit)
    assert one.name == f"azure-servicebus:{topic}/subscriptions/{audit}"
    assert await measure(one) == (3, True)


async def test_missing_entity_and_denied_access(servicebus: ServiceBusUnderTest, restricted: StandIn) -> None:
    with pytest.raises(ScalerError, match="queue 'nope': it does not exist"):
        await measure(of(servicebus, queue_name="nope"))
    options = {"connection_verify": str(restricted.certificate)}
    with pytest.raises(
        ScalerError,
        match="lacks the Manage right.*What degrades: this function cannot be measured"
        ".*its trigger still runs with Listen. Fix: set 'ServiceBusConnection'",
    ):
        await measure(scaler(restricted.connection_string("SendListen"), options, queue_name="locked"))
    with pytest.raises(ScalerError, match="lacks the Manage right"):
        await measure(scaler(restricted.connection_string("ListenOnly"), options, queue_name="locked"))
    with pytest.raises(ScalerError, match="refused the key. Fix: check SharedAccessKeyName"):
        await measure(
            scaler(
                restricted.connection_string("RootManageSharedAccessKey", key="d3Jvbmc="), options, queue_name="locked"
            )
        )


async def test_unreachable_namespace() -> None:
    settings = ServiceBusSettings(
        "ServiceBusConnection",
        f"Endpoint=sb://127.0.0.1:{free_port()}/;SharedAccessKeyName=Root;SharedAccessKey=c2VjcmV0",
        None,
        queue_name="q",
    )
    with pytest.raises(ScalerError, match="queue 'q'.*ServiceBusConnection"):
        await measure(ServiceBusScaler(settings=settings, target=16))


def test_identity_based_connections_are_refused_clearly() -> None:
    settings = ServiceBusSettings("Bus", None, "ns.servicebus.windows.net", queue_name="q")
    with pytest.raises(ConfigurationError, match="identity-based Service Bus connection 'Bus'"):
        ServiceBusScaler(settings=settings, target=16, function="f")
