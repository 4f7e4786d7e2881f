"""The `queue` output binding against real Azurite: what each value type becomes (one message per list item),
both message encodings, creating a missing queue, bad values sending nothing, one shared client per connection
string, and a clear error while storage is down followed by a working send once it is back."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.queue.aio import QueueServiceClient

from funchost.bindings.queue import QueueOutputError
from funchost.errors import ConfigurationError
from funchost.metadata.binding_settings import QueueBindingSettings, parse_queue
from funchost.metadata.host_config import HostConfig, load_host_config
from funchost.metadata.spec import BindingSpec
from funchost.outputs import sender_class
from funchost.outputs.queue import QueueOutput, QueueSendError
from tests.support.private_azurite import PrivateAzurite

pytestmark = pytest.mark.azurite


def settings(queue: str, connection: str) -> QueueBindingSettings:
    raw = {"name": "out", "type": "queue", "direction": "out", "queueName": queue, "connection": "Storage"}
    return parse_queue(BindingSpec.from_dict(raw), "fn", {"Storage": connection})


def host_config(tmp_path: Path, **queues: Any) -> HostConfig:
    (tmp_path / "host.json").write_text(json.dumps({"version": "2.0", "extensions": {"queues": queues}}))
    return load_host_config(tmp_path, {})


async def texts(service: QueueServiceClient, queue: str) -> list[str]:
    try:
        return [m.content for m in await service.get_queue_client(queue).peek_messages(max_messages=32)]
    except ResourceNotFoundError:
        return []


def test_the_registry_row_resolves_to_this_sender() -> None:
    assert sender_class("queue", "fn") is QueueOutput


async def test_each_value_type_becomes_messages_and_the_queue_is_created(
    queue_service: QueueServiceClient, azurite: str, unique_name: str, tmp_path: Path
) -> None:
    sender = QueueOutput(settings(unique_name, azurite), host_config(tmp_path))
    try:
        await sender.send("plain text ✓")
        await sender.send(b"\x00\xffbinary")
        await sender.send(func.QueueMessage(body="from a QueueMessage"))
        await sender.send({"id": 7, "tags": ["a"]})
        await sender.send(["one", b"two", func.QueueMessage(body=b"three"), {"four": 4}, [5]])
    finally:
        await sender.aclose()
    bodies = [base64.b64decode(text) for text in await texts(queue_service, unique_name)]
    assert bodies == [
        "plain text ✓".encode(),
        b"\x00\xffbinary",
        b"from a QueueMessage",
        b'{"id": 7, "tags": ["a"]}',
        b"one",
        b"two",
        b"three",
        b'{"four": 4}',
        b"[5]",
    ]


async def test_encoding_none_sends_the_text_itself(
    queue_service: QueueServiceClient, azurite: str, unique_name: str, tmp_path: Path
) -> None:
    sender = QueueOutput(settings(unique_name, azurite), host_config(tmp_path, messageEncoding="none"))
    try:
        await sender.send(["héllo", b"bytes as utf-8"])
        with pytest.raises(QueueOutputError, match="messageEncoding is 'none'.*not UTF-8"):
            await sender.send(["sent?", b"\xff\xfe"])
    finally:
        await sender.aclose()
    assert await texts(queue_service, unique_name) == ["héllo", "bytes as utf-8"]  # nothing of the bad batch


@pytest.mark.parametrize("value", [42, ["fine", 3.5], [None]])
async def test_unsupported_values_fail_clearly_and_send_nothing(
    queue_service: QueueServiceClient, azurite: str, unique_name: str, tmp_path: Path, value: Any
) -> None:
    sender = QueueOutput(settings(unique_name, azurite), host_config(tmp_path))
    try:
        with pytest.raises(QueueOutputError) as caught:
            await sender.send(value)
    finally:
        await sender.aclose()
    message = str(caught.value)
    assert f"queue output to '{unique_name}'" in message and "expected str, bytes, func.QueueMessage" in message
    assert await texts(queue_service, unique_name) == []


async def test_senders_share_one_client_per_connection_string(azurite: str, unique_name: str, tmp_path: Path) -> None:
    first = QueueOutput(settings(unique_name, azurite), host_config(tmp_path))
    second = QueueOutput(settings(f"{unique_name}-b", azurite), host_config(tmp_path))
    try:
        await first.send("a")
        await second.send("b")
        assert first._shared is second._shared
    finally:
        await first.aclose()
        await second.aclose()


async def test_a_message_too_large_for_the_service_fails_with_the_limit_named(
    queue_service: QueueServiceClient, azurite: str, unique_name: str, tmp_path: Path
) -> None:
    sender = QueueOutput(settings(unique_name, azurite), host_config(tmp_path))
    try:
        await sender.send("small")
        with pytest.raises(QueueSendError, match="64 KiB"):
            await sender.send("x" * 60_000)  # 80 000 characters once base64-encoded
    finally:
        await sender.aclose()
    assert await texts(queue_service, unique_name) == [base64.b64encode(b"small").decode()]


def test_a_malformed_connection_string_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="app setting 'Storage' is not a valid storage connection string"):
        QueueOutput(settings("out-q", "this is not a connection string"), host_config(tmp_path))


async def test_storage_down_fails_the_send_clearly_then_reconnects(unique_name: str, tmp_path: Path) -> None:
    emulator = PrivateAzurite(tmp_path / "storage", kinds=("queue",))  # its port is chosen, nothing listens yet
    port = emulator.ports["queue"]
    connection = emulator.connection_string
    sender = QueueOutput(settings(unique_name, connection), host_config(tmp_path))
    try:
        with pytest.raises(QueueSendError) as caught:
            await sender.send("while down")
        message = str(caught.value)
        assert f"http://127.0.0.1:{port}/devstoreaccount1/{unique_name}" in message
        assert "connection setting 'Storage'" in message and "Fix:" in message
        with emulator:
            await sender.send("after restart")
            check = QueueServiceClient.from_connection_string(connection, retry_total=0)
            async with check:
                assert await texts(check, unique_name) == [base64.b64encode(b"after restart").decode()]
    finally:
        await sender.aclose()
