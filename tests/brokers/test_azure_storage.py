"""Storage queue clients and the one classification of their errors (funchost/brokers/azure_storage.py), against the
real Azurite (shared) and a free port where nothing listens (connection refused)."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import AzureError

from funchost.brokers.azure_storage import (
    describe,
    is_access_denied,
    is_connection_failure,
    is_lost_message,
    is_not_found,
    is_queue_missing,
    is_unreachable,
    queue_service_client,
    scaler_queue_client,
    service_client,
)
from funchost.errors import ConfigurationError
from tests.support.ports import free_port

pytestmark = pytest.mark.azurite


async def failure_of(conn: str, queue: str) -> AzureError:
    async with scaler_queue_client(conn, queue, "F", "S") as client:
        with pytest.raises(AzureError) as info:
            await client.get_queue_properties()
    return info.value


async def test_a_missing_queue_is_missing_not_unreachable(azurite: str) -> None:
    exc = await failure_of(azurite, f"q{uuid.uuid4().hex}")
    assert is_not_found(exc) and is_queue_missing(exc) and is_lost_message(exc)
    assert not is_unreachable(exc) and not is_access_denied(exc)
    assert describe(exc) == "HTTP 404 QueueNotFound"


async def test_a_pop_receipt_that_no_longer_matches_is_a_lost_message(azurite: str) -> None:
    name = f"q{uuid.uuid4().hex}"
    async with queue_service_client(azurite) as service:
        queue = service.get_queue_client(name)
        await queue.create_queue()
        try:
            sent = await queue.send_message("x")
            with pytest.raises(AzureError) as info:
                await queue.delete_message(sent.id, "not-the-receipt")
            assert is_lost_message(info.value) and not is_queue_missing(info.value)
            assert describe(info.value) == "HTTP 400 PopReceiptMismatch"
        finally:
            await queue.delete_queue()


async def test_a_wrong_account_key_is_access_denied(azurite: str) -> None:
    wrong = azurite.replace("AccountKey=", "AccountKey=AAAA", 1)
    exc = await failure_of(wrong, f"q{uuid.uuid4().hex}")
    assert is_access_denied(exc) and exc.status_code == 403 and not is_unreachable(exc)


async def test_nothing_listening_is_a_connection_failure_and_unreachable(azurite: str) -> None:
    port = free_port()
    conn = azurite.replace(":10001/", f":{port}/")
    assert f":{port}/" in conn
    exc = await failure_of(conn, "q")
    assert is_connection_failure(exc) and is_unreachable(exc) and not is_not_found(exc)
    assert describe(exc)  # the SDK's first line, never empty


def test_an_unparsable_connection_string_names_where_and_the_setting() -> None:
    for build in (
        lambda: service_client("nonsense", "Function 'f'", "MyStorage"),
        lambda: scaler_queue_client("nonsense", "q", "Function 'f'", "MyStorage"),
    ):
        with pytest.raises(ConfigurationError) as info:
            build()
        text = str(info.value)
        assert text.startswith("Function 'f': app setting 'MyStorage' is not a valid storage connection string")
        assert "Fix: use 'UseDevelopmentStorage=true'" in text
