"""Timer trigger: NCRONTAB / cron / TimeSpan schedules, runOnStartup, past-due detection, one firing per occurrence.

With `AzureWebJobsStorage` set, only the instance holding the listener lease (see `singleton.py`) runs the
schedule, so each occurrence fires once however many instances run; the schedule status (`useMonitor`)
is kept in the same storage. Without storage every instance fires on its own (logged at start).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from azure.storage.blob.aio import BlobServiceClient

from funchost.bindings.timer import timer_request
from funchost.errors import ConnectionSettingError, InvocationError, ScheduleError
from funchost.metadata.binding_settings import TimerTriggerSettings
from funchost.metadata.connections import storage_connection
from funchost.metadata.spec import lookup
from funchost.triggers.base import ListenerContext, ListenerState
from funchost.triggers.timer.ncrontab import parse_schedule, schedule_timezone
from funchost.triggers.timer.schedule_monitor import ScheduleMonitor, ScheduleStatus
from funchost.triggers.timer.singleton import ListenerLock, SingletonOptions

logger = logging.getLogger("funchost.timer")
MAX_SLEEP = 30.0  # re-read the wall clock at least this often (clock changes, suspend)


class TimerListener:
    def __init__(self, ctx: ListenerContext) -> None:
        assert isinstance(ctx.settings, TimerTriggerSettings)
        self._ctx = ctx
        self._settings = ctx.settings
        self._function = ctx.invoker.name
        self.name = f"timer:{self._function}"
        try:
            self._schedule = parse_schedule(self._settings.schedule)
            self._tz = schedule_timezone()
        except ScheduleError as exc:
            raise ScheduleError(f"Function '{self._function}': {exc}") from None
        self._options = SingletonOptions.from_host_json(_section(ctx, "singleton"))
        self._connection_string = self._storage_connection_string()
        self._state = ListenerState.STARTING
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._invocation: asyncio.Task[dict[str, Any]] | None = None
        self._service: BlobServiceClient | None = None
        self._lock: ListenerLock | None = None
        self._monitor: ScheduleMonitor | None = None

    def _storage_connection_string(self) -> str | None:
        try:
            connection = storage_connection(None, where=f"Timer function '{self._function}'", service="blob")
        except ConnectionSettingError:
            logger.warning(
                "Timer '%s' runs on every instance: AzureWebJobsStorage is not set, so there is no singleton lock "
                "or schedule monitor. Set it (UseDevelopmentStorage=true for Azurite) to fire each occurrence once.",
                self._function,
            )
            return None
        return connection.effective_connection_string("blob")

    # -- Listener contract -------------------------------------------------------------------------------------

    def state(self) -> ListenerState:
        return self._state

    def detail(self) -> str:
        """Why it is in standby (shown by /readyz)."""
        if self._state is ListenerState.STANDBY:
            return "another instance holds this timer's lock and runs the schedule; this one waits to take over"
        return ""

    @property
    def in_flight(self) -> int:
        return 1 if self._invocation is not None and not self._invocation.done() else 0

    async def start(self) -> None:
        if self._connection_string is not None:
            self._service = BlobServiceClient.from_connection_string(self._connection_string)
            self._lock = ListenerLock(self._service, self._ctx.host_id, self._function, self._options)
            if self._settings.use_monitor:
                self._monitor = ScheduleMonitor(self._service, self._ctx.host_id, self._function)
        self._task = asyncio.create_task(self._run(), name=self.name)
        logger.info("Timer '%s' started with schedule '%s'", self._function, self._settings.schedule)

    async def stop(self, grace_seconds: float) -> None:
        self._state = ListenerState.STOPPING
        self._stopping.set()
        if self._invocation is not None and not self._invocation.done():
            done, _ = await asyncio.wait({self._invocation}, timeout=grace_seconds)
            if not done:
                logger.error(
                    "Timer '%s' invocation still running after %.0f s; cancelling it", self._function, grace_seconds
                )
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._lock is not None:
            await self._lock.release()
        if self._service is not None:
            await self._service.close()
        self._state = ListenerState.STOPPED

    async def trigger_manually(self, payload: str) -> None:
        await self._invoke(past_due=False, last=None, next_=None)

    # -- the schedule ------------------------------------------------------------------------------------------

    async def _run(self) -> None:
        first = True
        while not self._stopping.is_set():
            keeper = None
            if self._lock is not None:
                self._state = ListenerState.STANDBY
                while not await self._lock.try_acquire():
                    if await self._sleep(self._options.recovery_polling_interval):
                        return
                keeper = asyncio.create_task(self._lock.keep())
                logger.info("Timer '%s' holds the listener lock; this instance runs the schedule", self._function)
            self._state = ListenerState.RUNNING
            try:
                await self._on_listening(first)
                first = False
                await self._schedule_loop()
            finally:
                if keeper is not None:
                    keeper.cancel()

    async def _on_listening(self, first: bool) -> None:
        now = datetime.now(self._tz)
        status = await self._monitor.read() if self._monitor else None
        if status is not None and status.next is not None and status.next.astimezone(UTC) < now.astimezone(UTC):
            logger.info("Timer '%s' is past due (missed %s); running now", self._function, status.next.isoformat())
            await self._invoke(past_due=True, last=status.last, next_=self._schedule.next_after(now))
        elif first and self._settings.run_on_startup:
            await self._invoke(past_due=False, last=status.last if status else None, next_=None)

    async def _schedule_loop(self) -> None:
        last: datetime | None = None
        while not self._stopping.is_set():
            if self._lock is not None and self._lock.lost.is_set():
                return
            occurrence = self._schedule.next_after(datetime.now(self._tz))
            await self._record(last, occurrence)
            # Compare in UTC: same-zone datetime arithmetic ignores `fold` in the repeated autumn hour.
            while (remaining := (occurrence.astimezone(UTC) - datetime.now(UTC)).total_seconds()) > 0:
                if await self._sleep(min(remaining, MAX_SLEEP)):
                    return
            if self._lock is not None and self._lock.lost.is_set():
                return
            following = self._schedule.next_after(occurrence)
            await self._invoke(past_due=False, last=last, next_=following)
            last = occurrence

    async def _record(self, last: datetime | None, occurrence: datetime) -> None:
        if self._monitor is not None:
            await self._monitor.write(ScheduleStatus(last=last, next=occurrence, last_updated=datetime.now(self._tz)))

    async def _sleep(self, seconds: float) -> bool:
        """Sleep unless stopping; True means stop was requested."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        return self._stopping.is_set()

    async def _invoke(self, *, past_due: bool, last: datetime | None, next_: datetime | None) -> None:
        updated = datetime.now(self._tz)
        binding = self._ctx.invoker.spec.trigger.name

        def inputs() -> dict[str, object]:
            return {binding: timer_request(past_due=past_due, last=last, next_=next_, last_updated=updated)}

        self._invocation = asyncio.create_task(
            self._ctx.invoker.invoke_with_retries(inputs, self._ctx.invoker.spec.retry)
        )
        try:
            await asyncio.shield(self._invocation)
        except InvocationError:
            pass  # logged by the invoker with its traceback; the timer keeps its schedule
        # Shutdown waits for the shielded invocation in stop().


def _section(ctx: ListenerContext, name: str) -> dict[str, object]:
    value = lookup(ctx.app.host_config.raw, name, {}) or {}
    return dict(value) if isinstance(value, dict) else {}
