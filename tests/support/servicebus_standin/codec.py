"""The AMQP 1.0 codec of the stand-in: the azure-servicebus SDK's own pure-Python encoder/decoder
(`azure.servicebus._pyamqp`), imported as a library. This module is the only one that touches the SDK's private
modules, so a change in them shows up here first.

It owns frame I/O (8-byte frame headers, performatives as the SDK's namedtuples), typed values for what the broker
writes (`typed`), and decoded-value helpers (`text`)."""

from __future__ import annotations

import asyncio
import struct
from typing import Any

from azure.servicebus._pyamqp import performatives as perf
from azure.servicebus._pyamqp._decode import _DECODE_BY_CONSTRUCTOR, decode_frame, decode_payload
from azure.servicebus._pyamqp._encode import describe_performative, encode_frame, encode_payload, encode_value
from azure.servicebus._pyamqp.endpoints import Source, Target
from azure.servicebus._pyamqp.error import AMQPError
from azure.servicebus._pyamqp.message import Header, Message, Properties
from azure.servicebus._pyamqp.outcomes import Accepted, Modified, Rejected, Released
from azure.servicebus._pyamqp.types import TYPE, VALUE, AMQPTypes

__all__ = [
    "TYPE",
    "VALUE",
    "AMQPError",
    "AMQPTypes",
    "Accepted",
    "Header",
    "Message",
    "Modified",
    "Properties",
    "Rejected",
    "Released",
    "Source",
    "Target",
    "decode_payload",
    "decode_value",
    "describe_performative",
    "encode_payload",
    "encode_value",
    "make",
    "perf",
    "read_frame",
    "text",
    "typed",
    "write_frame",
]

AMQP_HEADER = b"AMQP\x00\x01\x00\x00"
SASL_HEADER = b"AMQP\x03\x01\x00\x00"
SASL_FRAME = b"\x01"
AMQP_FRAME = b"\x00"


def make(cls: Any, **fields: Any) -> Any:
    """A performative / endpoint namedtuple with every field not given set to None."""
    return cls(**{name: fields.get(name) for name in cls._fields})


def typed(kind: str, value: Any) -> dict[str, Any]:
    """A value the SDK encoder writes with an explicit AMQP type (e.g. typed(AMQPTypes.long, 5))."""
    return {TYPE: kind, VALUE: value}


def text(value: Any) -> str | None:
    """An AMQP string/symbol as decoded by the SDK (bytes) as str."""
    if value is None:
        return None
    if isinstance(value, memoryview):
        value = value.tobytes()
    return value.decode("utf-8") if isinstance(value, bytes | bytearray) else str(value)


def decode_value(buffer: memoryview) -> tuple[memoryview, Any]:
    """One AMQP value from the front of `buffer`; returns the rest and the value."""
    result: tuple[memoryview, Any] = _DECODE_BY_CONSTRUCTOR[buffer[0]](buffer[1:])
    return result


async def read_frame(reader: asyncio.StreamReader) -> tuple[int, int, int, Any]:
    """(frame type, channel, performative code, fields) of the next frame; code -1 for an empty (heartbeat) frame."""
    head = await reader.readexactly(8)
    size, offset, frame_type, channel = struct.unpack(">IBBH", head)
    body = await reader.readexactly(size - 8)
    body = body[(offset * 4) - 8 :]
    if not body:
        return frame_type, channel, -1, None
    code, fields = decode_frame(memoryview(body))
    return frame_type, channel, code, fields


def write_frame(writer: asyncio.StreamWriter, channel: int, frame: Any, frame_type: bytes = AMQP_FRAME) -> None:
    header, body = encode_frame(frame, frame_type=frame_type)
    writer.write(header if body is None else header + struct.pack(">H", channel) + bytes(body))
