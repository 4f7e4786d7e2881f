"""What `funchost start` prints about URLs and keys, and the address it binds by default (real subprocesses).

A URL carries its `?code=` key only when standard output is a terminal (here a real pseudo-terminal); piped to a
file it names the key it needs instead, and the keys line says where the keys are, never what they are.
"""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from funchost.cli.main import build_parser
from tests.support.apps import write_app
from tests.support.hostproc import HostProcess, free_port

APP = """
import azure.functions as func

app = func.FunctionApp()


@app.route(route="hello")
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("hi")


@app.route(route="open", auth_level=func.AuthLevel.ANONYMOUS)
def open_one(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("open")


@app.route(route="ops", auth_level=func.AuthLevel.ADMIN)
def ops(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("ops")
"""


def _keys(root: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((root / ".funchost" / "keys.json").read_text(encoding="utf-8"))
    return doc


def _banner(output: str) -> str:
    start = output.index("Functions:")
    end = output.index("funchost keys list", start)
    return output[start : output.index("\n", end)]


def test_piped_output_names_the_key_each_url_needs_and_never_prints_one(tmp_path: Path) -> None:
    root = write_app(tmp_path / "app", APP)
    with HostProcess(root) as host:
        host.wait_ready()
        output = host.output()
        banner = _banner(output)
        keys = _keys(root)
        assert f"hello: [GET,POST,PUT,DELETE,HEAD,PATCH,OPTIONS] http://127.0.0.1:{host.port}/api/hello" in banner
        assert "/api/hello  (function key needed)" in banner
        assert "/api/ops  (master key needed)" in banner
        assert f"http://127.0.0.1:{host.port}/api/open\n" in banner
        assert f"Keys: {root / '.funchost' / 'keys.json'}." in banner and "`funchost keys list` shows them" in banner
        assert "?code=" not in output.replace("(?code= or", "")
        for value in [keys["masterKey"], *keys["hostKeys"].values(), keys["functionKeys"]["hello"]["default"]]:
            assert value not in output
        assert "Host started (3 functions" in output


def test_a_terminal_gets_urls_with_their_keys(tmp_path: Path) -> None:
    root = write_app(tmp_path / "app", APP)
    port = free_port()
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "funchost.cli.main", "start", "--port", str(port)],
        cwd=root,
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    os.close(follower)
    text = ""
    try:
        deadline = time.monotonic() + 60
        while "funchost keys list" not in text and time.monotonic() < deadline and proc.poll() is None:
            if select.select([leader], [], [], 1)[0]:
                try:
                    text += os.read(leader, 65536).decode(errors="replace")
                except OSError:
                    break
        banner = _banner(text.replace("\r\n", "\n"))
        keys = _keys(root)
        function_key = keys["functionKeys"]["hello"]["default"]
        assert f"http://127.0.0.1:{port}/api/hello?code={function_key}" in banner
        assert f"http://127.0.0.1:{port}/api/ops?code={keys['masterKey']}" in banner
        assert f"http://127.0.0.1:{port}/api/open\n" in banner
        response = httpx.get(f"http://127.0.0.1:{port}/api/hello", params={"code": function_key}, timeout=10)
        assert response.text == "hi"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
        os.close(leader)


def _listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as /proc/net/tcp spells them) of the sockets listening on `port`."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(address)
    return found


@pytest.mark.parametrize(("env", "expected"), [({}, "0100007F"), ({"FUNCHOST_ADDRESS": "127.0.0.2"}, "0200007F")])
def test_start_binds_127_0_0_1_unless_funchost_address_says_otherwise(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    root = write_app(tmp_path / "app", APP)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "funchost.cli.main", "start", "--port", str(port)],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={k: v for k, v in {**os.environ, **env}.items() if k != "FUNCHOST_ADDRESS" or env},
    )
    try:
        deadline = time.monotonic() + 60
        while not _listening_addresses(port) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert _listening_addresses(port) == {expected}
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)


@pytest.mark.parametrize("command", ["start", "up"])
def test_the_host_option_defaults_to_loopback_and_reads_funchost_address(
    command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FUNCHOST_ADDRESS", raising=False)
    assert build_parser().parse_args([command]).host == "127.0.0.1"
    monkeypatch.setenv("FUNCHOST_ADDRESS", "0.0.0.0")
    assert build_parser().parse_args([command]).host == "0.0.0.0"
    assert build_parser().parse_args([command, "--host", "::1"]).host == "::1"
