"""Service Bus sessions of one session-enabled entity: which receiver holds each session's lock, until when, and the
session state (`get_state` / `set_state`). A session exists while it has messages or state; the lock is exclusive.

Messages delivered to a session receiver share the session lock (their `locked_until` is the session's, renewing the
session renews them, and only the session's expiry times them out); when the session lock expires (one failed attempt
for each) or its receiver detaches (none), they become available again."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from .entity import LOCKED, Entity, LockLost


class SessionLockLost(LookupError):
    """The session is not locked by the caller (expired, released, or locked by another receiver)."""


class SessionCannotBeLocked(LookupError):
    """Another receiver holds the session lock."""


@dataclass
class SessionLock:
    owner: object | None = None
    locked_until: float = 0.0
    state: bytes | None = None
    timer: asyncio.TimerHandle | None = None


@dataclass
class Sessions:
    entity: Entity
    by_id: dict[str, SessionLock] = field(default_factory=dict)

    def available(self) -> str | None:
        """The session of the oldest available message whose session nobody holds (NEXT_AVAILABLE_SESSION)."""
        for record in self.entity.records.values():
            sid = record.session_id
            if record.state == "active" and sid is not None and self.by_id.get(sid, SessionLock()).owner is None:
                return sid
        return None

    def acquire(self, session_id: str, owner: object) -> float:
        lock = self.by_id.setdefault(session_id, SessionLock())
        if lock.owner is not None and lock.owner is not owner:
            raise SessionCannotBeLocked(
                f"The requested session '{session_id}' cannot be accepted. It may be locked by another receiver."
            )
        lock.owner = owner
        self._extend(session_id, lock)
        return lock.locked_until

    def _extend(self, session_id: str, lock: SessionLock) -> None:
        if lock.timer is not None:
            lock.timer.cancel()
        lock.locked_until = time.time() + self.entity.settings.lock_duration
        lock.timer = asyncio.get_running_loop().call_later(
            self.entity.settings.lock_duration, self.release, session_id, lock.owner, True
        )
        for record in self.entity.records.values():
            if record.state == LOCKED and record.session_id == session_id and record.lock_token is not None:
                self.entity.set_lock_until(record, lock.locked_until)  # one lock for the whole session

    def held(self, session_id: str, owner: object | None = None) -> SessionLock:
        lock = self.by_id.get(session_id)
        if lock is None or lock.owner is None or (owner is not None and lock.owner is not owner):
            raise SessionLockLost(f"The session lock has expired on the MessageSession '{session_id}'.")
        return lock

    def renew(self, session_id: str, owner: object | None = None) -> float:
        lock = self.held(session_id, owner)
        self._extend(session_id, lock)
        return lock.locked_until

    def release(self, session_id: str, owner: object | None, expired: bool = False) -> None:
        """Give the session up: its locked messages are available again (an expiry counts as a failed attempt)."""
        lock = self.by_id.get(session_id)
        if lock is None or lock.owner is None or (owner is not None and lock.owner is not owner):
            return
        if lock.timer is not None:
            lock.timer.cancel()
        holder = lock.owner
        lock.owner, lock.timer, lock.locked_until = None, None, 0.0
        lost = getattr(holder, "session_lost", None)
        if expired and lost is not None:
            lost()  # Service Bus detaches the receiver whose session lock expired (before its messages are free)
        for record in list(self.entity.records.values()):
            if record.state == LOCKED and record.session_id == session_id and record.lock_token is not None:
                record.locked_until = time.time() + 1  # still valid for the moment it takes to give it up
                try:
                    (self.entity.abandon if expired else self.entity.release)(record.lock_token)
                except LockLost:
                    pass
        self.entity.notify()
