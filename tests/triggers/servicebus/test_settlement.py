"""Settlement by the function (autoCompleteMessages false) through `funchost start`, with the sample written for
Azure's SDK-type binding (samples/servicebus-settlement: `ServiceBusReceivedMessage` + `ServiceBusMessageActions`),
against the Service Bus stand-in (tests/support/servicebus_standin, reached over TCP by the real azure-servicebus
SDK): complete, dead-letter with reason and description, defer, abandon then complete on the redelivery."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from azure.servicebus import ServiceBusClient, ServiceBusMessage, ServiceBusSubQueue

from tests.support.hostproc import SAMPLES, HostProcess
from tests.triggers.servicebus.test_end_to_end import leftover, send, wait_for


def test_the_function_settles_each_way(servicebus: Any, tmp_path: Path) -> None:
    queue = servicebus.queue(lock_duration=5)
    root = shutil.copytree(
        SAMPLES / "servicebus-settlement", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__")
    )
    settings = json.loads((root / "local.settings.json").read_text())
    settings["Values"].update(ServiceBusConnection=servicebus.connection_string, OrdersQueue=queue)
    (root / "local.settings.json").write_text(json.dumps(settings))
    with HostProcess(root) as host:
        host.wait_ready(60)
        send(
            servicebus,
            queue,
            *(
                ServiceBusMessage(action, message_id=action, application_properties={"action": action})
                for action in ("complete", "deadletter", "defer", "abandon-once")
            ),
        )
        wait_for(lambda: "order abandon-once: abandon-once (delivery 2)" in host.output(), 30, "the redelivery", host)
        wait_for(lambda: leftover(servicebus, queue, ServiceBusSubQueue.DEAD_LETTER), 15, "the dead letter", host)
        (dead,) = leftover(servicebus, queue, ServiceBusSubQueue.DEAD_LETTER)
        assert dead.message_id == "deadletter" and dead.dead_letter_reason == "InvalidOrder"
        assert dead.dead_letter_error_description == "the order has no lines"
        wait_for(
            lambda: [m.message_id for m in leftover(servicebus, queue)] == ["defer"], 15, "only the deferred", host
        )
        (deferred,) = leftover(servicebus, queue)
        with ServiceBusClient.from_connection_string(servicebus.connection_string) as client:
            with client.get_queue_receiver(queue) as receiver:
                (again,) = receiver.receive_deferred_messages([deferred.sequence_number])
                receiver.complete_message(again)
        for action in ("complete", "deadletter", "defer"):
            assert host.output().count(f"order {action}: {action} (delivery") == 1, host.output()
