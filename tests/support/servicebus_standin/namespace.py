"""The stand-in's namespace: its entities (queues, topics with subscriptions, each with a `$DeadLetterQueue`) and its
shared-access policies, built from a plain dict / JSON config and changeable while running (`add_queue`, `add_topic`).

Config shape (every key optional; entity settings default to Service Bus's)::

    {"queues": {"orders": {"lock_duration": 5, "max_delivery_count": 3, "requires_session": false}},
     "topics": {"events": {"subscriptions": {"audit": {}, "mail": {"lock_duration": 2}}}},
     "policies": {"RootManageSharedAccessKey": {"key": "...", "rights": ["Manage", "Listen", "Send"]}}}

Paths are matched case-insensitively, as Service Bus does: `orders`, `orders/$DeadLetterQueue`,
`events/Subscriptions/audit`, `events/Subscriptions/audit/$DeadLetterQueue`."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from .entity import Entity, QueueSettings
from .sections import StoredMessage
from .sessions import Sessions

DLQ = "/$deadletterqueue"
DEFAULT_POLICY = "RootManageSharedAccessKey"
DEFAULT_KEY = "c3RhbmQtaW4ta2V5LWZvci10ZXN0cy1vbmx5"  # not a secret: the stand-in's well-known default
ALL_RIGHTS = frozenset({"Manage", "Listen", "Send"})


class EntityNotFound(LookupError):
    """No queue, topic or subscription at that path."""


class MissingSessionId(ValueError):
    """A message without a session id sent to a session-enabled entity."""


@dataclass
class Queue:
    """A queue or a subscription: the active store, its dead-letter sub-queue and (if session-enabled) sessions."""

    main: Entity
    sessions: Sessions | None = None

    @classmethod
    def create(cls, path: str, settings: QueueSettings, sequence: Iterator[int] | None = None) -> Queue:
        main = Entity(path, settings)
        if sequence is not None:
            main.sequence = sequence
        main.dead_letter = Entity(path + "/$DeadLetterQueue", settings)
        return cls(main, Sessions(main) if settings.requires_session else None)


@dataclass
class Topic:
    name: str
    sequence: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    subscriptions: dict[str, Queue] = field(default_factory=dict)


@dataclass(frozen=True)
class Policy:
    name: str
    key: str
    rights: frozenset[str] = ALL_RIGHTS


def settings_from(config: Mapping[str, Any], where: str) -> QueueSettings:
    known = {"lock_duration", "max_delivery_count", "requires_session", "dead_lettering_on_message_expiration"}
    unknown = set(config) - known
    if unknown:
        raise ValueError(
            f"Service Bus stand-in config {where}: unknown setting(s) {sorted(unknown)}; "
            "use lock_duration (seconds), max_delivery_count, requires_session, "
            "dead_lettering_on_message_expiration"
        )
    return QueueSettings(
        lock_duration=float(config.get("lock_duration", 60.0)),
        max_delivery_count=int(config.get("max_delivery_count", 10)),
        requires_session=bool(config.get("requires_session", False)),
        dead_lettering_on_message_expiration=bool(config.get("dead_lettering_on_message_expiration", False)),
    )


@dataclass
class Namespace:
    queues: dict[str, Queue] = field(default_factory=dict)
    topics: dict[str, Topic] = field(default_factory=dict)
    policies: dict[str, Policy] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None = None) -> Namespace:
        config = dict(config or {})
        unknown = set(config) - {"queues", "topics", "policies"}
        if unknown:
            raise ValueError(
                f"Service Bus stand-in config: unknown key(s) {sorted(unknown)}; use queues, topics, policies"
            )
        namespace = cls()
        for name, policy in (config.get("policies") or {DEFAULT_POLICY: {"key": DEFAULT_KEY}}).items():
            namespace.policies[name] = Policy(name, policy["key"], frozenset(policy.get("rights", ALL_RIGHTS)))
        for name, settings in (config.get("queues") or {}).items():
            namespace.add_queue(name, **settings)
        for name, topic in (config.get("topics") or {}).items():
            namespace.add_topic(name, topic.get("subscriptions") or {})
        return namespace

    def add_queue(self, name: str, **settings: Any) -> None:
        self.queues[name.lower()] = Queue.create(name, settings_from(settings, f"queue '{name}'"))

    def add_topic(self, name: str, subscriptions: Mapping[str, Mapping[str, Any]]) -> None:
        topic = Topic(name)
        for sub, settings in subscriptions.items():
            path = f"{name}/Subscriptions/{sub}"
            topic.subscriptions[sub.lower()] = Queue.create(
                path, settings_from(settings, f"subscription '{path}'"), topic.sequence
            )
        self.topics[name.lower()] = topic

    # -- lookup ----------------------------------------------------------------------------------------------
    @staticmethod
    def path_of(address: str) -> str:
        """'amqps://host/orders/$management' -> 'orders/$management'; a bare path is kept."""
        parsed = urlparse(address)
        return (parsed.path if parsed.scheme else address).strip("/")

    def queue(self, path: str) -> tuple[Queue, bool]:
        """The queue or subscription at `path` and whether the path names its dead-letter sub-queue."""
        lowered = path.lower()
        dead = lowered.endswith(DLQ)
        if dead:
            lowered = lowered[: -len(DLQ)]
        parts = lowered.split("/")
        if len(parts) == 1 and parts[0] in self.queues:
            return self.queues[parts[0]], dead
        if len(parts) == 3 and parts[1] == "subscriptions" and parts[0] in self.topics:
            found = self.topics[parts[0]].subscriptions.get(parts[2])
            if found is not None:
                return found, dead
        raise EntityNotFound(f"The messaging entity '{path}' could not be found.")

    def entity(self, path: str) -> Entity:
        queue, dead = self.queue(path)
        assert queue.main.dead_letter is not None
        return queue.main.dead_letter if dead else queue.main

    def send_target(self, path: str) -> Queue | Topic:
        lowered = path.lower()
        if lowered in self.queues:
            return self.queues[lowered]
        if lowered in self.topics:
            return self.topics[lowered]
        raise EntityNotFound(f"The messaging entity '{path}' could not be found.")

    def accept(self, path: str, message: StoredMessage, visible_at_ms: int | None = None) -> int:
        """Store a sent message: in a queue, or in every subscription of a topic under one sequence number."""
        target = self.send_target(path)
        queues = [target] if isinstance(target, Queue) else list(target.subscriptions.values())
        for queue in queues:
            if queue.sessions is not None and message.session_id is None:
                raise MissingSessionId(
                    f"The SessionId was not set on a message, and it cannot be sent to the entity '{path}'. "
                    "Entities that have session support enabled can only receive messages that have the SessionId set."
                )
        seq = next(target.sequence) if isinstance(target, Topic) else next(target.main.sequence)
        for queue in queues:
            queue.main.enqueue(message, seq, visible_at_ms)
        return seq

    def cancel_scheduled(self, path: str, seq: int) -> None:
        target = self.send_target(path)
        for queue in [target] if isinstance(target, Queue) else list(target.subscriptions.values()):
            queue.main.cancel_scheduled(seq)
