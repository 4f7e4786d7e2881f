"""The Service Bus a test runs against: the stand-in (default), or a real namespace when
`FUNCHOST_TEST_SERVICEBUS_CONNECTION_STRING` is set. A real namespace cannot be given entities per test, so it is
used with pre-created ones named by environment variables; a test that needs settings only the stand-in can give a
fresh entity (a 1-second lock, max delivery count 2, …) is skipped there, with the reason in pytest's `-rs` report.

    FUNCHOST_TEST_SERVICEBUS_CONNECTION_STRING  a policy with Manage, Send and Listen rights
    FUNCHOST_TEST_SERVICEBUS_QUEUE               a queue with default settings (no sessions)
    FUNCHOST_TEST_SERVICEBUS_SESSION_QUEUE       a queue with requires_session = true
    FUNCHOST_TEST_SERVICEBUS_TOPIC               a topic ...
    FUNCHOST_TEST_SERVICEBUS_SUBSCRIPTIONS       ... and two of its subscriptions, comma-separated (no filters)

Entities of a real namespace are emptied (receive-and-delete) before a test uses them."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from azure.servicebus import ServiceBusClient, ServiceBusReceiveMode, ServiceBusSubQueue

from . import StandIn

ENV = "FUNCHOST_TEST_SERVICEBUS_CONNECTION_STRING"
DEFAULTS = {
    "lock_duration": 60.0,
    "max_delivery_count": 10,
    "requires_session": False,
    "dead_lettering_on_message_expiration": False,
}


@dataclass
class ServiceBusUnderTest:
    connection_string: str
    standin: StandIn | None = None
    admin_options: dict[str, Any] = field(default_factory=dict)  # for ServiceBusAdministrationClient

    @property
    def kind(self) -> str:
        return "the Service Bus stand-in" if self.standin else "a real Service Bus namespace"

    def queue(self, **settings: Any) -> str:
        """A fresh queue with `settings` on the stand-in; the pre-created one of a real namespace, emptied."""
        if self.standin is not None:
            return self.standin.add_queue(f"q-{uuid.uuid4().hex[:12]}", **settings)
        session = bool(settings.get("requires_session"))
        _only_defaults(settings, "requires_session")
        name = _env("FUNCHOST_TEST_SERVICEBUS_SESSION_QUEUE" if session else "FUNCHOST_TEST_SERVICEBUS_QUEUE")
        self._empty(name, session=session)
        return name

    def topic(self, subscriptions: Mapping[str, Mapping[str, Any]]) -> tuple[str, list[str]]:
        """A topic with `subscriptions` (name -> settings): a fresh one, or the pre-created one (names from env)."""
        if self.standin is not None:
            topic = f"t-{uuid.uuid4().hex[:12]}"
            return self.standin.add_topic(topic, subscriptions), list(subscriptions)
        for settings in subscriptions.values():
            _only_defaults(dict(settings))
        topic = _env("FUNCHOST_TEST_SERVICEBUS_TOPIC")
        names = [s.strip() for s in _env("FUNCHOST_TEST_SERVICEBUS_SUBSCRIPTIONS").split(",") if s.strip()]
        if len(names) < len(subscriptions):
            pytest.skip(
                f"FUNCHOST_TEST_SERVICEBUS_SUBSCRIPTIONS names {len(names)} subscriptions; "
                f"this test needs {len(subscriptions)}"
            )
        for name in names[: len(subscriptions)]:
            self._empty(topic, subscription=name)
        return topic, names[: len(subscriptions)]

    def _empty(self, name: str, subscription: str | None = None, session: bool = False) -> None:
        if session:
            return  # sessions cannot be drained without knowing their ids; tests use fresh session ids
        with ServiceBusClient.from_connection_string(self.connection_string) as client:
            for sub_queue in (None, ServiceBusSubQueue.DEAD_LETTER):
                kwargs: dict[str, Any] = {
                    "receive_mode": ServiceBusReceiveMode.RECEIVE_AND_DELETE,
                    "sub_queue": sub_queue,
                    "max_wait_time": 2,
                }
                receiver = (
                    client.get_subscription_receiver(name, subscription, **kwargs)
                    if subscription
                    else client.get_queue_receiver(name, **kwargs)
                )
                with receiver:
                    while receiver.receive_messages(max_message_count=100, max_wait_time=2):
                        pass


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.skip(f"{ENV} is set (a real namespace) but {name} is not: name a pre-created entity there")
    return value


def _only_defaults(settings: dict[str, Any], *allowed: str) -> None:
    special = {k: v for k, v in settings.items() if k not in allowed and DEFAULTS.get(k) != v}
    if special:
        pytest.skip(
            f"needs an entity with {special}: only the Service Bus stand-in creates one per test "
            f"({ENV} names a real namespace)"
        )


def service_bus_under_test() -> Iterator[ServiceBusUnderTest]:
    real = os.environ.get(ENV)
    if real:
        yield ServiceBusUnderTest(real)
        return
    with StandIn() as standin:
        yield ServiceBusUnderTest(standin.connection_string(), standin, {"connection_verify": str(standin.certificate)})
