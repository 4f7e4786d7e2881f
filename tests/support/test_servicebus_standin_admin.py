"""The Service Bus stand-in's administration endpoint (a protocol-level stand-in, not Service Bus) through the SDK's
ServiceBusAdministrationClient over self-signed HTTPS on the same port as AMQP: runtime-property counts follow what
was sent, settled, dead-lettered and scheduled; a policy without Manage rights and a wrong key get 401. And the SAS
rules both sides share: a token (computed here from the documented formula) grants its resource only, until it
expires."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote_plus

import pytest
from azure.core.exceptions import ClientAuthenticationError, ResourceNotFoundError
from azure.servicebus import ServiceBusClient, ServiceBusMessage
from azure.servicebus.aio.management import ServiceBusAdministrationClient as AsyncAdmin
from azure.servicebus.exceptions import ServiceBusAuthenticationError, ServiceBusAuthorizationError
from azure.servicebus.management import ServiceBusAdministrationClient

from tests.support.servicebus_standin import StandIn
from tests.support.servicebus_standin.target import ServiceBusUnderTest

WAIT = 5


def admin(servicebus: ServiceBusUnderTest, connection_string: str | None = None) -> ServiceBusAdministrationClient:
    return ServiceBusAdministrationClient.from_connection_string(
        connection_string or servicebus.connection_string, retry_total=0, **servicebus.admin_options
    )


def test_queue_counts_follow_the_messages(servicebus: ServiceBusUnderTest) -> None:
    queue = servicebus.queue()
    with ServiceBusClient.from_connection_string(servicebus.connection_string) as client:
        with client.get_queue_sender(queue) as sender:
            sender.send_messages([ServiceBusMessage(f"m{n}") for n in range(4)])
            (later,) = sender.schedule_messages(ServiceBusMessage("later"), datetime.now(UTC) + timedelta(hours=1))
        with client.get_queue_receiver(queue) as receiver:
            got: list = []
            while len(got) < 2:
                got += receiver.receive_messages(max_message_count=2 - len(got), max_wait_time=WAIT)
            receiver.complete_message(got[0])
            receiver.dead_letter_message(got[1], reason="test")
            with admin(servicebus) as management:
                props = management.get_queue_runtime_properties(queue)
        with client.get_queue_sender(queue) as sender:
            sender.cancel_scheduled_messages(later)  # a real namespace's queue is shared between tests
    assert (props.active_message_count, props.dead_letter_message_count, props.scheduled_message_count) == (2, 1, 1)
    assert props.total_message_count == 4  # 2 active + 1 scheduled + 1 dead-lettered
    assert props.name == queue


async def test_subscription_counts_and_a_missing_entity(servicebus: ServiceBusUnderTest) -> None:
    topic, (audit, mail) = servicebus.topic({"audit": {}, "mail": {}})
    with ServiceBusClient.from_connection_string(servicebus.connection_string) as client:
        with client.get_topic_sender(topic) as sender:
            sender.send_messages([ServiceBusMessage("e1"), ServiceBusMessage("e2")])
        with client.get_subscription_receiver(topic, audit) as receiver:
            got: list = []
            while not got:
                got = receiver.receive_messages(max_wait_time=WAIT)
            receiver.complete_message(got[0])
    async with AsyncAdmin.from_connection_string(
        servicebus.connection_string, retry_total=0, **servicebus.admin_options
    ) as management:
        assert (await management.get_subscription_runtime_properties(topic, audit)).active_message_count == 1
        assert (await management.get_subscription_runtime_properties(topic, mail)).active_message_count == 2
        with pytest.raises(ResourceNotFoundError):
            await management.get_queue_runtime_properties("no-such-queue")


def test_the_administration_api_needs_manage_rights_and_the_right_key(tmp_path) -> None:
    policies = {"RootManageSharedAccessKey": {"key": "root-key"}, "SendOnly": {"key": "send-key", "rights": ["Send"]}}
    with StandIn({"queues": {"orders": {}}, "policies": policies}, tls_dir=tmp_path) as standin:
        options = {"connection_verify": str(standin.certificate), "retry_total": 0}
        for policy, key in (("SendOnly", "send-key"), ("RootManageSharedAccessKey", "wrong-key")):
            conn = standin.connection_string(policy, key)
            with ServiceBusAdministrationClient.from_connection_string(conn, **options) as management:
                with pytest.raises(ClientAuthenticationError):
                    management.get_queue_runtime_properties("orders")
        conn = standin.connection_string("RootManageSharedAccessKey")
        with ServiceBusAdministrationClient.from_connection_string(conn, **options) as management:
            assert management.get_queue_runtime_properties("orders").active_message_count == 0
        with ServiceBusClient.from_connection_string(standin.connection_string("SendOnly"), retry_total=0) as client:
            with client.get_queue_sender("orders") as sender:  # Send is enough to send ...
                sender.send_messages(ServiceBusMessage("x"))
            with pytest.raises(ServiceBusAuthorizationError, match="Listen"):
                with client.get_queue_receiver("orders") as receiver:  # ... but not to receive
                    receiver.receive_messages(max_wait_time=1)


def sas_token(resource: str, policy: str, key: str, expiry: int) -> str:
    """A SAS token computed here from Service Bus's documented formula, independently of the SDK."""
    encoded = quote_plus(resource)
    signature = base64.b64encode(hmac.new(key.encode(), f"{encoded}\n{expiry}".encode(), hashlib.sha256).digest())
    return f"SharedAccessSignature sr={encoded}&sig={quote_plus(signature.decode())}&se={expiry}&skn={policy}"


def test_a_token_grants_only_its_resource_until_it_expires(tmp_path) -> None:
    policies = {"RootManageSharedAccessKey": {"key": "root-key"}}
    with StandIn({"queues": {"orders": {}, "other": {}}, "policies": policies}, tls_dir=tmp_path) as standin:

        def client(resource: str, expiry: int) -> ServiceBusClient:
            token = sas_token(
                f"sb://127.0.0.1:{standin.port}/{resource}", "RootManageSharedAccessKey", "root-key", expiry
            )
            conn = f"Endpoint=sb://127.0.0.1:{standin.port}/;SharedAccessSignature={token};UseDevelopmentEmulator=true"
            return ServiceBusClient.from_connection_string(conn, retry_total=0)

        hour = int(time.time()) + 3600
        with client("orders", hour) as ok, ok.get_queue_sender("orders") as sender:
            sender.send_messages(ServiceBusMessage("signed here"))  # the formula and the stand-in agree
        with client("orders", hour) as elsewhere:  # a token for 'orders' does not open 'other'
            with pytest.raises(ServiceBusAuthorizationError), elsewhere.get_queue_sender("other") as sender:
                sender.send_messages(ServiceBusMessage("x"))
        with client("orders", int(time.time()) - 60) as expired:
            with pytest.raises(ServiceBusAuthenticationError), expired.get_queue_sender("orders") as sender:
                sender.send_messages(ServiceBusMessage("x"))
