"""Running a native ASGI app's lifespan (FastAPI startup/shutdown handlers, `lifespan=` contexts) with the host's.

`AppLifespan(name, app)` speaks the ASGI lifespan protocol to one user app: `startup()` when the host starts,
`shutdown()` when it stops. Its `state` dict is the app's lifespan state; requests get a shallow copy in
`scope["state"]`, as ASGI servers do. An app that does not speak lifespan (raises on the scope before answering)
is served without it, like uvicorn's `lifespan="auto"`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.types import ASGIApp, Message

from funchost.errors import StartupError

logger = logging.getLogger("funchost.http.lifespan")
SHUTDOWN_TIMEOUT = 30  # seconds an app's shutdown handlers get before the host stops waiting


class AppLifespan:
    def __init__(self, name: str, app: ASGIApp) -> None:
        self.name = name
        self.app = app
        self.state: dict[str, Any] = {}
        self.supported = True
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._answers: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._answered = False

    async def startup(self) -> None:
        """Send `lifespan.startup`; raise `StartupError` if the app reports a failure."""
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": self.state}
        self._task = asyncio.create_task(self._run(scope), name=f"lifespan:{self.name}")
        await self._inbox.put({"type": "lifespan.startup"})
        answer = await self._answers.get()
        if answer["type"] == "lifespan.startup.failed":
            lines = str(answer.get("message") or "").strip().splitlines()  # Starlette sends the whole traceback
            raise StartupError(
                f"The ASGI app of function '{self.name}' failed its startup: {lines[-1] if lines else 'no message'}. "
                "Fix: see the app's startup handlers / lifespan function (the traceback is logged above)"
            )

    async def shutdown(self) -> None:
        """Send `lifespan.shutdown` and wait for the app to finish its shutdown handlers."""
        if self._task is None or self._task.done():
            return
        await self._inbox.put({"type": "lifespan.shutdown"})
        try:
            answer = await asyncio.wait_for(self._answers.get(), SHUTDOWN_TIMEOUT)
        except TimeoutError:
            logger.error(
                "The ASGI app of function '%s' did not finish its shutdown in %d s", self.name, SHUTDOWN_TIMEOUT
            )
            self._task.cancel()
            return
        if answer["type"] == "lifespan.shutdown.failed":
            logger.error("The ASGI app of function '%s' failed its shutdown: %s", self.name, answer.get("message"))
        await asyncio.wait({self._task}, timeout=5)

    async def _run(self, scope: dict[str, Any]) -> None:
        try:
            await self.app(scope, self._receive, self._send)
        except BaseException as exc:
            if self._answered:
                logger.exception("The ASGI app of function '%s' failed in its lifespan", self.name)
            else:
                self.supported = False
                logger.info("The ASGI app of function '%s' does not support lifespan (%r)", self.name, exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
        finally:
            done = {"type": "lifespan.shutdown.complete"} if self._answered else {"type": "lifespan.startup.complete"}
            await self._answers.put(done)  # never leave startup()/shutdown() waiting on an app that has exited

    async def _receive(self) -> Message:
        return await self._inbox.get()

    async def _send(self, message: Message) -> None:
        self._answered = True
        await self._answers.put(message)
