"""The liveness probes the service fixtures run before each module."""

from __future__ import annotations

import pytest

from tests.support.liveness import ServiceGone, management_api_answers, require_listening
from tests.support.ports import free_port


def test_a_closed_port_is_reported_with_the_service_and_the_fix() -> None:
    port = free_port()
    with pytest.raises(ServiceGone) as caught:
        require_listening("RabbitMQ (AMQP)", port, "rabbitmq")
    message = str(caught.value)
    assert message.startswith(f"the service on port {port} went away: RabbitMQ (AMQP) on 127.0.0.1:{port}")
    assert "scripts/services/rabbitmq start" in message


def test_a_port_without_the_management_api_is_not_taken_for_it() -> None:
    assert not management_api_answers(free_port())
