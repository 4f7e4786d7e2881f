"""Ending `funchost start` on time even when the app left threads running that Python would wait for forever.

A non-daemon thread the app started (at import, or in a function) keeps a Python process alive after `main()`
returns: interpreter shutdown joins it. `arm()` starts a daemon thread that waits until the deadline — the end of
the grace period after SIGTERM — and until interpreter shutdown has begun; if such threads are still alive then,
it logs their names, flushes the logs and ends the process with the exit code `funchost start` would have
returned. When nothing lingers the process
exits normally before the deadline and the guard never acts. `funchost functions list` arms it too (with no
grace period): the scale controller indexes apps through it and must not wait forever on an app's thread.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable

from funchost.errors import ConfigurationError

logger = logging.getLogger("funchost.host")

# Idle worker threads of the host's own pool need a moment to notice the pool's shutdown and end.
MINIMUM_WAIT = 1.0


def _shutdown_event() -> threading.Event:
    """Set when interpreter shutdown starts, before it joins threads (and before concurrent.futures joins its pool).

    `threading._register_atexit` is what concurrent.futures itself uses for this (CPython 3.9+); its callbacks run
    last-registered first, so ours runs before the pool's join that could block. Without it the event is set at once
    and the guard acts at the deadline alone.
    """
    event = threading.Event()
    register = getattr(threading, "_register_atexit", None)
    if register is None:
        event.set()
    else:
        register(event.set)
    return event


def lingering_threads() -> list[threading.Thread]:
    """Alive non-daemon threads other than the main thread: what interpreter shutdown would wait for."""
    main = threading.main_thread()
    return [t for t in threading.enumerate() if t is not main and t.is_alive() and not t.daemon]


def guarded(run: Callable[[], int], deadline: Callable[[], float]) -> int:
    """`run()`, then `arm()` with its exit code (or its error's) and the deadline `deadline()` gives then."""
    code = 1
    try:
        code = run()
        return code
    except BaseException as exc:
        code = exit_code_for(exc)
        raise
    finally:
        arm(code, deadline())


def exit_code_for(error: BaseException) -> int:
    """The exit code `funchost.cli.main` gives the error (2 bad input, 130 Ctrl+C, 1 anything else)."""
    if isinstance(error, ConfigurationError):
        return 2
    return 130 if isinstance(error, KeyboardInterrupt) else 1


def arm(exit_code: int, deadline: float) -> None:
    """From now on, end the process with `exit_code` at `deadline` (time.monotonic()) if threads still linger."""
    wait = max(MINIMUM_WAIT, deadline - time.monotonic())

    shutting_down = _shutdown_event()

    def guard() -> None:
        time.sleep(wait)
        # Act only once the interpreter is shutting down: a caller that goes on running — `main()` called
        # in-process — is never ended from here.
        shutting_down.wait()
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
