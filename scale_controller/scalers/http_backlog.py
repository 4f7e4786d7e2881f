"""How many connections wait in a listening socket's accept queue (accepted by the kernel, not yet by a worker).

Linux: `getsockopt(TCP_INFO)` on a socket in LISTEN state reports the accept queue's current length in
`tcpi_unacked` and its limit in `tcpi_sacked` (the kernel's `tcp_get_info` fills them from `sk_ack_backlog` and
`sk_max_ack_backlog` for listeners; what `ss -lt` shows as Recv-Q / Send-Q). Elsewhere the depth is unknown: 0,
and scale from zero relies on the readability of the socket alone.
"""

from __future__ import annotations

import socket
import struct
import sys

TCP_LISTEN = 10  # tcpi_state of a listening socket (include/net/tcp_states.h)
_INFO = struct.Struct("<B7xIIIIII")  # state, 7 bytes of small fields, rto, ato, snd_mss, rcv_mss, unacked, sacked


def accept_backlog(sock: socket.socket) -> int:
    """Connections waiting to be accepted on `sock`; 0 when the platform cannot tell."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        raw = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _INFO.size)
    except OSError:
        return 0
    if len(raw) < _INFO.size:
        return 0
    state, _rto, _ato, _snd_mss, _rcv_mss, unacked, _sacked = _INFO.unpack_from(raw)
    return int(unacked) if state == TCP_LISTEN else 0
