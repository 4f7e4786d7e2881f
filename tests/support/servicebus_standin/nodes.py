"""Where links lead: entities (send / receive), the `$cbs` node (put-token) and `<entity>/$management` nodes.

Request-response nodes answer on the client's receiver link of the same address, with `correlation-id` = the
request's `message-id`, as the SDK matches them. CBS answers `status-code` 202 for a valid token and 401 for one that
fails `sas.verify` (a wrong key, an expired token, an unknown policy), which the SDK raises as an authentication
error — as Azure does."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .codec import Accepted, AMQPError, Message, Properties, Rejected, decode_payload, encode_payload, make, text
from .deliver import Consumer
from .links import LinkRefused
from .management import handle as management
from .namespace import EntityNotFound, MissingSessionId
from .sas import Unauthorized, verify
from .sections import BATCH_FORMAT, MalformedMessage, StoredMessage, split_batch

if TYPE_CHECKING:
    from .broker import Broker
    from .connection import Connection, Session
    from .links import Link

MANAGEMENT = "/$management"
SCHEDULED_AT = b"x-opt-scheduled-enqueue-time"


@dataclass
class ReplyQueue:
    """The client's receiver link of a request-response node: replies wait here for link credit."""

    connection: Connection
    session: Session
    link: Link
    pending: list[bytes] = field(default_factory=list)

    def pump(self) -> None:
        handler = self.connection.links
        while self.pending and self.link.credit > 0 and not self.link.detached:
            handler.send_transfer(
                self.session,
                self.link,
                self.pending.pop(0),
                tag=b"%d" % self.link.delivery_count,
                settled=True,
                delivery_id=handler.next_delivery_id(self.session),
            )

    def close(self) -> None:
        self.connection.replies.pop((self.session.channel, self.link.address.lower()), None)


class Nodes:
    def __init__(self, broker: Broker) -> None:
        self.broker = broker

    def authorize(self, connection: Connection, path: str, *rights: str) -> None:
        if any(grant.covers(path, right) for grant in connection.grants for right in rights):
            return
        claims = " or ".join(f"'{r}'" for r in rights)
        raise LinkRefused(
            b"amqp:unauthorized-access",
            f"Unauthorized access. {claims} claim(s) are required to perform this operation. "
            f"Resource: '{path}'. Put a CBS token for it on '$cbs' first.",
        )

    # -- attaching -------------------------------------------------------------------------------------------
    def open_request_link(self, connection: Connection, session: Session, link: Link) -> None:
        namespace = self.broker.namespace
        if link.address.lower() == "$cbs":
            pass
        elif link.address.lower().endswith(MANAGEMENT):
            entity = link.address[: -len(MANAGEMENT)]
            try:
                namespace.queue(entity)
            except EntityNotFound:
                namespace.send_target(entity)
            self.authorize(connection, entity, "Listen", "Send", "Manage")
        else:
            namespace.send_target(link.address)
            self.authorize(connection, link.address, "Send")
        connection.links.reply_attach(session, link)

    def open_outgoing(self, connection: Connection, session: Session, link: Link) -> None:
        lowered = link.address.lower()
        if lowered == "$cbs" or lowered.endswith(MANAGEMENT):
            link.consumer = ReplyQueue(connection, session, link)
            connection.replies[(session.channel, lowered)] = link.consumer
            connection.links.reply_attach(session, link)
            return
        queue, dead = self.broker.namespace.queue(link.address)
        self.authorize(connection, link.address, "Listen")
        assert queue.main.dead_letter is not None
        link.consumer = Consumer(connection.links, session, link, queue, queue.main.dead_letter if dead else queue.main)
        link.consumer.start()

    # -- transfers from the client -------------------------------------------------------------------------
    def incoming(self, connection: Connection, session: Session, link: Link, first: list[Any], payload: bytes) -> Any:
        lowered = link.address.lower()
        try:
            if lowered == "$cbs":
                self._answer(connection, session, link, self._put_token(connection, payload))
            elif lowered.endswith(MANAGEMENT):
                request = decode_payload(memoryview(payload))
                entity = link.address[: -len(MANAGEMENT)]
                self._answer(connection, session, link, management(self.broker.namespace, entity, request))
            else:
                self._store(link.address, payload, first[3] == BATCH_FORMAT)
        except (MalformedMessage, MissingSessionId) as bad:
            return Rejected(error=AMQPError(condition=b"com.microsoft:argument-error", description=str(bad)))
        except EntityNotFound as missing:
            return Rejected(error=AMQPError(condition=b"amqp:not-found", description=str(missing)))
        return Accepted()

    def _store(self, address: str, payload: bytes, batch: bool) -> None:
        for raw in split_batch(payload) if batch else [payload]:
            message = StoredMessage.parse(raw)
            at = message.annotations.get(SCHEDULED_AT)
            self.broker.namespace.accept(address, message, int(at) if at else None)

    def _put_token(self, connection: Connection, payload: bytes) -> tuple[Message, Message]:
        request = decode_payload(memoryview(payload))
        props = request.application_properties or {}
        if text(props.get(b"operation")) != "put-token":
            answer = {"status-code": 400, "status-description": "Bad request: only put-token is supported"}
        else:
            try:
                token = text(request.value) or ""
                connection.grants.append(verify(token, self.broker.namespace.policies))
                answer = {"status-code": 202, "status-description": "Accepted"}
            except Unauthorized as refused:
                answer = {"status-code": 401, "status-description": str(refused)}
        return request, make(Message, application_properties=answer)

    def _answer(self, connection: Connection, session: Session, link: Link, exchange: tuple[Message, Message]) -> None:
        request, response = exchange
        request_id: Any = request.properties.message_id if request.properties else None
        properties = Properties(correlation_id=request_id)
        body = encode_payload(bytearray(), response._replace(properties=properties))
        replies = connection.replies.get((session.channel, link.address.lower()))
        if replies is None:
            return  # no receiver link to answer on: the client will time out, as it would against Service Bus
        replies.pending.append(bytes(body))
        replies.pump()
