"""Scaling on a Service Bus queue's active message count, 0 → N → 0: the scale loop with the real
ServiceBusScaler (the official administration client over HTTPS) against the Service Bus stand-in
(tests/support/servicebus_standin — a protocol-level stand-in, not Service Bus) or the real namespace of
FUNCHOST_TEST_SERVICEBUS_CONNECTION_STRING. Messages are really sent and received with the SDK; the target is the
in-memory one of test_loop.py, so what is tested is the measurement driving KEDA's decisions (activation,
ceil(active / target), cooldown to 0). The same path through `funchost up` with real workers is
test_up_servicebus.py."""

from __future__ import annotations

from azure.servicebus import ServiceBusClient, ServiceBusMessage

from funchost.metadata.broker_settings import ServiceBusSettings
from scale_controller.loop import ScaleLoop, TriggerSource
from scale_controller.policy import Policy
from scale_controller.scalers.servicebus import ServiceBusScaler
from tests.scale_controller.test_loop import MemoryTarget
from tests.support.servicebus_standin.target import ServiceBusUnderTest

TARGET = 16  # extensions.serviceBus.maxConcurrentCalls of one CPU: the per-instance target


def send(connection_string: str, queue: str, count: int) -> None:
    with ServiceBusClient.from_connection_string(connection_string) as client, client.get_queue_sender(queue) as out:
        out.send_messages([ServiceBusMessage(f"m{n}") for n in range(count)])


def drain(connection_string: str, queue: str, count: int) -> None:
    with ServiceBusClient.from_connection_string(connection_string) as client, client.get_queue_receiver(queue) as rx:
        done = 0
        while done < count:
            batch = rx.receive_messages(max_message_count=count - done, max_wait_time=5)
            assert batch, f"{done} of {count} messages received"
            for message in batch:
                rx.complete_message(message)
            done += len(batch)


async def test_zero_to_n_and_back_to_zero_on_the_active_count(servicebus: ServiceBusUnderTest) -> None:
    queue = servicebus.queue()
    settings = ServiceBusSettings("ServiceBusConnection", servicebus.connection_string, None, queue_name=queue)

    def scaler() -> ServiceBusScaler:
        return ServiceBusScaler(
            settings=settings, target=TARGET, function="orders", client_options=servicebus.admin_options
        )

    now = [1_000_000.0]
    target = MemoryTarget()
    loop = ScaleLoop(
        [TriggerSource("orders", "serviceBusTrigger", scaler)],
        target,
        Policy(max_replicas=10, cooldown_period=30),
        clock=lambda: now[0],
    )
    try:
        idle = await loop.tick()
        assert idle is not None and target.replicas == 0  # an empty queue does not activate
        send(servicebus.connection_string, queue, 60)
        activated = await loop.tick()
        assert activated is not None and activated.reason == "0 → 1: activated by orders"
        now[0] += 15
        scaled = await loop.tick()
        assert scaled is not None and target.replicas == 4, scaled  # ceil(60 active / 16), within the +4 scale-up step
        drain(servicebus.connection_string, queue, 60)
        now[0] += 15
        await loop.tick()
        assert target.replicas > 0  # inactive, but within the cooldown period
        now[0] += 31
        await loop.tick()
        assert target.replicas == 0 and target.calls[0] == 1 and target.calls[-1] == 0, target.calls
    finally:
        await loop.aclose()
