"""`python -m tests.support.servicebus_standin` (the Service Bus stand-in — not Service Bus — as a process): it
prints its port and connection string, serves the real azure-servicebus SDK on that free port, and says clearly
what is wrong with a bad --config."""

from __future__ import annotations

import json
import subprocess
import sys

from azure.servicebus import ServiceBusClient, ServiceBusMessage

from tests.support.hostproc import REPO


def test_the_launcher_prints_a_connection_string_that_works(tmp_path) -> None:
    config = tmp_path / "entities.json"
    config.write_text(json.dumps({"queues": {"orders": {"lock_duration": 5}}}))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.servicebus_standin",
            "--port",
            "0",
            "--config",
            str(config),
            "--topic",
            "events:audit,mail",
            "--tls-dir",
            str(tmp_path),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        started = json.loads(process.stdout.readline())
        assert f"sb://127.0.0.1:{started['port']}/" in started["connection_string"]
        assert started["port"] not in (0, 5672)
        assert "UseDevelopmentEmulator=true" in started["connection_string"]
        with ServiceBusClient.from_connection_string(started["connection_string"]) as client:
            with client.get_queue_sender("orders") as sender:
                sender.send_messages(ServiceBusMessage("via the launcher"))
            with client.get_topic_sender("events") as sender:
                sender.send_messages(ServiceBusMessage("to both"))
            with client.get_queue_receiver("orders", max_wait_time=5) as receiver:
                (message,) = receiver.receive_messages(max_wait_time=5)
                assert str(message) == "via the launcher"
                receiver.complete_message(message)
            with client.get_subscription_receiver("events", "mail", max_wait_time=5) as receiver:
                (message,) = receiver.receive_messages(max_wait_time=5)
                assert str(message) == "to both"
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0  # SIGTERM is a clean stop
        process.stdout.close()


def test_a_bad_config_is_named(tmp_path) -> None:
    config = tmp_path / "entities.json"
    config.write_text(json.dumps({"queues": {"orders": {"lock_seconds": 5}}}))
    result = subprocess.run(
        [sys.executable, "-m", "tests.support.servicebus_standin", "--config", str(config), "--tls-dir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "queue 'orders'" in result.stderr and "lock_seconds" in result.stderr and "lock_duration" in result.stderr
    missing = tmp_path / "nope.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.support.servicebus_standin",
            "--config",
            str(missing),
            "--tls-dir",
            str(tmp_path),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "cannot read --config" in result.stderr and str(missing) in result.stderr
