"""Warmup trigger: the app's `warmup` function runs once as an instance is added, before it takes traffic.

On Azure the platform calls the new instance's `/admin/warmup` during scale-out, and the host runs the function
named `warmup` whose trigger is a `warmupTrigger` (funchost/metadata/warmup.py); restarts and other starts do not
run it. Here the scale controller plays the platform: every worker `funchost up` (or `scale run --target local`)
adds starts with `FUNCHOST_WARMUP=1`, and the host then runs the warmup function before its HTTP server accepts
and before its other triggers start (the workers already running serve meanwhile). A failure is logged and the
instance starts anyway, as on Azure. `/admin/warmup` (master key) and `POST /admin/functions/warmup` run it on
demand. The function gets a `WarmUpContext`, as the worker's WarmUpTriggerConverter gives it.
"""

from __future__ import annotations

import logging
import os

from azure.functions.warmup import WarmUpContext

from funchost.errors import InvocationError
from funchost.metadata.booleans import env_flag
from funchost.metadata.warmup import WARMUP_ENV, WARMUP_FUNCTION
from funchost.triggers.base import ListenerContext, ListenerState

logger = logging.getLogger("funchost.warmup")


def warmup_requested() -> bool:
    """True when this host was started as an added instance (`FUNCHOST_WARMUP`, set by the scale controller)."""
    return env_flag(os.environ, WARMUP_ENV)


class WarmupListener:
    def __init__(self, ctx: ListenerContext) -> None:
        self._invoker = ctx.invoker
        self._function = ctx.invoker.name
        self._parameter = ctx.invoker.spec.trigger.name
        self.name = f"warmup:{self._function}"
        self._running = 0
        if self._function.casefold() != WARMUP_FUNCTION:
            logger.warning(
                "Function '%s' has a warmupTrigger but is not named 'warmup', so it never runs (the host calls only "
                'the function named warmup, as on Azure). Fix: name it warmup (@app.function_name(name="warmup"))',
                self._function,
            )

    async def warm_up(self) -> bool:
        """Run the warmup function once; False (logged) if it failed."""
        try:
            await self._run()
        except InvocationError as exc:
            logger.error("The warmup function '%s' failed; the instance starts anyway: %s", self._function, exc)
            return False
        logger.info("Warmup function '%s' ran: this instance is warm", self._function)
        return True

    async def _run(self) -> None:
        self._running += 1
        try:
            await self._invoker.invoke({self._parameter: WarmUpContext()})
        finally:
            self._running -= 1

    async def start(self) -> None:
        return None  # nothing to listen to: the host calls warm_up() before it serves, when asked to

    async def stop(self, grace_seconds: float) -> None:
        return None  # a running warm-up is an invocation: the host's drain waits for it

    def state(self) -> ListenerState:
        return ListenerState.RUNNING

    @property
    def in_flight(self) -> int:
        return self._running

    async def trigger_manually(self, payload: str) -> None:
        await self._run()
