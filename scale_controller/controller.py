"""Assembling a running controller for one app: metadata → scalers → loop over a scale target.

Used by `funchost up` (local workers) and `funchost scale run` (any target); both hand in the target and the
policy, this module owns the wiring and the orderly close (scalers, then the target).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Sequence
from pathlib import Path

from scale_controller import status
from scale_controller.app_metadata import AppMetadata
from scale_controller.decision import Decision, Reading
from scale_controller.loop import ScaleLoop
from scale_controller.policy import Policy
from scale_controller.scalers import TriggerSource, scaler_factories
from scale_controller.targets.base import ScaleTarget


def build_loop(
    app: AppMetadata,
    target: ScaleTarget,
    policy: Policy,
    *,
    interval: float,
    status_path: Path | None = None,
    on_tick: Callable[[Sequence[Reading], Decision | None], None] | None = None,
    sources: Sequence[TriggerSource] | None = None,
    extra_sources: Sequence[TriggerSource] = (),
) -> ScaleLoop:
    """`sources` default: one per event-triggered function (`scaler_factories`). `extra_sources`: scalers the
    metadata alone cannot build (the HTTP scaler of `funchost up` measures the workers and the listening socket it
    owns); they come after the event functions' scalers."""
    sources = [*(scaler_factories(app) if sources is None else sources), *extra_sources]
    path = status_path or (status.default_path(app.script_root) if app.script_root else None)
    return ScaleLoop(sources, target, policy, interval=interval, status_path=path, on_tick=on_tick)


async def run_until_stopped(loop: ScaleLoop, target: ScaleTarget, stop: asyncio.Event) -> None:
    try:
        await loop.run(stop)
    finally:
        await target.aclose()


async def run_until_signalled(loop: ScaleLoop, target: ScaleTarget) -> None:
    """`run_until_stopped` until SIGINT or SIGTERM (the process's own stop signals)."""
    stop = asyncio.Event()
    running = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        running.add_signal_handler(sig, stop.set)
    await run_until_stopped(loop, target, stop)
