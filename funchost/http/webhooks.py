"""Extension webhooks, `/runtime/webhooks/{extension}[/...]`, as the Functions host routes them (HostController
ExtensionWebHookHandler); funchost hosts one: `blobs`, where Event Grid delivers a blob trigger's events.

Order, as on Azure: the key first — the extension's system key `<extension>_extension` or the master key
(`x-functions-key` or `?code=`; SystemKeyAuthLevel), else 401 — then the extension (no such one → 404). For `blobs`
(the Event Grid extension's HttpRequestProcessor, which the blob extension uses):

- `functionName=Host.Functions.<name>` must name a blob-triggered function with `source: EventGrid`, else 404
  (Azure queues a message that no function takes; funchost says which name is wrong instead);
- `OPTIONS` (the CloudEvents abuse-protection handshake) → 200 with `WebHook-Allowed-Origin`;
- header `aeg-event-type: SubscriptionValidation` → 200 `{"validationResponse": <data.validationCode>}` (a batch's
  first event; a CloudEvent's `data` may be a JSON string);
- `aeg-event-type: Notification` → the events (a JSON array, or one object) are queued → 202;
- `aeg-event-type: Unsubscribe` → 202; any other → 400. A body that is not such JSON → 400 naming the problem
  (Azure answers 500).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from funchost.errors import WebhookPayloadError
from funchost.http.auth import request_key, unauthorized_body
from funchost.http.keys import KeyStore, key_matches
from funchost.metadata.app_loader import LoadedApp
from funchost.metadata.blob_trigger_settings import BlobTriggerSettings

logger = logging.getLogger("funchost.http.webhooks")
BLOBS = "blobs"
FUNCTION_ID_PREFIX = "Host.Functions."
EVENT_TYPE_HEADER = "aeg-event-type"
ORIGINS = ("eventgrid.azure.net", "eventgrid.azure.us", "eventgrid.azure.cn", "eventgrid.azure.eaglex.ic.gov")
METHODS = ["GET", "PUT", "POST", "DELETE", "OPTIONS"]


class BlobEventReceiver(Protocol):
    """A running EventGrid-source blob trigger (funchost.triggers.blob.eventgrid.BlobEventReceiver)."""

    async def receive(self, events: list[object]) -> int: ...


BlobReceivers = Callable[[str], BlobEventReceiver | None]  # function name → its receiver while it runs


def system_key_name(extension: str) -> str:
    return f"{extension}_extension".lower()  # DefaultScriptWebHookProvider.GetKeyName


def event_grid_functions(app: LoadedApp) -> list[str]:
    """The blob-triggered functions with source EventGrid."""
    return [
        f.spec.name
        for f in app.functions
        if isinstance(s := app.settings.get(f.spec.name, {}).get(f.spec.trigger.name), BlobTriggerSettings)
        and s.source == "EventGrid"
    ]


def system_keys_needed(app: LoadedApp) -> list[str]:
    return [system_key_name(BLOBS)] if event_grid_functions(app) else []


class ExtensionWebhooks:
    def __init__(self, app: LoadedApp, keys: KeyStore, receivers: BlobReceivers | None) -> None:
        self.functions = {name.casefold(): name for name in event_grid_functions(app)}
        self.all_functions = {f.spec.name.casefold(): f.spec.name for f in app.functions}
        self.keys = keys
        self.receivers = receivers

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/runtime/webhooks/{extension}", self.handle, methods=METHODS),
            Route("/runtime/webhooks/{extension}/{extra:path}", self.handle, methods=METHODS),
        ]

    async def handle(self, request: Request) -> Response:
        extension = str(request.path_params["extension"]).lower()
        key = request_key(request.scope)
        what = f"The {extension} extension webhook"
        if key is None or not key_matches(key, self.keys.accepted_system(system_key_name(extension))):
            return Response(unauthorized_body("system", key_given=key is not None, what=what), 401)
        if extension != BLOBS:
            return PlainTextResponse(f"No extension '{extension}' takes webhooks here (funchost hosts 'blobs').", 404)
        name, status, problem = self._function(request.query_params.get("functionName"))
        if name is None:
            return PlainTextResponse(problem, status)
        if request.method == "OPTIONS":
            origin = request.headers.get("webhook-request-origin", "").lower()
            allowed = origin if origin in ORIGINS else ORIGINS[0]
            return Response(status_code=200, headers={"WebHook-Allowed-Origin": allowed})
        kind = request.headers.get(EVENT_TYPE_HEADER, "").lower()
        try:
            if kind == "subscriptionvalidation":
                code = validation_code(await request.body())
                logger.info("Event Grid subscription validated for function '%s'", name)
                return JSONResponse({"validationResponse": code})
            if kind == "notification":
                return await self._notify(name, events_of(await request.body()))
        except WebhookPayloadError as exc:
            return PlainTextResponse(f"400 Bad Request: {exc}.", 400)
        if kind == "unsubscribe":
            return Response(status_code=202)
        return PlainTextResponse(
            f"400 Bad Request: header {EVENT_TYPE_HEADER} is '{kind}'; expected SubscriptionValidation, Notification "
            "or Unsubscribe (Event Grid sends it).",
            400,
        )

    async def _notify(self, name: str, events: list[object]) -> Response:
        receiver = self.receivers(name) if self.receivers is not None else None
        if receiver is None:
            return PlainTextResponse(f"The blob trigger of function '{name}' is not running.", 503)
        try:
            queued = await receiver.receive(events)
        except WebhookPayloadError:
            raise  # answered 400 by the caller
        except Exception as exc:  # storage refused or unreachable: Event Grid retries the delivery
            logger.exception("Function '%s': the Event Grid events could not be queued", name)
            return PlainTextResponse(f"The events could not be queued: {type(exc).__name__}.", 500)
        logger.debug("Function '%s': %d of %d Event Grid event(s) queued", name, queued, len(events))
        return Response(status_code=202)

    def _function(self, given: str | None) -> tuple[str | None, int, str]:
        """(function, 0, "") when `given` names an EventGrid blob trigger, else (None, status, why)."""
        expected = "expected functionName=Host.Functions.<name> of a blob trigger with source EventGrid"
        if not given:
            return None, 400, f"400 Bad Request: the query has no functionName; {expected}."
        bare = given.removeprefix(FUNCTION_ID_PREFIX)
        name = self.functions.get(bare.casefold())
        if name is not None and bare != given:
            return name, 0, ""
        known = self.all_functions.get(bare.casefold())
        if known is None:
            problem = f"no function '{bare}' here"
        elif bare == given:
            problem = f"functionName '{given}' lacks the prefix: use Host.Functions.{known}"
        else:
            problem = f"function '{known}' is not a blob trigger with source EventGrid"
        return None, 404, f"404 Not Found: {problem}; {expected}."


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise WebhookPayloadError(f"the body is not JSON ({exc})") from None


def events_of(body: bytes) -> list[object]:
    doc = _json(body)
    if isinstance(doc, dict):
        return [doc]
    if isinstance(doc, list):
        return doc
    raise WebhookPayloadError(f"the body is a JSON {type(doc).__name__}; expected an array of events or one event")


def validation_code(body: bytes) -> str:
    doc = _json(body)
    event = doc[0] if isinstance(doc, list) and doc else doc
    data = event.get("data") if isinstance(event, dict) else None
    if isinstance(data, str):  # a CloudEvent's data is JSON in a string
        data = _json(data.encode())
    code = data.get("validationCode") if isinstance(data, dict) else None
    if not isinstance(code, str):
        raise WebhookPayloadError("the validation event has no data.validationCode string")
    return code
