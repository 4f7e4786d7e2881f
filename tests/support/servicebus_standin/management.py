"""The `<entity>/$management` operations the SDK calls, answered as Service Bus answers them (`statusCode`,
`statusDescription`, `errorCondition` application properties; a map body):

renew-lock, update-disposition (completed / abandoned / suspended / defered), receive-by-sequence-number (deferred
messages), peek-message, schedule-message, cancel-scheduled-message, renew-session-lock, get-session-state,
set-session-state. Anything else is answered 501 with the operation's name, so a missing one is obvious."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from .codec import AMQPTypes, Message, make, text, typed
from .deliver import payload_of
from .entity import Entity, LockLost
from .namespace import Namespace, Queue
from .sections import StoredMessage
from .sessions import SessionLockLost

VENDOR = "com.microsoft:"
SCHEDULED_AT = b"x-opt-scheduled-enqueue-time"


class Failure(Exception):
    def __init__(self, status: int, condition: str, description: str) -> None:
        super().__init__(description)
        self.status, self.condition, self.description = status, condition, description


def handle(namespace: Namespace, path: str, request: Message) -> tuple[Message, Message]:
    props = request.application_properties or {}
    operation = (text(props.get(b"operation")) or "").removeprefix(VENDOR)
    body: dict[bytes, Any] = request.value if isinstance(request.value, dict) else {}
    try:
        op = OPERATIONS.get(operation)
        if op is None:
            raise Failure(501, "amqp:not-implemented", f"The Service Bus stand-in does not implement '{operation}'")
        status, value = op(namespace, path, body)
        answer: dict[str, Any] = {"statusCode": status, "statusDescription": "OK" if status == 200 else "No Content"}
    except Failure as failed:
        value = None
        answer = {
            "statusCode": failed.status,
            "statusDescription": failed.description,
            "errorCondition": typed(AMQPTypes.symbol, failed.condition),
        }
    return request, make(Message, application_properties=answer, value=value)


def _entity(namespace: Namespace, path: str) -> tuple[Queue, Entity]:
    queue, dead = namespace.queue(path)
    assert queue.main.dead_letter is not None
    return queue, queue.main.dead_letter if dead else queue.main


def _session(body: dict[bytes, Any]) -> str | None:
    return text(body.get(b"session-id"))


def _tokens(body: dict[bytes, Any]) -> list[uuid.UUID]:
    return [t if isinstance(t, uuid.UUID) else uuid.UUID(text(t)) for t in body.get(b"lock-tokens") or []]


def _lock_lost(exc: Exception) -> Failure:
    return Failure(410, VENDOR + "message-lock-lost", str(exc))


def renew_lock(namespace: Namespace, path: str, body: dict[bytes, Any]) -> tuple[int, Any]:
    _, entity = _entity(namespace, path)
    try:
        expirations = [int(entity.renew(token) * 1000) for token in _tokens(body)]
    except LockLost as lost:
        raise _lock_lost(lost) from None
    return 200, {"expirations": typed(AMQPTypes.array, [typed(AMQPTypes.timestamp, e) for e in expirations])}


def update_disposition(namespace: Namespace, path: str, body: dict[bytes, Any]) -> tuple[int, Any]:
    _, entity = _entity(namespace, path)
    status = text(body.get(b"disposition-status"))
    actions: dict[str | None, Callable[[Any], None]] = {
        "completed": entity.complete,
        "abandoned": entity.abandon,
        "defered": entity.defer,
        "suspended": lambda token: entity.dead_letter_locked(
            token, text(body.get(b"deadletter-reason")), text(body.get(b"deadletter-description"))
        ),
    }
    if status not in actions:
        raise Failure(400, VENDOR + "argument-error", f"Unknown disposition-status '{status}'")
    try:
        for token in _tokens(body):
            actions[status](token)
    except LockLost as lost:
        raise _lock_lost(lost) from None
    return 200, {}


def receive_by_sequence_number(namespace: Namespace, path: str, body: dict[bytes, Any]) -> tuple[int, Any]:
    queue, entity = _entity(namespace, path)
    session_id = _session(body)
    until = None
    if session_id is not None and queue.sessions is not None:
        try:
            until = queue.sessions.held(session_id).locked_until
        except SessionLockLost as lost:
            raise Failure(410, VENDOR + "session-lock-lost", str(lost)) from None
    peek_lock = int(body.get(b"receiver-settle-mode") or 0) == 1
    found = []
    for seq in body.get(b"sequence-numbers") or []:
        record = entity.records.get(int(seq))
        if record is None or record.state != "deferred" or (session_id and record.session_id != session_id):
            raise Failure(
                404,
                VENDOR + "message-not-found",
                f"Failed to retrieve the deferred message with sequence number {seq} from '{path}'.",
            )
        if peek_lock:
            token = entity.lock(record, until)
            found.append({"message": payload_of(entity, record, token), "lock-token": typed(AMQPTypes.uuid, token)})
        else:
            found.append({"message": payload_of(entity, record, None)})
            entity.records.pop(record.sequence_number, None)
    return 200, {"messages": found}


def peek_message(namespace: Namespace, path: str, body: dict[bytes, Any]) -> tuple[int, Any]:
    _, entity = _entity(namespace, path)
    start, count, session_id = (
        int(body.get(b"from-sequence-number") or 0),
        int(body.get(b"message-count") or 1),
        _session(body),
    )
    records = [
        r
        for seq, r in sorted(entity.records.items())
        if seq >= start and (session_id is None or r.session_id == session_id)
    ][:count]
    if not records:
        return 204, None
    return 200, {"messages": [{"message": payload_of(entity, r, None)} for r in records]}


def schedule_message(namespace: Namespace, path: str, body: dict[bytes, Any]) -> tuple[int, Any]:
    numbers = []
    for item in body.get(b"messages") or []:
        message = StoredMessage.parse(bytes(item[b"message"]))
        at = message.annotations.get(SCHEDULED_AT)
        numbers.append(namespace.accept(path, message, int(at) if at else int(time.time() * 1000)))
    return 200, {"sequence-numbers": typed(AMQPTypes.array, [typed(AMQPTypes.long, n) for n in numbers])}


def cancel_scheduled_message(namespace: Namespace, path: str, body: dict[bytes, Any]) -> tuple[int, Any]:
    for seq in body.get(b"sequence-numbers") or []:
        namespace.cancel_scheduled(path, int(seq))
    return 200, {}


def _sessions(namespace: Namespace, path: str, body: dict[bytes, Any]) -> tuple[Any, str]:
    queue, _ = _entity(namespace, path)
    session_id = _session(body)
    if queue.sessions is None or session_id is None:
        raise Failure(400, VENDOR + "argument-error", f"'{path}' is not session-enabled or no session-id was given")
    try:
        return queue.sessions.held(session_id), session_id
    except SessionLockLost as lost:
        raise Failure(410, VENDOR + "session-lock-lost", str(lost)) from None


def renew_session_lock(namespace: Namespace, path: str, body: dict[bytes, Any]) -> tuple[int, Any]:
    queue, _ = _entity(namespace, path)
    _, session_id = _sessions(namespace, path, body)
    assert queue.sessions is not None
    return 200, {"expiration": typed(AMQPTypes.timestamp, int(queue.sessions.renew(session_id) * 1000))}


def get_session_state(namespace: Namespace, path: str, body: dict[bytes, Any]) -> tuple[int, Any]:
    lock, _ = _sessions(namespace, path, body)
    return 200, {"session-state": typed(AMQPTypes.binary, lock.state) if lock.state is not None else None}


def set_session_state(namespace: Namespace, path: str, body: dict[bytes, Any]) -> tuple[int, Any]:
    lock, _ = _sessions(namespace, path, body)
    state = body.get(b"session-state")
    lock.state = bytes(state) if state is not None else None
    return 200, {}


OPERATIONS: dict[str, Callable[[Namespace, str, dict[bytes, Any]], tuple[int, Any]]] = {
    "renew-lock": renew_lock,
    "update-disposition": update_disposition,
    "receive-by-sequence-number": receive_by_sequence_number,
    "peek-message": peek_message,
    "schedule-message": schedule_message,
    "cancel-scheduled-message": cancel_scheduled_message,
    "renew-session-lock": renew_session_lock,
    "get-session-state": get_session_state,
    "set-session-state": set_session_state,
}
