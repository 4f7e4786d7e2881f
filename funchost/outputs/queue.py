"""The `queue` output binding: each value (or each item of a list) becomes one storage-queue message, encoded per
host.json extensions.queues.messageEncoding; the queue is created if it does not exist (Azure's
QueueAsyncCollector → AddMessageAndCreateIfNotExistsAsync). One client per connection string is shared by all
senders in this process; it connects on first use and is replaced after a connection failure. A `queueName` with
`{expressions}` (`{name}` of a blob trigger, `{queueTrigger}`) is bound per invocation from the trigger's binding
data (`uses_binding_data`), lower-cased as the extension does, and must then be a valid queue name.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
)
from azure.storage.queue.aio import QueueClient, QueueServiceClient

from funchost.bindings.queue import QueueOutputError, encode_body, output_bodies
from funchost.brokers.azure_storage import queue_service_client, service_client
from funchost.errors import BindingDataError, ConfigurationError, FunchostError
from funchost.metadata.binding_settings import QueueBindingSettings
from funchost.metadata.binding_templates import SystemBindingData, parse_template
from funchost.metadata.entity_names import entity_name_problem
from funchost.metadata.host_config import HostConfig
from funchost.metadata.trigger_kinds import QUEUE
from funchost.queue_watcher import QUEUE_WATCHER


class QueueSendError(FunchostError):
    """A queue output could not be sent (the invocation fails, so its input is retried)."""


@dataclass
class _Shared:
    service: QueueServiceClient
    users: int = 0


class _ClientPool:
    """Clients by (event loop, connection string), reference-counted by the senders using them."""

    def __init__(self) -> None:
        self._clients: dict[tuple[int, str], _Shared] = {}

    def acquire(self, conn: str) -> _Shared:
        key = (id(asyncio.get_running_loop()), conn)
        shared = self._clients.get(key)
        if shared is None:
            shared = self._clients[key] = _Shared(queue_service_client(conn))
        shared.users += 1
        return shared

    async def reconnect(self, shared: _Shared, conn: str) -> None:
        old, shared.service = shared.service, queue_service_client(conn)
        await old.close()

    async def release(self, shared: _Shared, conn: str) -> None:
        shared.users -= 1
        if shared.users <= 0:
            self._clients.pop((id(asyncio.get_running_loop()), conn), None)
            await shared.service.close()


_POOL = _ClientPool()


async def _send_creating_queue(queue: QueueClient, text: str) -> None:
    try:
        await queue.send_message(text)
    except ResourceNotFoundError:  # QueueNotFound: create the queue, as Azure's output binding does
        with contextlib.suppress(ResourceExistsError):
            await queue.create_queue()
        await queue.send_message(text)


class QueueOutput:
    def __init__(self, settings: QueueBindingSettings, host_config: HostConfig) -> None:
        self._queue_name = settings.queue_name
        self._template = parse_template(settings.queue_name) if "{" in settings.queue_name else None
        self.uses_binding_data = self._template is not None and self._template.has_parameters
        self._setting_name = settings.connection.setting_name
        self._encoding = QUEUE.options(host_config).message_encoding
        conn = settings.connection.effective_connection_string("queue")
        if conn is None:
            raise ConfigurationError(
                f"Queue output to '{self._queue_name}' uses the identity-based connection '{self._setting_name}', "
                f"which funchost does not support yet. Fix: set '{self._setting_name}' to a storage connection string"
            )
        service_client(conn, f"Queue output to '{self._queue_name}'", self._setting_name)  # validate; connect later
        self._conn = conn
        self._shared: _Shared | None = None

    async def send(self, value: Any, binding_data: Mapping[str, Any] | None = None) -> None:
        try:  # convert everything first, so a bad item sends nothing
            texts = [encode_body(body, self._encoding) for body in output_bodies(value)]
        except QueueOutputError as exc:
            raise QueueOutputError(f"queue output to '{self._queue_name}': {exc}") from None
        name = self._bound_name(binding_data or {})
        if self._shared is None:
            self._shared = _POOL.acquire(self._conn)
        queue = self._shared.service.get_queue_client(name)
        try:
            for text in texts:
                await _send_creating_queue(queue, text)
        except AzureError as exc:
            if isinstance(exc, ServiceRequestError):
                await _POOL.reconnect(self._shared, self._conn)
            raise self._error(exc, queue.url.split("?", 1)[0]) from exc
        QUEUE_WATCHER.notify(queue.url)

    def _bound_name(self, binding_data: Mapping[str, Any]) -> str:
        if self._template is None:
            return self._queue_name
        name = self._template.bind(binding_data, SystemBindingData()).lower()
        problem = entity_name_problem("storage-queue", name)
        if problem is not None:
            raise BindingDataError(
                f"Invalid queue name '{name}' bound from '{self._queue_name}': it {problem}. Fix: bind queueName to "
                "values that make a valid queue name (3-63 lowercase letters, digits and single hyphens)"
            )
        return name

    def _error(self, exc: AzureError, url: str) -> QueueSendError:
        if isinstance(exc, HttpResponseError) and exc.status_code == 413:
            fix = (
                "keep each message within the 64 KiB the queue service accepts (base64 adds a third); put large "
                "payloads in blob storage and send a reference"
            )
        else:
            fix = f"make sure the storage service is reachable, or correct the app setting '{self._setting_name}'"
        reason = exc.message.splitlines()[0] if exc.message else repr(exc)
        return QueueSendError(
            f"queue output to '{self._queue_name}' at {url} (connection setting '{self._setting_name}') failed: "
            f"{reason}. Fix: {fix}"
        )

    async def aclose(self) -> None:
        if self._shared is not None:
            shared, self._shared = self._shared, None
            await _POOL.release(shared, self._conn)
