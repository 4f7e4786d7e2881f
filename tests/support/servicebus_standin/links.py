"""The links of one connection: what each attach asks for and how its frames are served.

- the client sends to an entity (queue or topic; single messages and batches) -> `accept` into the namespace;
- the client receives from an entity (queue, subscription, their `$DeadLetterQueue`; peek-lock or
  receive-and-delete; session receivers with a session filter) -> `deliver.py` pumps messages against link credit;
- the client talks to a node (`$cbs`, `<entity>/$management`): requests arrive on its sender link, answers go out
  on its receiver link of the same address (`nodes.py`).

Attaching needs a CBS token covering the address with the right (Send / Listen), as in Service Bus; a refused attach is
answered with an attach and a closing detach carrying the error condition the SDK maps (not-found, unauthorized)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .codec import AMQPError, Source, Target, make, perf, text
from .namespace import EntityNotFound

if TYPE_CHECKING:
    from .connection import Connection, Session

SENDER, RECEIVER = False, True
CREDIT = 500
MAX_MESSAGE_SIZE = 256 * 1024  # Standard tier
TIMEOUT_PROPERTY = b"com.microsoft:timeout"


class LinkRefused(Exception):
    def __init__(self, condition: bytes, description: str) -> None:
        super().__init__(description)
        self.condition, self.description = condition, description


@dataclass
class Link:
    name: str
    handle: int  # ours
    remote_handle: int
    address: str  # the node's path ('orders', 'orders/$management', '$cbs')
    role: bool  # OUR role: SENDER when the client receives
    settled: bool = False  # the client asked for pre-settled deliveries (receive-and-delete)
    receiver_settle_mode: int = 0  # as the client asked: 1 (second) = it awaits our outcome (peek-lock)
    source: list[Any] = field(default_factory=list)
    target: list[Any] = field(default_factory=list)
    properties: dict[Any, Any] = field(default_factory=dict)
    # as a receiver (client sends)
    received: int = 0
    initial_count: int = 0
    credit_left: int = 0
    partial: bytearray | None = None
    partial_first: list[Any] | None = None
    # as a sender (client receives)
    delivery_count: int = 0
    credit: int = 0
    drain: bool = False
    consumer: Any = None  # deliver.Consumer or nodes.ReplyQueue
    detached: bool = False


class LinkHandler:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._next_handle = 0

    @property
    def broker(self) -> Any:
        return self.connection.broker

    def attach(self, session: Session, fields: list[Any]) -> None:
        name, remote_handle, client_role = text(fields[0]) or "", fields[1], fields[2]
        source, target = list(fields[5] or []), list(fields[6] or [])
        our_role = not client_role
        terminus = source if our_role == SENDER else target  # the node the client talks to
        path = self.broker.namespace.path_of(text(terminus[0] if terminus else None) or "")
        link = Link(
            name,
            self._next_handle,
            remote_handle,
            path,
            our_role,
            settled=fields[3] == 1,
            receiver_settle_mode=int(fields[4] or 0),
            source=source,
            target=target,
            properties=dict(fields[13] or {}),
            initial_count=int(fields[9] or 0),
        )
        self._next_handle += 1
        session.links[remote_handle] = link
        session.handles[link.handle] = link
        try:
            if our_role == RECEIVER:
                self.broker.nodes.open_request_link(self.connection, session, link)
            else:
                self.broker.nodes.open_outgoing(self.connection, session, link)
        except LinkRefused as refused:
            self.refuse(session, link, refused.condition, refused.description)
        except EntityNotFound as missing:
            self.refuse(session, link, b"amqp:not-found", str(missing))

    def reply_attach(
        self, session: Session, link: Link, *, source: Any = None, properties: Any = None, refused: bool = False
    ) -> None:
        source = source or Source(*(link.source + [None] * 11)[:11])
        source = source._replace(default_outcome=None, outcomes=None) if link.source else source
        target: Target | None = Target(*(link.target + [None] * 7)[:7])
        if refused:  # the terminus we would have created is null: the attach is refused (AMQP 1.0, 2.6.3)
            source, target = (None, target) if link.role == SENDER else (source, None)
        self.connection.send(
            session.channel,
            make(
                perf.AttachFrame,
                name=link.name,
                handle=link.handle,
                role=link.role,
                send_settle_mode=1 if link.settled else 0,
                rcv_settle_mode=link.receiver_settle_mode,
                source=source,
                target=target,
                initial_delivery_count=0 if link.role == SENDER else None,
                max_message_size=MAX_MESSAGE_SIZE,
                properties=properties,
            ),
        )
        if link.role == RECEIVER and not refused:
            self.grant_credit(session, link)

    def refuse(self, session: Session, link: Link, condition: bytes, description: str) -> None:
        self.reply_attach(session, link, refused=True)
        self.close_link(session, link, condition, description)

    def close_link(self, session: Session, link: Link, condition: bytes | None = None, description: str = "") -> None:
        error = AMQPError(condition=condition, description=description) if condition else None
        self.connection.send(session.channel, make(perf.DetachFrame, handle=link.handle, closed=True, error=error))
        self.forget(session, link)

    def grant_credit(self, session: Session, link: Link) -> None:
        link.credit_left = CREDIT
        self.connection.session_flow(
            session, handle=link.handle, delivery_count=link.initial_count + link.received, link_credit=CREDIT
        )

    def forget(self, session: Session, link: Link) -> None:
        if link.detached:
            return
        link.detached = True
        session.links.pop(link.remote_handle, None)
        session.handles.pop(link.handle, None)
        if link.consumer is not None:
            link.consumer.close()

    # -- frames ----------------------------------------------------------------------------------------------
    def flow(self, session: Session, fields: list[Any]) -> None:
        if fields[4] is None:
            return  # session-level flow: our windows are unbounded
        link = session.links.get(fields[4])
        if link is None or link.role != SENDER:
            return
        their_count = fields[5] if fields[5] is not None else 0
        link.credit = max(0, their_count + int(fields[6] or 0) - link.delivery_count)
        link.drain = bool(fields[8])
        if link.consumer is not None:
            link.consumer.pump()
        if fields[9] and not link.drain:  # echo
            self.send_link_flow(session, link)

    def send_link_flow(self, session: Session, link: Link) -> None:
        self.connection.session_flow(
            session, handle=link.handle, delivery_count=link.delivery_count, link_credit=link.credit, drain=link.drain
        )

    def transfer(self, session: Session, fields: list[Any]) -> None:
        link = session.links.get(fields[0])
        if link is None or link.role != RECEIVER:
            return
        payload = bytes(fields[-1])
        if fields[9]:  # aborted: the sender gave the delivery up; nothing of it is stored
            link.partial = link.partial_first = None
            return
        if link.partial is not None:
            link.partial += payload
        else:
            link.partial, link.partial_first = bytearray(payload), fields
        if fields[5]:  # more
            return
        first, whole = link.partial_first or fields, bytes(link.partial)
        link.partial = link.partial_first = None
        link.received += 1
        link.credit_left -= 1
        state = self.broker.nodes.incoming(self.connection, session, link, first, whole)
        if not first[4]:  # not settled by the sender: tell it the outcome
            self.connection.send(
                session.channel, make(perf.DispositionFrame, role=RECEIVER, first=first[1], settled=True, state=state)
            )
        if link.credit_left < CREDIT // 2:
            self.grant_credit(session, link)

    def disposition(self, session: Session, fields: list[Any]) -> None:
        if fields[0] != RECEIVER:
            return  # the client settling our replies' acknowledgements: nothing to do
        first = fields[1]
        last = fields[2] if fields[2] is not None else first
        for delivery_id in [d for d in session.unsettled if first <= d <= last]:
            link, consumer, token = session.unsettled.pop(delivery_id)
            outcome = consumer.settle(token, fields[4])
            if not fields[3]:  # the receiver awaits our outcome (rcv-settle-mode second)
                self.connection.send(
                    session.channel,
                    make(perf.DispositionFrame, role=SENDER, first=delivery_id, settled=True, state=outcome),
                )

    def detach(self, session: Session, fields: list[Any]) -> None:
        link = session.links.get(fields[0])
        if link is None:
            return
        self.connection.send(session.channel, make(perf.DetachFrame, handle=link.handle, closed=bool(fields[1])))
        self.forget(session, link)

    def next_delivery_id(self, session: Session) -> int:
        delivery_id = session.next_delivery_id
        session.next_delivery_id += 1
        return delivery_id

    def send_transfer(
        self, session: Session, link: Link, payload: bytes, *, tag: bytes, settled: bool, delivery_id: int
    ) -> None:
        """One delivery, split into frames the client's max frame size allows."""
        step = max(512, self.connection.remote_max_frame - 512)
        chunks = [payload[i : i + step] for i in range(0, len(payload), step)] or [b""]
        for index, chunk in enumerate(chunks):
            more = index < len(chunks) - 1
            frame = make(
                perf.TransferFrame,
                handle=link.handle,
                delivery_id=delivery_id if index == 0 else None,
                delivery_tag=tag if index == 0 else None,
                message_format=0 if index == 0 else None,
                settled=settled,
                more=more,
                payload=chunk,
            )
            self.connection.send(session.channel, frame)
            session.next_outgoing_id += 1
        link.delivery_count += 1
        link.credit -= 1
