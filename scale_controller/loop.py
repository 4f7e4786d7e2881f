"""The scale loop: every `interval`, query all scalers concurrently, decide, scale, publish the status.

As KEDA's `pkg/scaling/scale_handler.go` `startScaleLoop` (a timer of `pollingInterval` per ScaledObject, started
before each check, so its lag is how late a tick starts against `previous start + interval`) and
`pkg/scaling/cache/scalers_cache.go` (scalers are cached; on an error a scaler is rebuilt through its stored factory
and asked once more before the failure counts; all are closed when the loop ends). The rule itself is
`scale_controller.decision.decide`; this module owns the clocks and the I/O around it. `wake()` makes the next
tick start at once (HTTP scale from zero, `scalers.http_wake`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from scale_controller import status
from scale_controller.decision import Decision, Reading, State, decide
from scale_controller.policy import Policy
from scale_controller.scalers.base import Measurement, Scaler, ScalerError, TriggerSource
from scale_controller.targets.base import ScaleTarget, TargetError

log = logging.getLogger("scale_controller.loop")


class _Slot:
    """A cached scaler with what the loop remembers about it."""

    def __init__(self, source: TriggerSource, name: str) -> None:
        self.source, self.name = source, name
        self.scaler: Scaler | None = None
        self.target: float | None = None  # last known target, for the fallback while the trigger fails
        self.builds = 0


class ScaleLoop:
    def __init__(
        self,
        triggers: Sequence[TriggerSource],
        target: ScaleTarget,
        policy: Policy | None = None,
        *,
        interval: float = 1.0,
        scaler_timeout: float = 10.0,
        status_path: Path | None = None,
        clock: Callable[[], float] = time.time,
        on_tick: Callable[[Sequence[Reading], Decision | None], None] | None = None,
    ) -> None:
        if interval <= 0 or scaler_timeout <= 0:
            raise ValueError(
                f"interval {interval} s / scaler timeout {scaler_timeout} s: expected both > 0. "
                "Fix: pass a positive polling interval and scaler timeout"
            )
        unique = len({t.function for t in triggers}) == len(triggers)
        self._slots = [_Slot(t, t.function if unique else f"{t.function}/{t.trigger}") for t in triggers]
        self.target, self.policy, self.interval, self.scaler_timeout = (
            target,
            policy or Policy(),
            interval,
            scaler_timeout,
        )
        self.status_path, self._clock = status_path, clock
        self.lag = status.LagStats()
        self.last_decision: Decision | None = None
        self.on_tick = on_tick  # e.g. the live display of `funchost up`
        self._state: State | None = None
        self._started_at = clock()
        self._last_change: dict[str, Any] | None = None
        self._target_error: str | None = None
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Tick now instead of at the next poll (a connection arrived while at 0 workers, `scalers.http_wake`)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Tick every `interval` until `stop` is set, then close the scalers (the caller closes the target)."""
        planned = time.monotonic()
        try:
            while not stop.is_set():
                started = time.monotonic()
                self.lag.add(max(0.0, started - planned))
                try:
                    await self.tick()
                except Exception:  # a bug must not stop autoscaling: log it, try again next tick
                    log.exception("scale loop tick failed")
                planned = started + self.interval
                await self._sleep(stop, max(0.0, planned - time.monotonic()))
                if self._wake.is_set():  # an early tick: not late against any plan
                    self._wake.clear()
                    planned = time.monotonic()
        finally:
            await self.aclose()

    async def _sleep(self, stop: asyncio.Event, seconds: float) -> None:
        """Until `seconds` passed, `stop` is set or `wake()` was called."""
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()

    async def tick(self) -> Decision | None:
        """One poll: measure, decide, scale when desired ≠ current, publish. None when the target was unreadable."""
        readings = list(await asyncio.gather(*(self._read(slot) for slot in self._slots)))
        now = self._clock()
        try:
            current = await self.target.current()
        except Exception as exc:
            self._target_error = f"cannot read the current replicas: {_describe(exc)}"
            log.error("%s: %s", self.target.name, self._target_error)
            self._publish(readings, None, now)
            if self.on_tick is not None:
                self.on_tick(readings, None)
            return None
        self._target_error = None
        decision = decide(readings, current, self.policy, self._state or self._initial_state(now, current), now)
        self._state = decision.state
        log.log(
            logging.INFO if decision.desired != current else logging.DEBUG,
            "%s %s [lag %.1f ms]",
            self.target.name,
            decision.reason,
            self.lag.last * 1000,
        )
        if decision.desired != current:
            try:
                await self.target.scale_to(decision.desired)
            except Exception as exc:
                self._state = decision.state_if_not_applied
                self._target_error = f"cannot scale to {decision.desired}: {_describe(exc)}"
                log.error("%s: %s", self.target.name, self._target_error)
            else:
                self._last_change = {"at": now, "from": current, "to": decision.desired, "reason": decision.reason}
        self.last_decision = decision
        self._publish(readings, decision, now)
        if self.on_tick is not None:
            self.on_tick(readings, decision)
        return decision

    def _initial_state(self, now: float, current: int) -> State:
        # KEDA keeps lastActiveTime in the ScaledObject's status, so a restarted operator still honours the cooldown;
        # ours survives in the previous status document of the same target.
        state = State.initial(now, current)
        if self.status_path is not None:
            with contextlib.suppress(status.StatusError, KeyError, TypeError, ValueError):
                previous = status.read(self.status_path)
                if previous["target"] == self.target.name and previous["last_active_at"] is not None:
                    state = replace(state, last_active_at=float(previous["last_active_at"]))
        return state

    async def aclose(self) -> None:
        for slot in self._slots:
            await self._discard(slot)

    async def _read(self, slot: _Slot) -> Reading:
        try:
            measurement = await self._measure(slot)
        except Exception as first:
            log.info("%s: %s; rebuilding its scaler and asking once more", slot.name, _describe(first))
            await self._discard(slot)
            try:
                measurement = await self._measure(slot)
            except Exception as second:
                log.warning("%s: %s", slot.name, _describe(second))
                return Reading(slot.name, None, slot.target, error=_describe(second))
        slot.target = measurement.target
        return Reading(slot.name, measurement.value, measurement.target, measurement.active)

    async def _measure(self, slot: _Slot) -> Measurement:
        if slot.scaler is None:
            slot.scaler = slot.source.factory()
            slot.builds += 1
        try:
            async with asyncio.timeout(self.scaler_timeout):
                return await slot.scaler.measure()
        except TimeoutError:
            raise TimeoutError(f"no answer within {self.scaler_timeout:g} s") from None

    async def _discard(self, slot: _Slot) -> None:
        scaler, slot.scaler = slot.scaler, None
        if scaler is not None:
            try:
                await scaler.aclose()
            except Exception as exc:
                log.warning("%s: closing its scaler failed: %s", slot.name, _describe(exc))

    def _publish(self, readings: Sequence[Reading], decision: Decision | None, now: float) -> None:
        if self.status_path is None:
            return
        proposals = {p.name: p for p in decision.proposals} if decision else {}
        failures = self._state.failures if self._state else {}
        rows = [
            status.trigger_row(
                slot.source.function,
                slot.source.trigger,
                slot.name,
                getattr(slot.scaler, "name", None),
                reading,
                proposals.get(slot.name),
                failures.get(slot.name, 0),
            )
            for slot, reading in zip(self._slots, readings, strict=True)
        ]
        document = status.document(
            target=self.target.name,
            started_at=self._started_at,
            now=now,
            interval=self.interval,
            scaler_timeout=self.scaler_timeout,
            policy=self.policy,
            decision=decision,
            active=any(r.active for r in readings),
            target_error=self._target_error,
            last_active_at=self._state.last_active_at if self._state else None,
            last_change=self._last_change,
            lag=self.lag,
            triggers=rows,
        )
        try:
            status.write(self.status_path, document)
        except OSError as exc:
            log.warning("cannot write the scale status to %s: %s", self.status_path, exc)


def _describe(exc: BaseException) -> str:
    # Our own errors already say what failed and how to fix it; anything else gets its type as context.
    text = str(exc)
    return text if text and isinstance(exc, ScalerError | TargetError) else f"{type(exc).__name__}: {text}"
