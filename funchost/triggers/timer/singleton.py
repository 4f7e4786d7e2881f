"""A blob-lease singleton lock in `AzureWebJobsStorage`, as the Functions host uses for timer listeners.

The instance that holds the lease on `azure-webjobs-hosts/locks/<hostId>/<function>.Listener` runs the
listener; the others stand by and try again every `listenerLockRecoveryPollingInterval`. host.json's
`singleton` section sets the periods (Azure defaults: listenerLockPeriod 60 s, recovery polling 60 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import HttpResponseError, ResourceExistsError, ServiceRequestError
from azure.storage.blob.aio import BlobClient, BlobLeaseClient, BlobServiceClient

from funchost.errors import HostJsonError
from funchost.metadata.extension_options import host_json_seconds

logger = logging.getLogger("funchost.singleton")
HOSTS_CONTAINER = "azure-webjobs-hosts"


@dataclass(frozen=True)
class SingletonOptions:
    listener_lock_period: float = 60.0
    recovery_polling_interval: float = 60.0

    @classmethod
    def from_host_json(cls, section: Mapping[str, Any]) -> SingletonOptions:
        options = cls(
            listener_lock_period=host_json_seconds(section, "listenerLockPeriod", 60.0, "singleton"),
            recovery_polling_interval=host_json_seconds(
                section, "listenerLockRecoveryPollingInterval", 60.0, "singleton"
            ),
        )
        if not 15 <= options.listener_lock_period <= 60:
            raise HostJsonError(
                f"host.json singleton.listenerLockPeriod is {options.listener_lock_period} s; blob leases last "
                "15 to 60 seconds. Fix: use a value between 00:00:15 and 00:01:00"
            )
        return options


class ListenerLock:
    """Acquire, renew and release one listener lease. `held` is an Event the listener can wait on."""

    def __init__(self, service: BlobServiceClient, host_id: str, function_name: str, options: SingletonOptions) -> None:
        self._container = service.get_container_client(HOSTS_CONTAINER)
        self._blob: BlobClient = self._container.get_blob_client(
            f"locks/{host_id}/Host.Functions.{function_name}.Listener"
        )
        self._options = options
        self._lease: BlobLeaseClient | None = None
        self.held = asyncio.Event()
        self.lost = asyncio.Event()

    async def try_acquire(self) -> bool:
        """One attempt; False when another instance holds it. Storage errors are logged, not raised."""
        try:
            await self._ensure_blob()
            lease = BlobLeaseClient(self._blob)
            await lease.acquire(lease_duration=int(self._options.listener_lock_period))
        except HttpResponseError as exc:
            if exc.status_code == 409:  # LeaseAlreadyPresent: another instance is the listener
                return False
            logger.warning("Could not take listener lock %s: %s", self._blob.blob_name, exc.message)
            return False
        except ServiceRequestError as exc:
            logger.warning("Storage unreachable for listener lock %s: %s", self._blob.blob_name, exc)
            return False
        self._lease = lease
        self.lost.clear()
        self.held.set()
        return True

    async def keep(self) -> None:
        """Renew at half the lease period until cancelled; set `lost` if a renewal fails."""
        interval = self._options.listener_lock_period / 2
        while self._lease is not None:
            await asyncio.sleep(interval)
            try:
                await self._lease.renew()
            except (HttpResponseError, ServiceRequestError) as exc:
                logger.error("Lost listener lock %s: %s", self._blob.blob_name, exc)
                self._lease = None
                self.held.clear()
                self.lost.set()

    async def release(self) -> None:
        lease, self._lease = self._lease, None
        self.held.clear()
        if lease is not None:
            with contextlib.suppress(HttpResponseError, ServiceRequestError):
                await lease.release()

    async def _ensure_blob(self) -> None:
        with contextlib.suppress(ResourceExistsError):
            await self._container.create_container()
        with contextlib.suppress(ResourceExistsError):
            await self._blob.upload_blob(b"", overwrite=False)
