"""A minimal init for funchost images: ``python -m funchost.deploy.pid1 COMMAND...`` (the image's ENTRYPOINT).

As PID 1 of a container a process gets no default signal handling: SIGTERM with the default action is dropped, so
``docker stop`` would wait its whole timeout and then SIGKILL, and orphaned processes are never reaped. This runs
COMMAND as its child, forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH to it (a signal that
arrives before the child exists is delivered once it does), reaps every child (orphans included) and exits with
COMMAND's exit code (128 + N when a signal N ended it). The host drains on SIGTERM and exits 0.

Like tini or ``docker run --init``, which it makes unnecessary (it also works under them).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from types import FrameType

FORWARDED = (
    signal.SIGTERM,
    signal.SIGINT,
    signal.SIGHUP,
    signal.SIGQUIT,
    signal.SIGUSR1,
    signal.SIGUSR2,
    signal.SIGWINCH,
)


class Init:
    def __init__(self) -> None:
        self.child: int | None = None
        self.pending: list[int] = []

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.child is None:
            self.pending.append(signum)
        else:
            _kill(self.child, signum)

    def run(self, command: Sequence[str]) -> int:
        for sig in FORWARDED:
            signal.signal(sig, self.on_signal)
        try:
            # The child starts with default signal handling (Popen resets SIGPIPE and friends; handlers are not
            # inherited across exec).
            process = subprocess.Popen(list(command))
        except OSError as exc:
            print(f"funchost init: cannot run {' '.join(command)}: {exc}", file=sys.stderr)
            return 127 if isinstance(exc, FileNotFoundError) else 126
        self.child = process.pid
        for signum in self.pending:
            _kill(process.pid, signum)
        while True:
            pid, status = os.wait()  # retried by Python after each signal handler (PEP 475)
            if pid == process.pid:
                process.returncode = 0  # reaped here: keep Popen from waiting on it again
                code = os.waitstatus_to_exitcode(status)
                return 128 - code if code < 0 else code


def _kill(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    command = list(sys.argv[1:] if argv is None else argv)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        print("usage: python -m funchost.deploy.pid1 COMMAND [ARG...]", file=sys.stderr)
        return 2
    return Init().run(command)


if __name__ == "__main__":
    sys.exit(main())
