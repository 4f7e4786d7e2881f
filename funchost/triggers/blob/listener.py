"""Blob trigger, polling source (`LogsAndContainerScan`): scan → receipt → shared queue → function.

Every `scan interval` (10 s, ScanBlobScanLogHybridPollingStrategy.PollingInterval; FUNCHOST_BLOB_SCAN_INTERVAL
overrides it) the listener lists one page of its container (`scanner`), claims a receipt for each new or changed
blob version that matches the path pattern and queues it (`executor.enqueue`, `receipts`); the host's one
consumer of the shared queue runs the function (`shared_queue`, `executor.run`) and settles the message, moving it
to `webjobs-blobtrigger-poison` after poisonBlobThreshold failures (`poison`). Receipts make this safe with many
instances and across restarts; the queue makes processing at-least-once (a `kill -9` mid-function leaves the
message to reappear, mid-scan leaves an incomplete receipt whose lease lapses and the mark before the blob).

With `source: EventGrid` there is no scan: Event Grid's BlobCreated events reach the webhook, which hands them to
`events` (`eventgrid.BlobEventReceiver`) to be queued; the queue and function run as above.

A container that does not exist is reported (a warning naming the function, binding and fix, and the `waiting`
state in /readyz) and polled for until it exists, as the extension does; storage that cannot be reached is retried
with back-off, as the queue trigger.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

from azure.core.exceptions import AzureError

from funchost.brokers.azure_storage import (
    blob_service_client,
    describe,
    invalid_connection_string,
    is_unreachable,
    service_client,
)
from funchost.errors import ConfigurationError
from funchost.metadata.trigger_kinds import BLOB
from funchost.triggers.base import ListenerContext, ListenerState
from funchost.triggers.blob.convert import blob_kind
from funchost.triggers.blob.eventgrid import BlobEventReceiver
from funchost.triggers.blob.executor import BlobTriggerExecutor
from funchost.triggers.blob.receipts import BlobReceipts
from funchost.triggers.blob.scanner import Candidate, ContainerScanner, quoted_etag
from funchost.triggers.blob.shared_queue import SharedBlobQueue

logger = logging.getLogger("funchost.blob")
SCAN_INTERVAL_SETTING = "FUNCHOST_BLOB_SCAN_INTERVAL"
DEFAULT_SCAN_INTERVAL = 10.0
RECEIPT_CONCURRENCY = 32  # receipts claimed at once while a page is handled
_SHARED: dict[str, SharedBlobQueue] = {}  # one consumer per host id and storage account


def scan_interval(function: str) -> float:
    raw = os.environ.get(SCAN_INTERVAL_SETTING, "").strip()
    if not raw:
        return DEFAULT_SCAN_INTERVAL
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0.05 <= value <= 3600:
        raise ConfigurationError(
            f"Blob trigger of function '{function}': {SCAN_INTERVAL_SETTING} is {raw!r}; expected seconds from 0.05 "
            f"to 3600 (default {DEFAULT_SCAN_INTERVAL:g}, as Azure). Fix: correct or unset it"
        )
    return value


class BlobListener:
    def __init__(self, ctx: ListenerContext) -> None:
        function = self._function = ctx.invoker.name
        settings = BLOB.settings(ctx.settings, function)
        self.name = f"blob:{function}"
        self._binding = ctx.invoker.spec.trigger.name
        self._where = f"Blob trigger of function '{function}' (binding '{self._binding}', path '{settings.path}')"
        self._settings = settings
        options = BLOB.options(ctx.app.host_config)
        self._interval = scan_interval(function)
        setting = settings.connection.setting_name
        conn = settings.connection.effective_connection_string("blob")
        if conn is None:
            raise ConfigurationError(
                f"{self._where} uses the identity-based connection '{setting}', which funchost does not support "
                f"yet. Fix: set '{setting}' to a storage connection string"
            )
        try:
            self._blobs = blob_service_client(conn)
        except ValueError as exc:
            raise invalid_connection_string(self._where, setting, exc) from None
        key = f"{ctx.host_id}|{conn}"
        if key not in _SHARED:
            _SHARED[key] = SharedBlobQueue(service_client(conn, self._where, setting), ctx.host_id, options, setting)
        self._shared_key, self._shared = key, _SHARED[key]
        self._function_id = f"Host.Functions.{function}"
        self._container = self._blobs.get_container_client(settings.container)
        annotation = ctx.app.function(function).annotations.get(self._binding)
        self.executor = BlobTriggerExecutor(
            self._container,
            BlobReceipts(self._blobs, ctx.host_id, self._function_id),
            self._shared,
            function_id=self._function_id,
            matcher=settings.capture(),
            invoker=ctx.invoker,
            binding=self._binding,
            kind=blob_kind(function, self._binding, annotation),
            check_etag=settings.source != "EventGrid",
        )
        self.events: BlobEventReceiver | None = None  # set with the EventGrid source: no scan then
        if settings.source == "EventGrid":
            self.events = BlobEventReceiver(
                function_id=self._function_id,
                container=settings.container,
                matcher=self.executor.matcher,
                queue=self._shared,
                account_url=self._blobs.url,
            )
        self.scanner = ContainerScanner(
            self._blobs, self._container, host_id=ctx.host_id, function_id=self._function_id, prefix=settings.prefix
        )
        self._state = ListenerState.STARTING
        self._problem = ""
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._claims = asyncio.Semaphore(RECEIPT_CONCURRENCY)

    def state(self) -> ListenerState:
        return self._state

    def detail(self) -> str:
        return self._problem

    @property
    def in_flight(self) -> int:
        return self._shared.in_flight

    async def start(self) -> None:
        if self.events is not None:
            await self._shared.ensure_queue()
            self._shared.register(self._function_id, self.executor.run)
            self._state = ListenerState.RUNNING
            logger.info(
                "Blob trigger '%s' takes Event Grid events for container '%s' (pattern '%s') at "
                "/runtime/webhooks/blobs?functionName=%s, through queue '%s'",
                self._function,
                self._settings.container,
                self._settings.blob_pattern or "*",
                self._function_id,
                self._shared.name,
            )
            return
        try:
            exists = await self._container.exists()
        except AzureError as exc:
            exists = True  # storage unreachable now: the scan loop retries and reports it
            logger.error("%s cannot reach blob storage yet: %s; retrying", self._where, describe(exc))
        if not exists:  # as the extension: say so and keep polling (the queue trigger waits for its queue too)
            self._state = ListenerState.WAITING
            self._problem = f"container '{self._settings.container}' does not exist"
            logger.warning(
                "%s: container '%s' does not exist at %s; the trigger scans again every %g s until it does. "
                "Fix: create the container (the blob trigger does not create it), or correct the container name "
                "in path",
                self._where,
                self._settings.container,
                self._blobs.url.split("?", 1)[0],
                self._interval,
            )
        await self._shared.ensure_queue()
        self._shared.register(self._function_id, self.executor.run)
        self._task = asyncio.create_task(self._run(), name=self.name)
        logger.info(
            "Blob trigger '%s' scanning container '%s' (pattern '%s', every %g s) through queue '%s'",
            self._function,
            self._settings.container,
            self._settings.blob_pattern or "*",
            self._interval,
            self._shared.name,
        )

    async def stop(self, grace_seconds: float) -> None:
        self._state = ListenerState.STOPPING
        self._stopping.set()
        if self._task is not None:
            await self._task
        self._shared.unregister(self._function_id)
        if self._shared.handlers == 0 and _SHARED.get(self._shared_key) is self._shared:
            del _SHARED[self._shared_key]
            await self._shared.stop(grace_seconds)
        await self._blobs.close()
        self._state = ListenerState.STOPPED

    async def trigger_manually(self, payload: str) -> None:
        """POST /admin/functions/{name} with input "<container>/<blob>" (or the blob name) runs it on that blob."""
        name = payload.strip().removeprefix(f"{self._settings.container}/")
        properties = await self._container.get_blob_client(name).get_blob_properties()
        await self.executor.run({"BlobName": name, "ETag": quoted_etag(properties.etag)})

    async def _run(self) -> None:
        loaded, last_problem = False, ""
        while not self._stopping.is_set():
            try:
                if not loaded:
                    await self.scanner.load()
                    loaded = True
                await self.scan_once()
                self._state, self._problem = ListenerState.RUNNING, ""
                if self.scanner.container_missing:
                    self._state = ListenerState.WAITING
                    self._problem = f"container '{self._settings.container}' does not exist"
            except AzureError as exc:
                self._state = ListenerState.FAILED
                self._problem = f"cannot scan container '{self._settings.container}': {describe(exc)}"
                if self._problem != last_problem:
                    fix = "start the storage service" if is_unreachable(exc) else "check the connection setting"
                    logger.error("%s: %s; retrying. Fix: %s", self._where, self._problem, fix)
            except Exception:
                logger.exception("%s: unexpected error while scanning; retrying", self._where)
            last_problem = self._problem
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._interval)

    async def scan_once(self) -> None:
        """One poll: a page of the listing, each candidate claimed and queued (or kept for the next poll)."""
        candidates = await self.scanner.poll()
        results = await asyncio.gather(*(self._claim(c) for c in candidates))
        await self.scanner.end_of_page([c for c, ok in zip(candidates, results, strict=True) if not ok])

    async def _claim(self, blob: Candidate) -> bool:
        async with self._claims:
            try:
                return await self.executor.enqueue(blob)
            except AzureError as exc:
                logger.warning(
                    "%s: blob '%s' not queued (%s); retried next poll", self._where, blob.name, describe(exc)
                )
                return False
