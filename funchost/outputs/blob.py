"""The `blob` output binding: the path is bound to the invocation's binding data (`out/{name}`, `{rand-guid}`),
the value (`str`, `bytes`, file-like) is uploaded (as a stream: aiohttp warns that large raw bytes block the
loop), replacing the blob, and the container is created if it does not exist (Azure's blob output does the same).
`uses_binding_data` (the path has expressions) tells the dispatcher to pass the data.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping
from typing import Any

from azure.core.exceptions import AzureError, ResourceExistsError, ResourceNotFoundError

from funchost.bindings.blob import split_path, to_content
from funchost.brokers.azure_storage import BlobClientsPerLoop, blob_connection_string, describe, error_code
from funchost.errors import FunchostError
from funchost.metadata.binding_templates import SystemBindingData
from funchost.metadata.blob_settings import BlobBindingSettings
from funchost.metadata.host_config import HostConfig


class BlobWriteError(FunchostError):
    """The storage service refused a blob output (the invocation fails, so its input is retried)."""


class BlobOutput:
    def __init__(self, settings: BlobBindingSettings, host_config: HostConfig) -> None:
        self._settings = settings
        # A fixed path needs no binding data. (`{rand-guid}` does: trigger data with that name would win.)
        self.uses_binding_data = settings.path.has_parameters
        self._conn = blob_connection_string(settings.connection, f"Blob output to '{settings.path.pattern}'")
        self._system = SystemBindingData()
        self._clients = BlobClientsPerLoop(self._conn)

    async def send(self, value: Any, binding_data: Mapping[str, Any] | None = None) -> None:
        content = to_content(value)
        path = self._settings.path.bind(binding_data or {}, self._system)
        container, blob = split_path(path)
        service = self._client()
        client = service.get_blob_client(container, blob)
        try:
            try:
                await client.upload_blob(io.BytesIO(content), length=len(content), overwrite=True)
            except ResourceNotFoundError as exc:
                if error_code(exc) not in ("ContainerNotFound", ""):
                    raise
                with contextlib.suppress(ResourceExistsError):
                    await service.create_container(container)
                await client.upload_blob(io.BytesIO(content), length=len(content), overwrite=True)
        except AzureError as exc:
            name = self._settings.connection.setting_name
            raise BlobWriteError(
                f"writing blob '{path}' failed: {describe(exc)}. Fix: make sure the storage service is reachable "
                f"and that app setting '{name}' is the right account's connection string"
            ) from exc

    def _client(self) -> Any:
        return self._clients.current()

    async def aclose(self) -> None:
        await self._clients.aclose()
