"""Timer schedule status (`useMonitor`): last/next occurrence persisted in `AzureWebJobsStorage`.

Stored like the Functions host, at `azure-webjobs-hosts/timers/<hostId>/Host.Functions.<name>/status`
as `{"Last": ..., "Next": ..., "LastUpdated": ...}`; a `Next` in the past at start-up means an occurrence was
missed while no instance ran, so the function runs at once with `past_due` true.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError, ServiceRequestError
from azure.storage.blob.aio import BlobServiceClient

from funchost.triggers.timer.singleton import HOSTS_CONTAINER

logger = logging.getLogger("funchost.timer")


@dataclass(frozen=True)
class ScheduleStatus:
    last: datetime | None
    next: datetime | None
    last_updated: datetime | None


class ScheduleMonitor:
    def __init__(self, service: BlobServiceClient, host_id: str, function_name: str) -> None:
        self._blob = service.get_container_client(HOSTS_CONTAINER).get_blob_client(
            f"timers/{host_id}/Host.Functions.{function_name}/status"
        )

    async def read(self) -> ScheduleStatus | None:
        try:
            downloader = await self._blob.download_blob()
            doc = json.loads(await downloader.readall())
        except ResourceNotFoundError:
            return None
        except (HttpResponseError, ServiceRequestError, ValueError) as exc:
            logger.warning("Could not read timer status %s: %s", self._blob.blob_name, exc)
            return None

        def parse(key: str) -> datetime | None:
            value = doc.get(key)
            return datetime.fromisoformat(value) if isinstance(value, str) else None

        return ScheduleStatus(last=parse("Last"), next=parse("Next"), last_updated=parse("LastUpdated"))

    async def write(self, status: ScheduleStatus) -> None:
        doc = {
            "Last": status.last.isoformat() if status.last else None,
            "Next": status.next.isoformat() if status.next else None,
            "LastUpdated": status.last_updated.isoformat() if status.last_updated else None,
        }
        try:
            await self._blob.upload_blob(json.dumps(doc).encode(), overwrite=True)
        except (HttpResponseError, ServiceRequestError) as exc:
            logger.warning("Could not write timer status %s: %s", self._blob.blob_name, exc)
