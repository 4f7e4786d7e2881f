"""Serving a receive link: a `Consumer` pumps messages from an entity against the link's credit, locks them (peek-lock:
delivery tag = lock token, little-endian UUID bytes as the SDK reads them) or removes them (receive-and-delete), and
applies the client's dispositions — accepted = complete, modified = abandon (or defer when undeliverable-here),
rejected = dead-letter with the reason and description the SDK puts in the error info, released = unlock.

A session receiver first takes a session lock: the one named in its session filter, or the next session with an
available message (`NEXT_AVAILABLE_SESSION`, waiting up to the link's `com.microsoft:timeout` as Service Bus does)."""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING, Any

from .codec import Accepted, AMQPError, AMQPTypes, Modified, Rejected, Released, Source, typed
from .entity import SCHEDULED, Entity, LockLost, Record
from .namespace import Queue
from .sessions import SessionCannotBeLocked, SessionLockLost

if TYPE_CHECKING:
    from .connection import Session
    from .links import Link, LinkHandler

SESSION_FILTER = b"com.microsoft:session-filter"
LOCKED_UNTIL_UTC = b"com.microsoft:locked-until-utc"
TICKS_AT_EPOCH = 621355968000000000  # .NET DateTime ticks at 1970-01-01
LOCK_LOST = b"com.microsoft:message-lock-lost"
SESSION_LOCK_LOST = b"com.microsoft:session-lock-lost"


def broker_annotations(entity: Entity, record: Record, token: uuid.UUID | None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "x-opt-sequence-number": typed(AMQPTypes.long, record.sequence_number),
        "x-opt-enqueued-time": typed(AMQPTypes.timestamp, record.enqueued_ms),
        "x-opt-enqueue-sequence-number": typed(AMQPTypes.long, record.sequence_number),
    }
    if token is not None:
        found["x-opt-lock-token"] = typed(AMQPTypes.uuid, token)
        found["x-opt-locked-until"] = typed(AMQPTypes.timestamp, int(record.locked_until * 1000))
    if record.deadletter_source:
        found["x-opt-deadletter-source"] = typed(AMQPTypes.string, record.deadletter_source)
    state = 2 if record.state == SCHEDULED else 1 if record.deferred else 0
    if state:
        found["x-opt-message-state"] = typed(AMQPTypes.int, state)
    return found


def payload_of(entity: Entity, record: Record, token: uuid.UUID | None) -> bytes:
    return record.message.encode(record.delivery_count, broker_annotations(entity, record, token))


class Consumer:
    def __init__(self, handler: LinkHandler, session: Session, link: Link, queue: Queue, entity: Entity) -> None:
        self.handler, self.session, self.link, self.queue, self.entity = handler, session, link, queue, entity
        self.session_id: str | None = None
        self.sessionful = queue.sessions is not None and entity is queue.main
        self._waiting: asyncio.TimerHandle | None = None

    # -- attaching -------------------------------------------------------------------------------------------
    def start(self) -> None:
        filters = dict((self.link.source + [None] * 8)[7] or {})
        if not self.sessionful:
            if SESSION_FILTER in filters and self.queue.sessions is None:
                self._refuse(
                    b"amqp:not-allowed",
                    f"'{self.entity.path}' is not session-enabled; a session receiver cannot be created for it.",
                )
                return
            self._attached()
            return
        if SESSION_FILTER not in filters:
            self._refuse(
                b"amqp:not-allowed",
                f"It is not possible for an entity that requires sessions "
                f"('{self.entity.path}') to create a non-sessionful message receiver.",
            )
            return
        wanted = filters[SESSION_FILTER]
        if wanted is not None:
            self._lock_session(wanted.decode() if isinstance(wanted, bytes) else str(wanted))
            return
        timeout_ms = self.link.properties.get(b"com.microsoft:timeout") or 60000
        self._waiting = asyncio.get_running_loop().call_later(timeout_ms / 1000, self._gave_up)
        self.entity.listeners.append(self._try_next_session)
        self._try_next_session()

    def _try_next_session(self) -> None:
        assert self.queue.sessions is not None
        if self.session_id is not None or self.link.detached:
            return
        found = self.queue.sessions.available()
        if found is not None:
            self._stop_waiting()
            self._lock_session(found)

    def _stop_waiting(self) -> None:
        if self._waiting is not None:
            self._waiting.cancel()
            self._waiting = None
        if self._try_next_session in self.entity.listeners:
            self.entity.listeners.remove(self._try_next_session)

    def _gave_up(self) -> None:
        self._waiting = None
        self._stop_waiting()
        self._refuse(
            b"com.microsoft:timeout",
            "The operation did not complete within the allocated time (no session was available).",
        )

    def _lock_session(self, session_id: str) -> None:
        assert self.queue.sessions is not None
        try:
            until = self.queue.sessions.acquire(session_id, self)
        except SessionCannotBeLocked as busy:
            self._refuse(b"com.microsoft:session-cannot-be-locked", str(busy))
            return
        self.session_id = session_id
        source = Source(*(self.link.source + [None] * 11)[:11])
        source = source._replace(filters={SESSION_FILTER: session_id}, default_outcome=None, outcomes=None)
        ticks = typed(AMQPTypes.long, TICKS_AT_EPOCH + int(until * 10_000_000))
        self._attached(source=source, properties={LOCKED_UNTIL_UTC: ticks})

    def _attached(self, **reply: Any) -> None:
        self.handler.reply_attach(self.session, self.link, **reply)
        self.entity.listeners.append(self.pump)
        self.pump()

    def _refuse(self, condition: bytes, description: str) -> None:
        self.handler.refuse(self.session, self.link, condition, description)

    def session_lost(self) -> None:
        if not self.link.detached:
            self.handler.close_link(
                self.session,
                self.link,
                SESSION_LOCK_LOST,
                f"The session lock has expired on the MessageSession '{self.session_id}'.",
            )

    # -- delivering ------------------------------------------------------------------------------------------
    def pump(self) -> None:
        link = self.link
        if link.detached or (self.sessionful and self.session_id is None):
            return
        try:
            self._deliver()
        except SessionLockLost:
            return  # the session lapsed: session_lost() detaches this link
        if link.drain and link.credit > 0:
            link.delivery_count += link.credit
            link.credit = 0
            self.handler.send_link_flow(self.session, link)

    def _deliver(self) -> None:
        link = self.link
        while link.credit > 0:
            record = self.entity.next_available(self.session_id)
            if record is None:
                break
            if link.settled:  # receive-and-delete
                payload = payload_of(self.entity, record, None)
                self.entity.records.pop(record.sequence_number, None)
                self.handler.send_transfer(
                    self.session,
                    link,
                    payload,
                    tag=uuid.uuid4().bytes,
                    settled=True,
                    delivery_id=self.handler.next_delivery_id(self.session),
                )
                continue
            until = self._session_lock_until()
            token = self.entity.lock(record, until)
            delivery_id = self.handler.next_delivery_id(self.session)
            self.session.unsettled[delivery_id] = (link, self, token)
            self.handler.send_transfer(
                self.session,
                link,
                payload_of(self.entity, record, token),
                tag=token.bytes_le,
                settled=False,
                delivery_id=delivery_id,
            )

    def _session_lock_until(self) -> float | None:
        if self.session_id is None or self.queue.sessions is None:
            return None
        return self.queue.sessions.held(self.session_id, self).locked_until  # SessionLockLost ends the pump

    # -- settling --------------------------------------------------------------------------------------------
    def settle(self, token: uuid.UUID, state: Any) -> Any:
        """Apply the client's outcome; answer the outcome applied, or a rejection naming why it could not be."""
        state = state or {"released": []}  # settled without an outcome: nothing was done with it
        try:
            if self.session_id is not None and self.queue.sessions is not None:
                self.queue.sessions.held(self.session_id, self)
            if "accepted" in state:
                self.entity.complete(token)
            elif "released" in state:
                self.entity.release(token)
                return Released()
            elif "modified" in state:
                fields = list(state["modified"] or []) + [None] * 3
                (self.entity.defer if fields[1] else self.entity.abandon)(token)
                return Modified(delivery_failed=fields[0], undeliverable_here=fields[1], message_annotations=None)
            elif "rejected" in state:
                error = (list(state["rejected"] or []) + [None])[0] or []
                info = dict((list(error) + [None] * 3)[2] or {})
                reason, description = info.get(b"DeadLetterReason"), info.get(b"DeadLetterErrorDescription")
                self.entity.dead_letter_locked(token, _str(reason), _str(description))
                return Rejected(error=None)
        except LockLost as lost:
            return Rejected(error=AMQPError(condition=LOCK_LOST, description=str(lost)))
        except LookupError as lost:  # the session lock is gone
            return Rejected(error=AMQPError(condition=SESSION_LOCK_LOST, description=str(lost)))
        return Accepted()

    def close(self) -> None:
        self._stop_waiting()
        if self.pump in self.entity.listeners:
            self.entity.listeners.remove(self.pump)
        if self.session_id is not None and self.queue.sessions is not None:
            self.queue.sessions.release(self.session_id, self)
        for delivery_id, (link, _consumer, _token) in list(self.session.unsettled.items()):
            if link is self.link:  # Service Bus keeps the lock until it expires; only the delivery is forgotten
                del self.session.unsettled[delivery_id]


def _str(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
