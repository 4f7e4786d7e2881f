"""`LoadGauge`: a worker's outstanding HTTP function requests, published for the local scale controller (it lives
with the metadata because it is, like the metadata JSON, where the host and the controller meet).

`funchost up` gives each worker a file in FUNCHOST_HTTP_LOAD_FILE; the worker maps it and keeps the current count
in its first 8 bytes (unsigned, little-endian), so the controller reads every worker's load without a request to
it (a shared listening socket gives no way to address one worker). Without the setting the count stays in memory.
`read_load(path)` is the controller's side.
"""

from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Mapping
from pathlib import Path

LOAD_FILE_ENV = "FUNCHOST_HTTP_LOAD_FILE"
_FORMAT = struct.Struct("<Q")


class LoadGauge:
    """The number of outstanding requests; `set()` is called on the event loop at every change."""

    def __init__(self, path: Path | None = None) -> None:
        self.value = 0
        self._map: mmap.mmap | None = None
        if path is not None:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                os.ftruncate(fd, _FORMAT.size)
                self._map = mmap.mmap(fd, _FORMAT.size)
            finally:
                os.close(fd)
            self.set(0)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> LoadGauge:
        path = (os.environ if environ is None else environ).get(LOAD_FILE_ENV)
        return cls(Path(path) if path else None)

    def set(self, value: int) -> None:
        self.value = value
        if self._map is not None:
            _FORMAT.pack_into(self._map, 0, max(value, 0))


def read_load(path: Path) -> int:
    """A worker's published count; 0 when the file does not exist yet (the worker is still starting)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return 0
    return _FORMAT.unpack_from(data)[0] if len(data) >= _FORMAT.size else 0
