"""The administration API's runtime properties, as the SDK's `ServiceBusAdministrationClient` reads them over HTTPS:
`GET /<queue>` and `GET /<topic>/subscriptions/<subscription>` answer an Atom entry with a `QueueDescription` /
`SubscriptionDescription` whose counts (`ActiveMessageCount`, `DeadLetterMessageCount`, `ScheduledMessageCount`, …)
are the stand-in's live counts. Locked messages count as active and deferred ones are left out of it, as in Service Bus.

The `Authorization` header must be a SAS token that `sas.verify` accepts and that grants `Manage` (the API's
requirement): else 401, as Service Bus answers. A missing entity answers an empty feed, which the SDK raises as
`ResourceNotFoundError`, as for a real namespace."""

from __future__ import annotations

from aiohttp import web

from .entity import ACTIVE, DEFERRED, LOCKED, SCHEDULED
from .namespace import EntityNotFound, Namespace, Queue
from .sas import Unauthorized, verify

ATOM = "http://www.w3.org/2005/Atom"
CONNECT = "http://schemas.microsoft.com/netservices/2010/10/servicebus/connect"
SB = "http://schemas.microsoft.com/netservices/2011/06/servicebus"
EMPTY_FEED = f'<feed xmlns="{ATOM}"><title type="text">Publicly Listed Services</title></feed>'


def _error(status: int, detail: str) -> web.Response:
    body = f"<Error><Code>{status}</Code><Detail>{detail}</Detail></Error>"
    return web.Response(status=status, text=body, content_type="application/xml")


def entry(kind: str, name: str, queue: Queue) -> str:
    main, dead = queue.main, queue.main.dead_letter
    active, scheduled = main.count(ACTIVE, LOCKED), main.count(SCHEDULED)
    dead_count = dead.count(ACTIVE, LOCKED, DEFERRED) if dead is not None else 0
    total = len(main.records) + dead_count
    settings = queue.main.settings
    lock = f"PT{settings.lock_duration:g}S"
    counts = (
        f'<CountDetails xmlns:d2p1="{SB}"><d2p1:ActiveMessageCount>{active}</d2p1:ActiveMessageCount>'
        f"<d2p1:DeadLetterMessageCount>{dead_count}</d2p1:DeadLetterMessageCount>"
        f"<d2p1:ScheduledMessageCount>{scheduled}</d2p1:ScheduledMessageCount>"
        "<d2p1:TransferMessageCount>0</d2p1:TransferMessageCount>"
        "<d2p1:TransferDeadLetterMessageCount>0</d2p1:TransferDeadLetterMessageCount></CountDetails>"
    )
    return (
        f'<entry xmlns="{ATOM}"><title type="text">{name}</title>'
        f'<content type="application/xml"><{kind} xmlns="{CONNECT}" '
        f'xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><LockDuration>{lock}</LockDuration>'
        f"<RequiresSession>{str(settings.requires_session).lower()}</RequiresSession>"
        f"<MaxDeliveryCount>{settings.max_delivery_count}</MaxDeliveryCount>"
        f"<MessageCount>{total}</MessageCount>{counts}</{kind}></content></entry>"
    )


class AdminApi:
    def __init__(self, namespace: Namespace) -> None:
        self.namespace = namespace
        self.requests: list[str] = []  # paths asked for, oldest first

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        path = request.path.strip("/")
        self.requests.append(path)
        if request.method != "GET":
            return _error(405, f"The Service Bus stand-in serves only GET runtime properties, not {request.method}")
        try:
            grant = verify(request.headers.get("Authorization", ""), self.namespace.policies)
        except Unauthorized as refused:
            return _error(401, f"{refused} TrackingId:stand-in")
        if "Manage" not in grant.rights:
            return _error(401, "Unauthorized access. 'Manage' claim(s) are required to perform this operation.")
        parts = path.split("/")
        try:
            if len(parts) == 1:
                queue, _ = self.namespace.queue(parts[0])
                body = entry("QueueDescription", parts[0], queue)
            elif len(parts) == 3 and parts[1].lower() == "subscriptions":
                queue, _ = self.namespace.queue(path)
                body = entry("SubscriptionDescription", parts[2], queue)
            else:
                body = EMPTY_FEED
        except EntityNotFound:
            body = EMPTY_FEED
        return web.Response(text=body, content_type="application/atom+xml")
