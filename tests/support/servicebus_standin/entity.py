"""One Service Bus message store — a queue, a subscription, or one's `$DeadLetterQueue` — kept in memory.

Sequence numbers grow per entity (a topic's subscriptions share the topic's), locks are UUID tokens that expire after
the entity's lock duration, and every failed attempt (abandon, lock expiry) counts towards `max_delivery_count`, past
which the message moves to the dead-letter sub-queue with reason `MaxDeliveryCountExceeded`, as Service Bus does.
Sessions (`requires_session`) add a session lock and state per session id: see `sessions.py`.

All methods run on the stand-in's event loop; none blocks."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .sections import StoredMessage

LOG = logging.getLogger(__name__)
ACTIVE, LOCKED, DEFERRED, SCHEDULED = "active", "locked", "deferred", "scheduled"
MAX_DELIVERY_REASON = "MaxDeliveryCountExceeded"


@dataclass(frozen=True)
class QueueSettings:
    """What the broker models of a queue's or subscription's description (Service Bus defaults)."""

    lock_duration: float = 60.0  # seconds (LockDuration PT1M)
    max_delivery_count: int = 10
    requires_session: bool = False
    dead_lettering_on_message_expiration: bool = False


@dataclass
class Record:
    sequence_number: int
    message: StoredMessage
    enqueued_ms: int
    state: str = ACTIVE
    delivery_count: int = 0
    lock_token: uuid.UUID | None = None
    locked_until: float = 0.0
    timer: asyncio.TimerHandle | None = None
    deadletter_source: str | None = None
    deferred: bool = False  # once deferred, an abandoned or expired lock returns it to DEFERRED
    session_bound: bool = False  # locked under a session lock, which alone expires it

    @property
    def session_id(self) -> str | None:
        return self.message.session_id


class LockLost(LookupError):
    """The lock token names no message this entity holds locked (settled, expired, or never issued)."""


@dataclass
class Entity:
    path: str
    settings: QueueSettings
    sequence: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    records: dict[int, Record] = field(default_factory=dict)
    locks: dict[uuid.UUID, Record] = field(default_factory=dict)
    dead_letter: Entity | None = None
    listeners: list[Callable[[], None]] = field(default_factory=list)

    # -- arrival -------------------------------------------------------------------------------------------
    def enqueue(
        self,
        message: StoredMessage,
        sequence_number: int | None = None,
        visible_at_ms: int | None = None,
        source: str | None = None,
        delivery_count: int = 0,
    ) -> Record:
        seq = sequence_number if sequence_number is not None else next(self.sequence)
        now_ms = int(time.time() * 1000)
        record = Record(seq, message, now_ms, delivery_count=delivery_count, deadletter_source=source)
        self.records[seq] = record
        if visible_at_ms is not None and visible_at_ms > now_ms:
            record.state = SCHEDULED
            delay = (visible_at_ms - now_ms) / 1000
            record.timer = asyncio.get_running_loop().call_later(delay, self._activate, record)
        else:
            self.notify()
        return record

    def _activate(self, record: Record) -> None:
        if self.records.get(record.sequence_number) is record and record.state == SCHEDULED:
            record.state, record.timer = ACTIVE, None
            record.enqueued_ms = int(time.time() * 1000)
            self.notify()

    def cancel_scheduled(self, seq: int) -> None:
        record = self.records.get(seq)
        if record is not None and record.state == SCHEDULED:
            self._forget(record)

    def notify(self) -> None:
        for listener in list(self.listeners):
            try:
                listener()
            except Exception:  # one broken receive link must not starve the others
                LOG.exception("Service Bus stand-in: a listener of %s failed", self.path)

    # -- taking and locking --------------------------------------------------------------------------------
    def next_available(self, session_id: str | None = None) -> Record | None:
        now_ms = int(time.time() * 1000)
        for record in list(self.records.values()):
            if record.state == ACTIVE and (session_id is None or record.session_id == session_id):
                if self._expired(record, now_ms):
                    continue
                return record
        return None

    def _expired(self, record: Record, now_ms: int) -> bool:
        """Past its time-to-live (only checked while it is available, as Service Bus never expires a locked one):
        dropped, or dead-lettered as TTLExpiredException where the entity says so."""
        ttl = record.message.ttl_ms
        if ttl is None or record.enqueued_ms + ttl > now_ms or self.dead_letter is None:
            return False  # (nothing expires out of a dead-letter queue)
        if self.settings.dead_lettering_on_message_expiration:
            self.move_to_dead_letter(record, "TTLExpiredException", "The message expired and was dead lettered.")
        else:
            self._forget(record)
        return True

    def lock(self, record: Record, until: float | None = None) -> uuid.UUID:
        """Lock `record` for one delivery attempt, for the entity's lock duration — or, given `until` (epoch
        seconds), under a session's lock: then the session times it out (sessions.py), not a timer of its own."""
        token = uuid.uuid4()
        record.state, record.lock_token, record.session_bound = LOCKED, token, until is not None
        self.locks[token] = record
        self.set_lock_until(record, until if until is not None else time.time() + self.settings.lock_duration)
        return token

    def set_lock_until(self, record: Record, until: float) -> None:
        if record.timer is not None:
            record.timer.cancel()
            record.timer = None
        record.locked_until = until
        if record.session_bound:
            return
        token = record.lock_token
        delay = max(0.0, until - time.time())
        record.timer = asyncio.get_running_loop().call_later(delay, self._lock_expired, record, token)

    def _lock_expired(self, record: Record, token: uuid.UUID | None) -> None:
        if record.lock_token == token and record.state == LOCKED:
            record.timer = None
            self._unlock(record)
            self._failed_attempt(record)

    def locked(self, token: uuid.UUID) -> Record:
        record = self.locks.get(token)
        if record is None or record.state != LOCKED or record.locked_until <= time.time():
            raise LockLost(
                f"The lock supplied is invalid. Either the lock expired, or the message has already been "
                f"removed from the queue. Reference:{token}, entity {self.path}"
            )
        return record

    def renew(self, token: uuid.UUID) -> float:
        record = self.locked(token)
        self.set_lock_until(record, time.time() + self.settings.lock_duration)
        return record.locked_until

    # -- settlement ----------------------------------------------------------------------------------------
    def complete(self, token: uuid.UUID) -> None:
        self._forget(self.locked(token))

    def abandon(self, token: uuid.UUID) -> None:
        record = self.locked(token)
        self._unlock(record)
        self._failed_attempt(record)

    def release(self, token: uuid.UUID) -> None:
        """AMQP `released`: the receiver never looked at it — available again, no attempt counted."""
        record = self.locked(token)
        self._unlock(record)
        self.notify()

    def defer(self, token: uuid.UUID) -> None:
        record = self.locked(token)
        self._unlock(record)
        record.state, record.deferred = DEFERRED, True

    def dead_letter_locked(self, token: uuid.UUID, reason: str | None, description: str | None) -> None:
        self.move_to_dead_letter(self.locked(token), reason, description)

    def move_to_dead_letter(self, record: Record, reason: str | None, description: str | None) -> None:
        self._forget(record)
        if self.dead_letter is None:  # a dead-letter queue has none of its own: Service Bus drops nothing either
            return
        extra = {"DeadLetterReason": reason or "", "DeadLetterErrorDescription": description or ""}
        message = record.message.with_properties(extra)
        self.dead_letter.enqueue(message, source=self.path, delivery_count=record.delivery_count)

    def _unlock(self, record: Record) -> None:
        if record.timer is not None:
            record.timer.cancel()
        if record.lock_token is not None:
            self.locks.pop(record.lock_token, None)
        record.state = DEFERRED if record.deferred else ACTIVE
        record.lock_token, record.timer, record.locked_until, record.session_bound = None, None, 0.0, False

    def _failed_attempt(self, record: Record) -> None:
        record.delivery_count += 1
        limit = self.settings.max_delivery_count
        if record.delivery_count >= limit and self.dead_letter is not None:
            self.move_to_dead_letter(
                record, MAX_DELIVERY_REASON, f"Message could not be consumed after {limit} delivery attempts."
            )
        else:
            self.notify()

    def _forget(self, record: Record) -> None:
        if record.timer is not None:
            record.timer.cancel()
        if record.lock_token is not None:
            self.locks.pop(record.lock_token, None)
        self.records.pop(record.sequence_number, None)

    # -- deferred ------------------------------------------------------------------------------------------
    def lock_deferred(self, seq: int, until: float | None = None) -> Record | None:
        record = self.records.get(seq)
        if record is None or record.state != DEFERRED:
            return None
        self.lock(record, until)
        return record

    # -- counts (administration API) -----------------------------------------------------------------------
    def count(self, *states: str) -> int:
        return sum(1 for r in self.records.values() if r.state in states)
