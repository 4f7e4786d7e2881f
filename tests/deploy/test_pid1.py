"""The image's init (python -m funchost.deploy.pid1 COMMAND): signals reach the command, its exit code comes back."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

INIT = [sys.executable, "-m", "funchost.deploy.pid1"]

WAITS_FOR_SIGTERM = """
import signal, sys, time
signal.signal(signal.SIGTERM, lambda s, f: (print("drained after", s, flush=True), sys.exit(0)))
print("ready", flush=True)
time.sleep(30)
sys.exit(3)
"""


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*INIT, *command], capture_output=True, text=True, timeout=30, check=False)


def test_sigterm_is_forwarded_and_the_commands_exit_code_returned() -> None:
    with subprocess.Popen([*INIT, sys.executable, "-c", WAITS_FOR_SIGTERM], stdout=subprocess.PIPE, text=True) as init:
        assert init.stdout is not None
        assert init.stdout.readline() == "ready\n"
        init.send_signal(signal.SIGTERM)
        assert init.wait(timeout=10) == 0
        assert init.stdout.read() == f"drained after {int(signal.SIGTERM)}\n"


@pytest.mark.parametrize(("code", "expected"), [("raise SystemExit(7)", 7), ("pass", 0)])
def test_the_exit_code_passes_through(code: str, expected: int) -> None:
    assert run("--", sys.executable, "-c", code).returncode == expected


def test_a_command_killed_by_a_signal_exits_128_plus_its_number() -> None:
    done = run(sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)")
    assert done.returncode == 128 + signal.SIGKILL


def test_a_missing_command_is_127_with_a_message() -> None:
    done = run("no-such-command-funchost")
    assert done.returncode == 127
    assert "funchost init: cannot run no-such-command-funchost" in done.stderr


def test_no_command_is_a_usage_error() -> None:
    done = run()
    assert (done.returncode, done.stderr) == (2, "usage: python -m funchost.deploy.pid1 COMMAND [ARG...]\n")
