"""A time limit on importing the app: an import that blocks ends the process with a message, not a silent hang.

The app is imported in the main thread, exactly as the Python worker does (signal handlers, thread-locals and
event-loop lookups at import time behave as they do on Azure), so a blocked import cannot be interrupted from
outside. A daemon watchdog thread waits for the import to finish; when the limit passes first it writes an
`error:` line naming the file and line the main thread is blocked at, then ends the process with exit code 2.
Only the CLI arms it (`FUNCHOST_INDEXING_TIMEOUT`, default 60 s, 0 = no limit); an in-process `load_app()`
without a limit is never ended from here.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from funchost.metadata.import_errors import is_under

INDEXING_TIMEOUT_ENV = "FUNCHOST_INDEXING_TIMEOUT"
# Generous on purpose: a cold container importing a large stack (pandas, torch, SDK clients) takes tens of seconds;
# an import still running after a minute is almost always waiting on a network call or input that never comes.
DEFAULT_INDEXING_TIMEOUT = 60.0
EXIT_CODE = 2
_LIBRARY_FOLDERS = frozenset({"site-packages", "dist-packages"})


@contextmanager
def indexing_watchdog(script_root: Path, timeout: float | None) -> Iterator[None]:
    """Within the block, end the process if it has not left the block after `timeout` seconds (None/0: never)."""
    if not timeout:
        yield
        return
    main_thread = threading.get_ident()
    finished = threading.Event()

    def watch() -> None:
        if finished.wait(timeout):
            return
        frame = sys._current_frames().get(main_thread)
        sys.stderr.write(f"error: {blocked_message(script_root, timeout, frame)}\n")
        sys.stderr.flush()
        os._exit(EXIT_CODE)

    watchdog = threading.Thread(target=watch, name="funchost-indexing-watchdog", daemon=True)
    watchdog.start()
    try:
        yield
    finally:
        finished.set()


def blocked_message(script_root: Path, timeout: float, frame: FrameType | None) -> str:
    where = _deepest_app_frame(script_root, frame)
    location = f"{where[0]}:{where[1]} (in {where[2]})" if where else "a place outside the app folder"
    return (
        f"indexing the app in {script_root} did not finish within {timeout:g} s: importing it is blocked at "
        f"{location}. Fix: do not wait at import time (connect to services, read input or sleep inside a function, "
        f"or behind a lazy helper), or raise {INDEXING_TIMEOUT_ENV} (seconds; 0 = no limit)"
    )


def _deepest_app_frame(script_root: Path, frame: FrameType | None) -> tuple[str, int, str] | None:
    """The innermost frame in the app's own code (a virtualenv inside the app folder is not the app's code)."""
    root = script_root.resolve()
    fallback = None
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if path.is_absolute() and is_under(path, root):
            found = (str(path), frame.f_lineno, frame.f_code.co_name)
            if not _LIBRARY_FOLDERS.intersection(path.parts):
                return found
            fallback = fallback or found
        frame = frame.f_back
    return fallback
