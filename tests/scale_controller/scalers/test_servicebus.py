"""Service Bus scaler: no Service Bus server can be installed here, so the official administration client talks to
the Service Bus stand-in (tests/support/servicebus_standin — a protocol-level stand-in, not Service Bus) over
self-signed HTTPS, never a patched client. Its counts are real: messages are sent, settled and dead-lettered through
the azure-servicebus SDK first. What is tested is which count the scaler reads (ActiveMessageCount, as KEDA), for
which entity, and how failures are reported."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from azure.servicebus import ServiceBusClient, ServiceBusMessage

from funchost.errors import ConfigurationError
from funchost.metadata.broker_settings import ServiceBusSettings
from scale_controller.scalers.base import ScalerError
from scale_controller.scalers.servicebus import ServiceBusScaler
from tests.support.hostproc import free_port
from tests.support.servicebus_standin import StandIn

CONFIG = {
    "queues": {"orders": {}, "locked": {}},
    "topics": {"events": {"subscriptions": {"audit": {}}}},
    "policies": {"RootManageSharedAccessKey": {"key": "root-key"},
                 "SendListen": {"key": "no-manage", "rights": ["Send", "Listen"]}},
}


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandIn]:
    with StandIn(CONFIG, tls_dir=tmp_path_factory.mktemp("tls")) as one:
        yield one


def send(standin: StandIn, entity: str, count: int, *, dead_letter: int = 0, topic: bool = False) -> None:
    with ServiceBusClient.from_connection_string(standin.connection_string()) as client:
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


def scaler(standin: StandIn, activation: float = 0, policy: str = "RootManageSharedAccessKey",
           **entity: str) -> ServiceBusScaler:
    settings = ServiceBusSettings(
        connection_setting="ServiceBusConnection",
        connection_string=standin.connection_string(policy),
        fully_qualified_namespace=None,
        **entity,
    )
    options = {"connection_verify": str(standin.certificate)}  # trust the stand-in's self-signed certificate
    return ServiceBusScaler(settings=settings, target=16, activation=activation, function="f", client_options=options)


async def measure(one: ServiceBusScaler) -> tuple[float, bool]:
    try:
        measurement = await one.measure()
    finally:
        await one.aclose()
    assert measurement.target == 16
    return measurement.value, measurement.active


async def test_queue_active_message_count(standin: StandIn) -> None:
    send(standin, "orders", 7, dead_letter=2)
    assert await measure(scaler(standin, queue_name="orders")) == (5, True)  # not the dead-lettered ones
    assert await measure(scaler(standin, activation=5, queue_name="orders")) == (5, False)
    assert standin.broker.admin.requests[-1] == "orders"


async def test_subscription_active_message_count(standin: StandIn) -> None:
    send(standin, "events", 3, topic=True)
    one = scaler(standin, topic_name="events", subscription_name="audit")
    assert one.name == "azure-servicebus:events/subscriptions/audit"
    assert await measure(one) == (3, True)


async def test_missing_entity_and_denied_access(standin: StandIn) -> None:
    with pytest.raises(ScalerError, match="queue 'nope': it does not exist"):
        await measure(scaler(standin, queue_name="nope"))
    with pytest.raises(ScalerError, match="Manage rights"):
        await measure(scaler(standin, policy="SendListen", queue_name="locked"))


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

