"""A stored message as its raw AMQP sections, so the bytes a sender wrote reach the receiver unchanged.

The broker rewrites only what Service Bus rewrites: the header (its delivery-count), the message annotations (it adds
`x-opt-sequence-number`, `x-opt-enqueued-time`, `x-opt-lock-token`, `x-opt-locked-until`, … to the sender's own) and,
on dead-lettering, two application properties (`DeadLetterReason`, `DeadLetterErrorDescription`). Maps are extended by
splicing encoded pairs after the sender's, never by decoding and re-encoding them (which would lose AMQP types).
A batch (message format 0x80013700) is split into its inner messages, one data section each."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from .codec import AMQPTypes, Header, Properties, decode_value, describe_performative, encode_value, typed

BATCH_FORMAT = 0x80013700
HEADER, DELIVERY_ANNOTATIONS, ANNOTATIONS, PROPERTIES, APPLICATION_PROPERTIES, DATA = 112, 113, 114, 115, 116, 117


class MalformedMessage(ValueError):
    """A transfer whose payload is not a sequence of AMQP message sections."""


def split_sections(payload: bytes) -> list[tuple[int, bytes]]:
    """[(section code, raw bytes of the whole described section)] in wire order."""
    view, sections = memoryview(payload), []
    while view:
        if view[0] != 0x00:
            raise MalformedMessage(f"a message section must be a described type, found constructor {view[0]:#x}")
        if view[1] == 0x53:
            code, start = view[2], 3
        elif view[1] == 0x80:
            code, start = struct.unpack(">Q", view[2:10])[0], 10
        else:
            raise MalformedMessage(f"unsupported section descriptor constructor {view[1]:#x}")
        rest, _ = decode_value(view[start:])
        length = len(view) - len(rest)
        sections.append((int(code), bytes(view[:length])))
        view = rest
    return sections


def section_value(raw: bytes) -> Any:
    start = 3 if raw[1] == 0x53 else 10
    return decode_value(memoryview(raw)[start:])[1]


def split_batch(payload: bytes) -> list[bytes]:
    """The inner messages of a batch: each data section's binary."""
    return [bytes(section_value(raw)) for code, raw in split_sections(payload) if code == DATA]


def _map_pairs(raw: bytes) -> tuple[int, bytes]:
    """(number of keys + values, encoded pairs) of a described map section."""
    start = 3 if raw[1] == 0x53 else 10
    constructor = raw[start]
    if constructor == 0xC1:
        return raw[start + 2], raw[start + 3 :]
    if constructor == 0xD1:
        return struct.unpack(">I", raw[start + 5 : start + 9])[0], raw[start + 9 :]
    return 0, b""  # a null map


def _extended_map(code: int, raw: bytes | None, extra: list[tuple[Any, Any]]) -> bytes:
    count, pairs = _map_pairs(raw) if raw else (0, b"")
    added = bytearray()
    for key, value in extra:
        encode_value(added, key)
        encode_value(added, value)
    body = pairs + bytes(added)
    return bytes([0x00, 0x53, code, 0xD1]) + struct.pack(">II", len(body) + 4, count + 2 * len(extra)) + body


@dataclass
class StoredMessage:
    """What an entity keeps of one message, from which every delivery is rebuilt."""

    sections: list[tuple[int, bytes]]
    header: list[Any] = field(default_factory=list)
    properties: Properties = field(default_factory=Properties)
    annotations: dict[Any, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, payload: bytes) -> StoredMessage:
        sections = [(c, r) for c, r in split_sections(payload) if c != DELIVERY_ANNOTATIONS]
        found = dict(sections)
        header = list(section_value(found[HEADER]) or []) if HEADER in found else []
        properties = Properties(*(section_value(found[PROPERTIES]) or [])) if PROPERTIES in found else Properties()
        annotations = (section_value(found[ANNOTATIONS]) or {}) if ANNOTATIONS in found else {}
        return cls([(c, r) for c, r in sections if c != HEADER], header, properties, annotations)

    @property
    def ttl_ms(self) -> int | None:
        """The sender's time-to-live (header ttl, milliseconds), if any."""
        fields = (self.header + [None] * 3)[:3]
        return int(fields[2]) if fields[2] else None

    @property
    def session_id(self) -> str | None:
        group = self.properties.group_id
        return group.decode("utf-8") if isinstance(group, bytes) else group

    def with_properties(self, extra: dict[str, str]) -> StoredMessage:
        """A copy whose application properties also hold `extra` (string values)."""
        pairs = [(typed(AMQPTypes.string, k), typed(AMQPTypes.string, v)) for k, v in extra.items()]
        current = dict(self.sections).get(APPLICATION_PROPERTIES)
        new = (APPLICATION_PROPERTIES, _extended_map(APPLICATION_PROPERTIES, current, pairs))
        sections = [s for s in self.sections if s[0] != APPLICATION_PROPERTIES]
        at = next((i for i, (c, _) in enumerate(sections) if c > APPLICATION_PROPERTIES), len(sections))
        return StoredMessage([*sections[:at], new, *sections[at:]], self.header, self.properties, self.annotations)

    def encode(self, delivery_count: int, broker_annotations: dict[str, dict[str, Any]]) -> bytes:
        """The payload of one delivery: a fresh header, the sender's annotations plus the broker's, the rest as sent."""
        fields = (self.header + [None] * 5)[:5]
        header = Header(fields[0], fields[1], fields[2], delivery_count == 0, delivery_count)
        out = bytearray()
        encode_value(out, describe_performative(header))
        pairs = [(typed(AMQPTypes.symbol, k), v) for k, v in broker_annotations.items()]
        annotations = dict(self.sections).get(ANNOTATIONS)
        out += _extended_map(ANNOTATIONS, annotations, pairs)
        for code, raw in self.sections:
            if code != ANNOTATIONS:
                out += raw
        return bytes(out)
