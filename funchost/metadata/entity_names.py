"""Azure's (and the brokers') naming rules for the entities bindings name: queues, topics, subscriptions, containers.

`ENTITY_NAME_RULES` is the table: entity kind → rule. The binding parsers call `check_entity_name()` on the name
after `%Setting%` expressions are resolved, so a name the service would refuse fails at load, naming the function,
the property and the rule, instead of failing on the first connect. Sources:

- storage queue: Azure Storage "Naming Queues and Metadata" — 3-63 characters, lowercase letters, digits and
  single hyphens, starting and ending with a letter or digit (the queue extension lowercases the name first);
- blob container: "Naming and Referencing Containers, Blobs, and Metadata" — the same shape;
- Service Bus queue / topic: up to 260 characters of letters, digits, `.`, `-`, `_` and `/` (path segments),
  starting and ending with a letter or digit; subscription: up to 50 characters, no `/`; either may end in
  `/$DeadLetterQueue` to read the entity's dead-letter queue;
- Kafka topic: 1-249 characters of `[a-zA-Z0-9._-]`, and not `.` or `..` (Kafka's Topic.validate);
- RabbitMQ queue: an AMQP short string, 1-255 bytes of UTF-8. funchost only checks an existing queue (a passive
  declare, as the extension does), so the `amq.` prefix reserved for declaring is allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from funchost.errors import FunctionDefinitionError


@dataclass(frozen=True)
class NameRule:
    what: str  # "a storage queue name"
    pattern: re.Pattern[str]
    max_length: int
    rule: str  # the rule in words, for the error message
    example: str
    utf8_bytes: bool = False  # max_length counts UTF-8 bytes, not characters
    forbidden: tuple[str, ...] = ()
    suffix: str = ""  # an allowed sub-entity path, compared case-insensitively (Service Bus dead-letter queues)


_STORAGE = re.compile(r"[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*")  # no leading/trailing/double hyphen
_SB_ENTITY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._/-]*[A-Za-z0-9])?")
_SB_SUBSCRIPTION = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_KAFKA = re.compile(r"[A-Za-z0-9._-]+")
_ANY = re.compile(r".+", re.DOTALL)
_DEAD_LETTER = "/$DeadLetterQueue"  # `orders/$DeadLetterQueue`: a trigger on the entity's dead-letter queue

ENTITY_NAME_RULES: dict[str, NameRule] = {
    "storage-queue": NameRule(
        "a storage queue name",
        _STORAGE,
        63,
        "3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit",
        "orders-in",
    ),
    "blob-container": NameRule(
        "a blob container name",
        _STORAGE,
        63,
        "3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit",
        "uploads",
    ),
    "service-bus-entity": NameRule(
        "a Service Bus queue or topic name",
        _SB_ENTITY,
        260,
        "1-260 letters, digits, '.', '-', '_' and '/', starting and ending with a letter or digit",
        "orders",
        suffix=_DEAD_LETTER,
    ),
    "service-bus-subscription": NameRule(
        "a Service Bus subscription name",
        _SB_SUBSCRIPTION,
        50,
        "1-50 letters, digits, '.', '-' and '_', starting and ending with a letter or digit",
        "billing",
        suffix=_DEAD_LETTER,
    ),
    "kafka-topic": NameRule(
        "a Kafka topic name",
        _KAFKA,
        249,
        "1-249 letters, digits, '.', '_' and '-', and not '.' or '..'",
        "orders",
        forbidden=(".", ".."),
    ),
    "rabbitmq-queue": NameRule(
        "a RabbitMQ queue name", _ANY, 255, "1-255 bytes of UTF-8 text", "orders", utf8_bytes=True
    ),
}
_TEMPLATE = re.compile(r"\{[^{}]+\}")
_MIN_LENGTH = {"storage-queue": 3, "blob-container": 3}


def entity_name_problem(kind: str, name: str) -> str | None:
    """What is wrong with `name` as an entity of `kind` (a key of ENTITY_NAME_RULES), or None when it is valid."""
    rule = ENTITY_NAME_RULES[kind]
    if rule.suffix and name.casefold().endswith(rule.suffix.casefold()):
        name = name[: -len(rule.suffix)]
    length = len(name.encode("utf-8")) if rule.utf8_bytes else len(name)
    unit = "bytes" if rule.utf8_bytes else "characters"
    if length < _MIN_LENGTH.get(kind, 1):
        return f"is too short ({length} {unit})"
    if length > rule.max_length:
        return f"is too long ({length} {unit}, at most {rule.max_length})"
    if name in rule.forbidden or rule.pattern.fullmatch(name) is None:
        return "has characters or a shape that are not allowed"
    return None


def check_entity_name(kind: str, name: str, *, function: str, binding: str, prop: str, raw: object = None) -> None:
    """Raise `FunctionDefinitionError` when `name` breaks the rule of `kind`; `raw` is the value before resolution."""
    if _TEMPLATE.search(name):
        return  # a {parameter} filled per invocation: checked, as Azure does, only once it is filled
    problem = entity_name_problem(kind, name)
    if problem is None:
        return
    rule = ENTITY_NAME_RULES[kind]
    given = f"'{name}'" if raw is None or str(raw) == name else f"'{name}' (from {raw!r})"
    raise FunctionDefinitionError(
        function,
        f"binding '{binding}' property '{prop}' is {given}, which {problem} for {rule.what}: Azure allows {rule.rule}",
        f"use a valid name, e.g. '{rule.example}'",
    )
