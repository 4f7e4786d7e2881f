"""Azure Storage queue and blob clients as funchost builds them, and how it reads their errors.

`queue_service_client()` is the client the queue trigger and the queue output share: a short SDK retry (one retry
after 1 s, 10 s connect timeout), because the trigger's polling loop and the output's caller back off and retry
themselves, so the SDK's default of 3 retries with exponential back-off would only stack delays. The scale
controller's `scaler_queue_client()` has no SDK retry at all (storage's first back-off is 15 s): the controller
polls again, and a poll must not hang. `blob_service_client()` (the blob trigger's scans, receipts and scan
info) has the same short retry as the queue client, for the same reason. The queue clients raise a
`ConfigurationError` naming the app setting for a connection string the SDK cannot parse (the blob client a
ValueError its caller names the setting for). `scaler_blob_container()` is the blob scaler's client, without retry;
`scaler_connection_string()` and `explain_scaler_error()` are what the queue and blob scalers share.

`blob_service_client()` (the blob bindings; async) has the same short retry; `sync_blob_service_client()` builds the
synchronous client the SDK-type bindings hand to the function (`azurefunctions-extensions-bindings-blob` gives
`azure.storage.blob` sync types).

The error predicates (`is_queue_missing`, `is_lost_message`, `is_unreachable`, ...) and `describe()` are the one
classification of storage errors used by the trigger's reader, processor and lease renewal and by the scaler.
"""

from __future__ import annotations

import asyncio
from typing import Any, TypeGuard

from azure.core.exceptions import AzureError, HttpResponseError, ResourceNotFoundError, ServiceRequestError
from azure.storage.blob import BlobServiceClient as SyncBlobServiceClient
from azure.storage.blob.aio import BlobServiceClient, ContainerClient
from azure.storage.queue.aio import QueueClient, QueueServiceClient

from funchost.errors import ConfigurationError
from funchost.metadata.connections import StorageConnection


def invalid_connection_string(where: str, setting_name: str, exc: ValueError) -> ConfigurationError:
    return ConfigurationError(
        f"{where}: app setting '{setting_name}' is not a valid storage connection string ({exc}). Fix: use "
        "'UseDevelopmentStorage=true' for Azurite or the account's connection string from the portal"
    )


# One retry after 1 s and a 10 s connect timeout: the triggers' polling loops and the outputs' callers back off and
# retry themselves, so the SDK's default of 3 retries with exponential back-off would only stack delays.
SHORT_RETRY: dict[str, Any] = {
    "retry_total": 1,
    "initial_backoff": 1,
    "increment_base": 1,
    "random_jitter_range": 0,
    "connection_timeout": 10,
}


def queue_service_client(conn: str) -> QueueServiceClient:
    """Raises ValueError for a connection string the SDK cannot parse (callers name the app setting)."""
    return QueueServiceClient.from_connection_string(conn, **SHORT_RETRY)


def blob_service_client(conn: str) -> BlobServiceClient:
    """The blob bindings' client (short SDK retry as for queues); ValueError for an unparsable string."""
    return BlobServiceClient.from_connection_string(conn, **SHORT_RETRY)


class BlobClientsPerLoop:
    """One async BlobServiceClient per event loop (a binding runs on the host's loop and, for sync functions that
    bind lazily, on others): created on first use, all closed by `aclose()`."""

    def __init__(self, conn: str) -> None:
        self._conn = conn
        self._clients: dict[int, BlobServiceClient] = {}  # event loop id → client

    def current(self) -> BlobServiceClient:
        key = id(asyncio.get_running_loop())
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = blob_service_client(self._conn)
        return client

    async def aclose(self) -> None:
        clients, self._clients = self._clients, {}
        for client in clients.values():
            await client.close()


def sync_blob_service_client(conn: str) -> SyncBlobServiceClient:
    """The synchronous client behind the SDK-type parameters (BlobClient, ContainerClient, StorageStreamDownloader)."""
    return SyncBlobServiceClient.from_connection_string(conn, connection_timeout=10)


def blob_connection_string(connection: StorageConnection, where: str) -> str:
    """A blob binding's connection string (checked by the SDK); identity-based connections are refused."""
    conn = connection.effective_connection_string("blob")
    name = connection.setting_name
    if conn is None:
        raise ConfigurationError(
            f"{where} uses the identity-based connection '{name}' ({connection.service_uri}), which funchost does "
            f"not support. Fix: set '{name}' to a storage connection string ('UseDevelopmentStorage=true' for Azurite)"
        )
    try:
        sync_blob_service_client(conn).close()
    except ValueError as exc:
        raise invalid_connection_string(where, name, exc) from None
    return conn


def service_client(conn: str, where: str, setting_name: str) -> QueueServiceClient:
    """`queue_service_client()`, with a bad connection string reported naming `where` and the app setting."""
    try:
        return queue_service_client(conn)
    except ValueError as exc:
        raise invalid_connection_string(where, setting_name, exc) from None


# The scale controller's clients: no SDK retry (the controller polls again), 10 s connect and 20 s read timeout.
NO_RETRY: dict[str, Any] = {"retry_total": 0, "connection_timeout": 10, "read_timeout": 20}


def scaler_connection_string(connection: StorageConnection, service: str, function: str) -> str:
    """The connection string a scaler of `service` ("queue" / "blob") uses; identity-based connections are refused."""
    conn = connection.effective_connection_string(service)
    if conn is None:
        raise ConfigurationError(
            f"Function '{function}': the scale controller cannot use the identity-based connection "
            f"'{connection.setting_name}' ({connection.service_uri}) yet. Fix: set '{connection.setting_name}' "
            "to a storage connection string"
        )
    return conn


def scaler_queue_client(conn: str, queue_name: str, where: str, setting_name: str) -> QueueClient:
    """The scale controller's client of one queue (`NO_RETRY`)."""
    try:
        return QueueClient.from_connection_string(conn, queue_name, **NO_RETRY)
    except ValueError as exc:
        raise invalid_connection_string(where, setting_name, exc) from None


def error_code(exc: BaseException) -> str:
    """The service's error code. The SDK sets a `StorageErrorCode` member when it knows the code (a str enum whose
    str() is "StorageErrorCode.POP_RECEIPT_MISMATCH"), else the header's text: use the member's value."""
    code = getattr(exc, "error_code", None)
    return str(getattr(code, "value", code) or "")


def is_not_found(exc: BaseException) -> bool:
    return isinstance(exc, ResourceNotFoundError)


def is_queue_missing(exc: BaseException) -> bool:
    return is_not_found(exc) and error_code(exc) in ("QueueNotFound", "")


def is_container_missing(exc: BaseException) -> bool:
    return is_not_found(exc) and error_code(exc) in ("ContainerNotFound", "")


def is_blob_exists(exc: BaseException) -> bool:
    """A conditional create (If-None-Match: *) lost: the blob exists, or another writer holds its lease."""
    return error_code(exc) in ("BlobAlreadyExists", "LeaseIdMissing", "ConditionNotMet")


def is_lease_taken(exc: BaseException) -> bool:
    """Acquiring a lease failed because another holds it, or the blob / container is gone (BlobReceiptManager)."""
    return error_code(exc) in ("LeaseAlreadyPresent", "BlobNotFound", "ContainerNotFound")


def is_lease_lost(exc: BaseException) -> bool:
    return error_code(exc) in (
        "LeaseLost",
        "LeaseIdMismatchWithLeaseOperation",
        "LeaseIdMismatchWithBlobOperation",
        "LeaseNotPresentWithBlobOperation",
        "LeaseNotPresentWithLeaseOperation",
    )


def is_lost_message(exc: BaseException) -> bool:
    """The pop receipt no longer matches, or the message / queue is gone: another consumer owns or ended it."""
    code = error_code(exc)
    return code in ("PopReceiptMismatch", "MessageNotFound", "QueueNotFound", "QueueBeingDeleted", "QueueDisabled")


def is_access_denied(exc: BaseException) -> TypeGuard[HttpResponseError]:
    return isinstance(exc, HttpResponseError) and exc.status_code in (401, 403)


def is_connection_failure(exc: BaseException) -> bool:
    """Connection refused / DNS / TLS / timeouts: the request never got an answer."""
    return isinstance(exc, ServiceRequestError)


def is_unreachable(exc: BaseException) -> bool:
    """Connection failures and server-side (5xx) errors: retry later."""
    if is_connection_failure(exc):
        return True
    return isinstance(exc, HttpResponseError) and (exc.status_code or 0) >= 500


def first_line(exc: AzureError) -> str:
    return (exc.message or type(exc).__name__).splitlines()[0]


def describe(exc: BaseException) -> str:
    if isinstance(exc, HttpResponseError):
        return f"HTTP {exc.status_code} {error_code(exc) or exc.reason}"
    if isinstance(exc, AzureError):
        return exc.message.splitlines()[0] if exc.message else type(exc).__name__
    return f"{type(exc).__name__}: {exc}"


def scaler_blob_container(conn: str, container: str, where: str, setting_name: str) -> ContainerClient:
    """The scale controller's client of one container (`NO_RETRY`)."""
    try:
        return ContainerClient.from_connection_string(conn, container, **NO_RETRY)
    except ValueError as exc:
        raise invalid_connection_string(where, setting_name, exc) from None


def explain_scaler_error(exc: AzureError, where: str, missing: str, setting_name: str) -> str:
    """A scaler's message for a failed measurement: `where` (function, entity, endpoint), then the cause and fix;
    `missing` is said when the queue / container does not exist."""
    if is_not_found(exc):
        return f"{where}: {missing}"
    if is_access_denied(exc):
        return f"{where}: access denied (HTTP {exc.status_code}). Fix: correct app setting '{setting_name}'"
    if is_connection_failure(exc):
        return f"{where}: storage is unreachable ({first_line(exc)}). Fix: start it or correct '{setting_name}'"
    return f"{where}: {type(exc).__name__}: {first_line(exc)}"
