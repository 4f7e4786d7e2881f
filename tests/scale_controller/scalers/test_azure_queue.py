"""Azure Storage Queue scaler against Azurite: the metric equals the real queue length, with KEDA's two
queueLengthStrategy rules ("all" counts leased, invisible messages; "visibleonly" peeks up to 32)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from azure.storage.queue.aio import QueueClient

from funchost.errors import ConfigurationError
from funchost.metadata.connections import StorageConnection
from scale_controller.scalers.azure_queue import AzureQueueScaler
from scale_controller.scalers.base import ScalerError

pytestmark = pytest.mark.azurite


@pytest.fixture
async def queue(azurite: str, unique_name: str) -> AsyncIterator[QueueClient]:
    client = QueueClient.from_connection_string(azurite, unique_name)
    await client.create_queue()
    yield client
    await client.delete_queue()
    await client.close()


def scaler(azurite: str, name: str, strategy: str = "all", activation: float = 0) -> AzureQueueScaler:
    connection = StorageConnection(setting_name="AzureWebJobsStorage", connection_string=azurite)
    return AzureQueueScaler(queue_name=name, connection=connection, target=16, activation=activation, strategy=strategy)


async def measure(azurite: str, name: str, strategy: str = "all", activation: float = 0) -> tuple[float, bool]:
    one = scaler(azurite, name, strategy, activation)
    try:
        measurement = await one.measure()
    finally:
        await one.aclose()
    assert measurement.target == 16
    return measurement.value, measurement.active


async def enqueue(queue: QueueClient, count: int) -> None:
    for i in range(count):
        await queue.send_message(f"m{i}")


async def lease(queue: QueueClient, count: int) -> None:
    """Receive `count` messages (leased for 5 minutes, so invisible for the whole test) without deleting them."""
    pages = queue.receive_messages(messages_per_page=count, max_messages=count, visibility_timeout=300)
    received = [m async for m in pages]
    assert len(received) == count


async def test_empty_queue_is_inactive(azurite: str, queue: QueueClient) -> None:
    assert await measure(azurite, queue.queue_name) == (0, False)
    assert await measure(azurite, queue.queue_name, "visibleonly") == (0, False)


async def test_enqueued_messages_are_the_metric(azurite: str, queue: QueueClient) -> None:
    await enqueue(queue, 37)
    assert await measure(azurite, queue.queue_name) == (37, True)
    assert await measure(azurite, queue.queue_name, activation=37) == (37, False)  # strictly greater, as KEDA


async def test_visibleonly_does_not_count_leased_messages(azurite: str, queue: QueueClient) -> None:
    await enqueue(queue, 10)
    await lease(queue, 4)
    assert await measure(azurite, queue.queue_name) == (10, True)  # "all": the approximate count includes them
    assert await measure(azurite, queue.queue_name, "visibleonly") == (6, True)


async def test_visibleonly_falls_back_to_the_approximate_count_from_32_visible(
    azurite: str, queue: QueueClient
) -> None:
    await enqueue(queue, 37)
    await lease(queue, 5)  # 32 still visible: a full peek, so KEDA uses the approximate count (37)
    assert await measure(azurite, queue.queue_name, "visibleonly") == (37, True)


async def test_one_scaler_follows_the_queue(azurite: str, queue: QueueClient) -> None:
    one = scaler(azurite, queue.queue_name)
    try:
        await enqueue(queue, 3)
        assert (await one.measure()).value == 3
        async for message in queue.receive_messages():
            await queue.delete_message(message)
        assert (await one.measure()).value == 0
    finally:
        await one.aclose()


async def test_missing_queue_and_unreachable_storage(azurite: str, unique_name: str) -> None:
    with pytest.raises(ScalerError, match=f"queue '{unique_name}'.*does not exist"):
        await measure(azurite, unique_name)
    down = re.sub(r"QueueEndpoint=http://([^:]+):\d+/", r"QueueEndpoint=http://\1:1/", azurite)
    with pytest.raises(ScalerError, match="unreachable.*AzureWebJobsStorage"):
        await measure(down, unique_name)


def test_identity_connections_and_bad_strategies_are_refused() -> None:
    identity = StorageConnection(setting_name="Store", service_uri="https://acct.queue.core.windows.net")
    with pytest.raises(ConfigurationError, match="identity-based connection 'Store'"):
        AzureQueueScaler(queue_name="q", connection=identity, target=1, function="f")
    dev = StorageConnection(setting_name="AzureWebJobsStorage", connection_string="UseDevelopmentStorage=true")
    with pytest.raises(ConfigurationError, match="visible"):
        AzureQueueScaler(queue_name="q", connection=dev, target=1, strategy="visible")
