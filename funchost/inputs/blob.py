"""The `blob` input binding: per invocation, bind the path to the trigger's binding data and read the blob as the
parameter's type (`funchost.bindings.blob`), or hand over an SDK client (`BlobClient`, `ContainerClient`,
`StorageStreamDownloader`, sync types as `azurefunctions-extensions-bindings-blob` gives them) so the function
streams the blob itself. A missing blob (or container) is None, as on Azure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from concurrent.futures import Executor
from typing import Any

from azure.core.exceptions import AzureError, ResourceNotFoundError

from funchost.bindings.blob import input_kind, sdk_type, split_path, to_parameter
from funchost.brokers.azure_storage import (
    BlobClientsPerLoop,
    blob_connection_string,
    describe,
    sync_blob_service_client,
)
from funchost.errors import FunchostError
from funchost.metadata.binding_templates import SystemBindingData
from funchost.metadata.blob_settings import BlobBindingSettings


class BlobReadError(FunchostError):
    """The storage service refused or could not be reached while reading an input blob."""


class BlobInput:
    def __init__(
        self, settings: BlobBindingSettings, function: str, binding: str, annotation: Any, executor: Executor
    ) -> None:
        self._settings = settings
        self._system = SystemBindingData(function)
        self._where = f"Function '{function}' binding '{binding}' (blob)"
        self._conn = blob_connection_string(settings.connection, self._where)
        self._sdk = sdk_type(annotation)
        self._kind = input_kind(annotation, settings.data_type)
        self._executor = executor
        self._clients = BlobClientsPerLoop(self._conn)

    async def read(self, binding_data: Mapping[str, Any]) -> Any:
        path = self._settings.path.bind(binding_data, self._system)
        container, blob = split_path(path, container_only=self._sdk == "ContainerClient")
        if self._sdk is not None:
            return await self._sdk_value(container, blob)
        client = self._client().get_blob_client(container, blob)
        try:
            downloader = await client.download_blob()
            content = await downloader.readall()
        except ResourceNotFoundError:  # BlobNotFound or ContainerNotFound: the parameter is None
            return None
        except AzureError as exc:
            raise self._error(exc, path) from exc
        return to_parameter(content, self._kind)

    async def _sdk_value(self, container: str, blob: str) -> Any:
        service = sync_blob_service_client(self._conn)
        if self._sdk == "ContainerClient":
            return service.get_container_client(container)
        client = service.get_blob_client(container, blob)
        if self._sdk == "BlobClient":
            return client
        try:  # StorageStreamDownloader: the first range is fetched now, the rest as the function reads
            return await asyncio.get_running_loop().run_in_executor(self._executor, client.download_blob)
        except ResourceNotFoundError:
            return None
        except AzureError as exc:
            raise self._error(exc, f"{container}/{blob}") from exc

    def _client(self) -> Any:
        return self._clients.current()

    def _error(self, exc: AzureError, path: str) -> BlobReadError:
        name = self._settings.connection.setting_name
        return BlobReadError(
            f"reading blob '{path}' failed: {describe(exc)}. Fix: make sure the storage service is reachable and "
            f"that app setting '{name}' is the right account's connection string"
        )

    async def aclose(self) -> None:
        await self._clients.aclose()
