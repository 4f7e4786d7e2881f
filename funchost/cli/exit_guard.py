"""Ending `funchost start` on time even when the app left threads running that Python would wait for forever.

A non-daemon thread the app started (at import, or in a function) keeps a Python process alive after `main()`
returns: interpreter shutdown joins it. `arm()` starts a daemon thread that waits until the deadline — the end of
the grace period after SIGTERM — and, if such threads are still alive then, logs their names, flushes the logs
and ends the process with the exit code `funchost start` would have returned. When nothing lingers the process
exits normally before the deadline and the guard never acts.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time

logger = logging.getLogger("funchost.host")

# Idle worker threads of the host's own pool need a moment to notice the pool's shutdown and end.
MINIMUM_WAIT = 1.0


def lingering_threads() -> list[threading.Thread]:
    """Alive non-daemon threads other than the main thread: what interpreter shutdown would wait for."""
    main = threading.main_thread()
    return [t for t in threading.enumerate() if t is not main and t.is_alive() and not t.daemon]


def arm(exit_code: int, deadline: float) -> None:
    """From now on, end the process with `exit_code` at `deadline` (time.monotonic()) if threads still linger."""
    wait = max(MINIMUM_WAIT, deadline - time.monotonic())

    def guard() -> None:
        time.sleep(wait)
        threads = lingering_threads()
        if not threads:
            return
        names = ", ".join(repr(t.name) for t in threads)
        logger.warning(
            "Exiting although %d thread(s) still run: %s. They are not daemon threads, so Python would wait for "
            "them forever; start such threads with daemon=True, or stop them when the host stops",
            len(threads),
            names,
        )
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(exit_code)

    threading.Thread(target=guard, name="funchost-exit-guard", daemon=True).start()
