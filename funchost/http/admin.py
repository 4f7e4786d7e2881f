"""The Functions host admin API, master key only: host status, function listing, manual runs of non-HTTP functions.

- `GET /admin/host/status` → `{"id", "state", "version", "instanceId", "processUptime" (ms), …}` as Azure answers;
- `GET /admin/host/ping` → 200, no key needed (Azure's ping);
- `GET /admin/functions[/{name}]` → each function's name, function.json `config`, `invoke_url_template` (HTTP);
  functions in error are listed too, with `"error"` (funchost's addition) — as Azure lists every function's metadata;
- `GET /admin/functions/{name}/status` → `{"errors": [...]}` (empty for a function that runs), as Azure answers;
- `/admin/host/status` adds `functionErrors` (function → message) when some functions are in error;
- `POST /admin/functions/{name}` with `{"input": "..."}` → 202, the function runs in the background through its
  trigger's manual path; 404 unknown function; 400 HTTP function (call its URL instead) or a body without JSON;
- `GET|POST /admin/warmup` → runs the app's warmup function (funchost/triggers/warmup.py) and answers once it has
  run: 200, or 500 if it failed; 200 and nothing runs when the app has none, as the host's default warmup route.

Everything under `/admin` is reserved: unknown admin paths answer 404 and are never routed to functions.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, request_response

from funchost import __version__
from funchost.http.auth import KeyAuth
from funchost.http.health import HostStatus
from funchost.metadata.app_loader import LoadedApp
from funchost.metadata.binding_settings import HttpTriggerSettings
from funchost.metadata.function_errors import FunctionError
from funchost.metadata.host_identity import host_id
from funchost.metadata.warmup import warmup_function

logger = logging.getLogger("funchost.http.admin")

ManualTrigger = Callable[[str, str], Awaitable[None]]
_STARTED = time.monotonic()  # close enough to the process start: this module is imported while the host starts


class AdminApi:
    def __init__(
        self, app: LoadedApp, *, master: tuple[bytes, ...], status: HostStatus, manual_trigger: ManualTrigger
    ) -> None:
        self.app = app
        self.master = master
        self.status = status
        self.manual_trigger = manual_trigger
        self.host_id = host_id(app.script_root)
        self.background: set[asyncio.Task[None]] = set()  # manual runs in progress (kept referenced until done)

    def routes(self) -> list[BaseRoute]:
        def admin(endpoint: Callable[[Request], Awaitable[Response]]) -> KeyAuth:
            return KeyAuth(request_response(endpoint), self.master, "admin", "The admin API")

        async def not_found(request: Request) -> Response:
            return Response(status_code=404)

        api = [
            Route("/host/status", admin(self.host_status), methods=["GET"]),
            Route("/host/ping", self.ping, methods=["GET", "POST"]),
            Route("/functions", admin(self.list_functions), methods=["GET"]),
            Route("/functions/{name}", admin(self.get_function), methods=["GET"]),
            Route("/functions/{name}/status", admin(self.function_status), methods=["GET"]),
            Route("/functions/{name}", admin(self.run_function), methods=["POST"]),
            Route("/warmup", admin(self.warmup), methods=["GET", "POST"]),
            Route("/{rest:path}", not_found),
        ]
        return [Route("/admin", not_found), Mount("/admin", routes=api)]

    async def ping(self, request: Request) -> Response:
        return Response(status_code=200)

    async def host_status(self, request: Request) -> Response:
        errors = {error.name: error.message for error in self.app.errors}
        return JSONResponse(
            ({"functionErrors": errors} if errors else {})
            | {
                "id": self.host_id,
                "state": self.status.state,
                "version": __version__,
                "versionDetails": f"funchost {__version__}",
                "platformVersion": "",
                "instanceId": self.status.instance_id,
                "computerName": socket.gethostname(),
                "processUptime": int((time.monotonic() - _STARTED) * 1000),
                "functionAppContentEditingState": "NotAllowed",
            }
        )

    async def list_functions(self, request: Request) -> Response:
        listed = [self._describe(indexed.spec.name, request) for indexed in self.app.functions]
        return JSONResponse(listed + [self._describe_error(error, request) for error in self.app.errors])

    async def get_function(self, request: Request) -> Response:
        name = request.path_params["name"]
        error = self._error(name)
        if error is not None:
            return JSONResponse(self._describe_error(error, request))
        if not self._known(name):
            return Response(status_code=404)
        return JSONResponse(self._describe(name, request))

    async def function_status(self, request: Request) -> Response:
        name = request.path_params["name"]
        error = self._error(name)
        if error is None and not self._known(name):
            return Response(status_code=404)
        return JSONResponse({"errors": [error.message] if error is not None else []})

    async def run_function(self, request: Request) -> Response:
        name = request.path_params["name"]
        if not self._known(name):
            return Response(status_code=404)
        spec = self.app.function(name).spec
        if spec.is_http:
            return JSONResponse({"error": f"'{spec.name}' is an HTTP function: call its URL instead"}, 400)
        try:
            payload = json.loads(await request.body() or b"null")
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return JSONResponse({"error": 'the body must be a JSON object such as {"input": "..."}'}, 400)
        value = payload.get("input")
        text = "" if value is None else value if isinstance(value, str) else json.dumps(value)
        task = asyncio.create_task(self._run(spec.name, text), name=f"manual:{spec.name}")
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        return Response(status_code=202)

    async def warmup(self, request: Request) -> Response:
        name = warmup_function(f.spec for f in self.app.functions)
        if name is None:
            return Response(status_code=200)
        try:
            await self.manual_trigger(name, "")
        except Exception as exc:
            logger.error("The warmup function '%s' failed: %s", name, exc)  # its traceback is logged by the invoker
            return Response(status_code=500)
        return Response(status_code=200)

    async def _run(self, name: str, text: str) -> None:
        try:
            await self.manual_trigger(name, text)
        except Exception:
            logger.exception("The manual run of function '%s' failed", name)

    def _known(self, name: str) -> bool:
        return any(f.spec.name.casefold() == name.casefold() for f in self.app.functions)

    def _error(self, name: str) -> FunctionError | None:
        return next((e for e in self.app.errors if e.name.casefold() == name.casefold()), None)

    def _describe_error(self, error: FunctionError, request: Request) -> dict[str, Any]:
        base = str(request.base_url).rstrip("/")
        return {
            "name": error.name,
            "href": f"{base}/admin/functions/{error.name}",
            "invoke_url_template": None,
            "language": "python",
            "config": error.to_metadata(),
            "isDisabled": False,
            "isDirect": True,
            "isProxy": False,
            "error": error.message,
        }

    def _describe(self, name: str, request: Request) -> dict[str, Any]:
        spec = self.app.function(name).spec
        base = str(request.base_url).rstrip("/")
        settings = self.app.settings.get(spec.name, {}).get(spec.trigger.name)
        invoke_url = None
        if isinstance(settings, HttpTriggerSettings):
            path = "/".join(part for part in (self.app.host_config.route_prefix, settings.route) if part)
            invoke_url = f"{base}/{path}"
        return {
            "name": spec.name,
            "href": f"{base}/admin/functions/{spec.name}",
            "invoke_url_template": invoke_url,
            "language": "python",
            "config": spec.to_metadata(),
            "isDisabled": spec.disabled,
            "isDirect": True,
            "isProxy": False,
        }
