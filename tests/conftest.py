"""Shared fixtures: real services (started once per run by the project's own scripts) and per-test names."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.services_support import AZURITE_CONNECTION_STRING, KAFKA_BOOTSTRAP, RABBITMQ_URL, ensure_service
from tests.support.podman import start_podman


@pytest.fixture(scope="session")
def azurite() -> str:
    """A running Azurite (blob + queue on 127.0.0.1); returns its explicit connection string."""
    ensure_service("azurite")
    return AZURITE_CONNECTION_STRING


@pytest.fixture(scope="session")
def rabbitmq() -> str:
    """A running RabbitMQ on 127.0.0.1:5672; returns its AMQP URL."""
    ensure_service("rabbitmq")
    return RABBITMQ_URL


@pytest.fixture(scope="session")
def kafka() -> str:
    """A running Kafka-protocol broker (tansu) on 127.0.0.1; returns its bootstrap servers."""
    ensure_service("kafka")
    return KAFKA_BOOTSTRAP


@pytest.fixture(scope="session")
def podman() -> str:
    """podman's Docker-compatible API (started, and installed if needed, by scripts/services/podman); its base URL."""
    return start_podman()


@pytest.fixture(scope="session")
def servicebus() -> Iterator[Any]:
    """The Service Bus stand-in (tests/support/servicebus_standin), or the real namespace named by
    FUNCHOST_TEST_SERVICEBUS_CONNECTION_STRING (docs/servicebus-standin.md): a ServiceBusUnderTest."""
    from tests.support.servicebus_standin.target import service_bus_under_test  # only runs that use it pay for it

    yield from service_bus_under_test()


@pytest.fixture
def unique_name() -> Iterator[str]:
    yield f"t{uuid.uuid4().hex[:20]}"
