"""Shared fixtures: real services (started or reused once per run by the project's own scripts, then checked again
before each test module) and per-test names; temporary files of a run stay inside the checkout (.services/tmp)."""

from __future__ import annotations

import contextlib
import gc
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from tests.services_support import (
    AZURITE_BLOB_PORT,
    AZURITE_CONNECTION_STRING,
    AZURITE_QUEUE_PORT,
    KAFKA_BOOTSTRAP,
    KAFKA_PORT,
    RABBITMQ_AMQP_PORT,
    RABBITMQ_MGMT_PORT,
    RABBITMQ_URL,
    ROOT,
    ensure_service,
)
from tests.support.liveness import management_api_answers, require_listening
from tests.support.podman import start_podman
from tests.support.private_rabbitmq import PrivateRabbitMQ

if TYPE_CHECKING:
    from azure.storage.blob.aio import BlobServiceClient
    from azure.storage.queue.aio import QueueServiceClient

TEST_TMP = ROOT / ".services" / "tmp"


def pytest_configure(config: pytest.Config) -> None:
    """pytest's tmp_path folders (the last 3 runs are kept) and every tempfile of this process go under
    .services/tmp, which `scripts/services/all clean` removes, instead of the machine's /tmp."""
    TEST_TMP.mkdir(parents=True, exist_ok=True)
    tempfile.tempdir = str(TEST_TMP)


@pytest.fixture(scope="session")
def _azurite_session() -> str:
    ensure_service("azurite")
    return AZURITE_CONNECTION_STRING


@pytest.fixture(scope="module")
def azurite(_azurite_session: str) -> str:
    """A running Azurite (blob + queue on 127.0.0.1); returns its explicit connection string."""
    require_listening("Azurite blob", AZURITE_BLOB_PORT, "azurite")
    require_listening("Azurite queue", AZURITE_QUEUE_PORT, "azurite")
    return _azurite_session


@dataclass(frozen=True)
class _RabbitMQ:
    url: str
    amqp_port: int
    management_port: int


@pytest.fixture(scope="session")
def _rabbitmq_session() -> Iterator[_RabbitMQ]:
    """The broker on RABBITMQ_AMQP_PORT when it has the management API; otherwise a private node for this run."""
    ensure_service("rabbitmq")
    if management_api_answers(RABBITMQ_MGMT_PORT):
        yield _RabbitMQ(RABBITMQ_URL, RABBITMQ_AMQP_PORT, RABBITMQ_MGMT_PORT)
        return
    # A reused broker without the management plugin (or with other credentials) cannot serve the scaler's HTTP
    # tests; the tests get a node of their own rather than failing on it.
    with PrivateRabbitMQ() as node:
        yield _RabbitMQ(node.url, node.amqp_port, node.management_port)


@pytest.fixture(scope="module")
def rabbitmq(_rabbitmq_session: _RabbitMQ) -> str:
    """A running RabbitMQ on 127.0.0.1 with the management API; returns its AMQP URL."""
    require_listening("RabbitMQ (AMQP)", _rabbitmq_session.amqp_port, "rabbitmq")
    return _rabbitmq_session.url


@pytest.fixture(scope="module")
def rabbitmq_management(rabbitmq: str, _rabbitmq_session: _RabbitMQ) -> str:
    """The management HTTP API of the `rabbitmq` broker: http://guest:guest@127.0.0.1:<port>/."""
    require_listening("RabbitMQ's management API", _rabbitmq_session.management_port, "rabbitmq")
    return f"http://guest:guest@127.0.0.1:{_rabbitmq_session.management_port}/"


@pytest.fixture(scope="session")
def _kafka_session() -> str:
    ensure_service("kafka")
    return KAFKA_BOOTSTRAP


@pytest.fixture(scope="module")
def kafka(_kafka_session: str) -> str:
    """A running Kafka-protocol broker (tansu) on 127.0.0.1; returns its bootstrap servers."""
    require_listening("the Kafka broker", KAFKA_PORT, "kafka")
    return _kafka_session


@pytest.fixture(scope="session")
def podman() -> str:
    """podman's Docker-compatible API (started, and installed if needed, by scripts/services/podman); its base URL."""
    return start_podman()


SERVICE_FIXTURES = frozenset({"azurite", "rabbitmq", "rabbitmq_management", "kafka", "servicebus"})


@pytest.fixture(autouse=True)
def _collect_what_the_test_left(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test against a service that fails before closing its SDK client leaves an aiohttp session behind; garbage
    collected later, it warns (`Unclosed client session`) inside whichever unrelated test is running then. Collect
    it in this test's own teardown instead, after dropping the traceback pytest keeps for post-mortem debugging."""
    yield
    if SERVICE_FIXTURES.isdisjoint(request.fixturenames):
        return
    sys.last_type = sys.last_value = sys.last_traceback = None
    if hasattr(sys, "last_exc"):  # Python 3.12+
        sys.last_exc = None
    gc.collect()


@pytest.fixture(scope="session")
def servicebus() -> Iterator[Any]:
    """The Service Bus stand-in (tests/support/servicebus_standin), or the real namespace named by
    FUNCHOST_TEST_SERVICEBUS_CONNECTION_STRING (docs/servicebus-standin.md): a ServiceBusUnderTest."""
    from tests.support.servicebus_standin.target import service_bus_under_test  # only runs that use it pay for it

    yield from service_bus_under_test()


@pytest.fixture
def unique_name() -> Iterator[str]:
    yield f"t{uuid.uuid4().hex[:20]}"


@pytest.fixture
async def blob_service(azurite: str, unique_name: str) -> AsyncIterator[BlobServiceClient]:
    """An async blob service client of `azurite`; deletes the container named `unique_name` after."""
    from azure.core.exceptions import ResourceNotFoundError
    from azure.storage.blob.aio import BlobServiceClient  # only the tests that use it import the SDK

    client = BlobServiceClient.from_connection_string(azurite)
    yield client
    with contextlib.suppress(ResourceNotFoundError):
        await client.delete_container(unique_name)
    await client.close()


@pytest.fixture
async def queue_service(azurite: str, unique_name: str) -> AsyncIterator[QueueServiceClient]:
    """An async queue service client of `azurite` without SDK retry; deletes the queues named `unique_name*` after."""
    from azure.storage.queue.aio import QueueServiceClient  # only the tests that use it import the SDK

    client = QueueServiceClient.from_connection_string(azurite, retry_total=0)
    yield client
    async for queue in client.list_queues(name_starts_with=unique_name):
        await client.delete_queue(queue.name)
    await client.close()
