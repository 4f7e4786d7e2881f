"""One AMQP 1.0 connection to the stand-in: the SASL exchange (ANONYMOUS / PLAIN / MSSBCBS, all accepted — Service Bus
authenticates with CBS tokens, not SASL), open / begin / end / close, and the routing of link frames to `links.py`.

Frames are read and written with the SDK's codec (`codec.py`). Idle time-outs the client asks for are honoured with
empty frames. A protocol error closes the connection with an `amqp:` error condition, as a broker does."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .codec import AMQP_HEADER, SASL_FRAME, SASL_HEADER, AMQPError, make, perf, read_frame, write_frame
from .links import Link, LinkHandler
from .sas import Grant

if TYPE_CHECKING:
    from .broker import Broker

LOG = logging.getLogger(__name__)
OPEN, BEGIN, ATTACH, FLOW, TRANSFER, DISPOSITION, DETACH, END, CLOSE = range(0x10, 0x19)
SASL_INIT = 0x41
EMPTY_FRAME = b"\x00\x00\x00\x08\x02\x00\x00\x00"
MAX_FRAME = 65536
WINDOW = 2**31 - 1


@dataclass
class Session:
    channel: int  # ours; the client's is `remote_channel`
    remote_channel: int
    next_incoming_id: int
    next_outgoing_id: int = 0
    next_delivery_id: int = 0
    links: dict[int, Link] = field(default_factory=dict)  # by the client's handle
    handles: dict[int, Link] = field(default_factory=dict)  # by ours
    unsettled: dict[int, Any] = field(default_factory=dict)  # our delivery id -> (link, token)


class Connection:
    def __init__(self, broker: Broker, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.broker, self.reader, self.writer = broker, reader, writer
        self.sessions: dict[int, Session] = {}
        self.grants: list[Grant] = []
        self.remote_max_frame = MAX_FRAME
        self.closed = False
        self.links = LinkHandler(self)
        self.replies: dict[tuple[int, str], Any] = {}  # (channel, node address) -> nodes.ReplyQueue
        self._heartbeat: asyncio.Task[None] | None = None

    # -- writing ---------------------------------------------------------------------------------------------
    def send(self, channel: int, frame: Any) -> None:
        if not self.closed:
            write_frame(self.writer, channel, frame)

    # -- lifecycle -------------------------------------------------------------------------------------------
    async def run(self) -> None:
        try:
            await self._handshake()
            while not self.closed:
                frame_type, channel, code, fields = await read_frame(self.reader)
                if code == -1:
                    continue  # a heartbeat
                self._dispatch(channel, code, fields)
                await self.writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except Exception as exc:  # a bug or a protocol violation: tell the client, as a broker would
            LOG.exception("Service Bus stand-in connection failed")
            self.send(0, make(perf.CloseFrame, error=AMQPError(condition=b"amqp:internal-error", description=str(exc))))
        finally:
            await self._shutdown()

    async def _handshake(self) -> None:
        header = await self.reader.readexactly(8)
        if header == SASL_HEADER:
            self.writer.write(SASL_HEADER)
            mechanisms = make(perf.SASLMechanism, sasl_server_mechanisms=[b"ANONYMOUS", b"PLAIN", b"MSSBCBS"])
            write_frame(self.writer, 0, mechanisms, frame_type=SASL_FRAME)
            _, _, code, _ = await read_frame(self.reader)
            if code != SASL_INIT:
                raise ConnectionError("SASL init expected")
            write_frame(self.writer, 0, make(perf.SASLOutcome, code=0), frame_type=SASL_FRAME)
            header = await self.reader.readexactly(8)
        self.writer.write(AMQP_HEADER)
        if header != AMQP_HEADER:
            raise ConnectionError(f"unsupported protocol header {header!r}")

    async def _shutdown(self) -> None:
        self.closed = True
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        for session in self.sessions.values():
            for link in list(session.handles.values()):
                self.links.forget(session, link)
        self.sessions.clear()
        with contextlib.suppress(Exception):
            self.writer.close()
        self.broker.connections.discard(self)

    async def _beat(self, interval: float) -> None:
        while not self.closed:
            await asyncio.sleep(interval)
            self.writer.write(EMPTY_FRAME)

    # -- frames ----------------------------------------------------------------------------------------------
    def _dispatch(self, channel: int, code: int, fields: list[Any]) -> None:
        if code == OPEN:
            self.remote_max_frame = min(int(fields[2] or MAX_FRAME), 4 * 1024 * 1024)
            idle = fields[4]
            if idle:
                self._heartbeat = asyncio.get_running_loop().create_task(self._beat(idle / 2000))
            self.send(
                0,
                make(
                    perf.OpenFrame,
                    container_id=f"servicebus-standin-{uuid.uuid4().hex[:8]}",
                    max_frame_size=MAX_FRAME,
                    channel_max=255,
                ),
            )
        elif code == BEGIN:
            ours = channel  # the same number both ways keeps the mapping obvious
            self.sessions[channel] = Session(ours, channel, next_incoming_id=int(fields[1] or 0))
            self.send(
                ours,
                make(
                    perf.BeginFrame,
                    remote_channel=channel,
                    next_outgoing_id=0,
                    incoming_window=WINDOW,
                    outgoing_window=WINDOW,
                    handle_max=4294967295,
                ),
            )
        elif code == END:
            session = self.sessions.pop(channel, None)
            if session is not None:
                for link in list(session.handles.values()):
                    self.links.forget(session, link)
                self.send(session.channel, make(perf.EndFrame))
        elif code == CLOSE:
            self.send(0, make(perf.CloseFrame))
            self.closed = True
        else:
            session = self.sessions.get(channel)
            if session is None:
                raise ConnectionError(f"frame {code:#x} on unknown channel {channel}")
            if code == ATTACH:
                self.links.attach(session, fields)
            elif code == FLOW:
                self.links.flow(session, fields)
            elif code == TRANSFER:
                session.next_incoming_id += 1
                self.links.transfer(session, fields)
            elif code == DISPOSITION:
                self.links.disposition(session, fields)
            elif code == DETACH:
                self.links.detach(session, fields)

    def session_flow(self, session: Session, **link_fields: Any) -> None:
        self.send(
            session.channel,
            make(
                perf.FlowFrame,
                next_incoming_id=session.next_incoming_id,
                incoming_window=WINDOW,
                next_outgoing_id=session.next_outgoing_id,
                outgoing_window=WINDOW,
                **link_fields,
            ),
        )
