"""Request-head limits, the head timeout and the connection cap, measured from outside: raw sockets against a real
`funchost start` subprocess (the limits live in the HTTP protocol, below the ASGI app, so only a real server has them).
"""

from __future__ import annotations

import resource
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.apps import write_app
from tests.support.hostproc import HostProcess

APP = """
import asyncio
import pathlib

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="headers", methods=["GET"])
async def headers(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(str(len(req.headers)))


@app.route(route="hold/{name}", methods=["GET"])
async def hold(req: func.HttpRequest) -> func.HttpResponse:
    here = pathlib.Path(__file__).parent
    (here / f"{req.route_params['name']}.entered").touch()
    while not (here / "release").exists():
        await asyncio.sleep(0.02)
    return func.HttpResponse("released")
"""

WAIT = 20.0  # a hang guard for socket reads, never a measurement


def start(tmp_path: Path, http: dict[str, Any] | None = None, **kwargs: Any) -> HostProcess:
    host_json = {"version": "2.0", "extensions": {"http": http or {}}}
    root = write_app(tmp_path / "app", APP, host_json=host_json)
    host = HostProcess(root, **kwargs)
    try:
        host.wait_ready()
    except BaseException:
        host.close()
        raise
    return host


@pytest.fixture
def host(tmp_path: Path) -> Iterator[HostProcess]:
    with start(tmp_path) as running:
        yield running


def connect(host: HostProcess) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", host.port), timeout=WAIT)
    return sock


def exchange(host: HostProcess, head: bytes) -> bytes:
    """Send a request head, read until the server closes; what it answered (b"" when it reset the connection)."""
    with connect(host) as sock:
        try:
            sock.sendall(head)
            return read_all(sock)
        except (ConnectionResetError, BrokenPipeError):
            return b""


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:
        pass
    return b"".join(chunks)


def request(path: str, headers: list[bytes], close: bool = True) -> bytes:
    lines = [f"GET {path} HTTP/1.1".encode(), b"Host: x", *headers]
    if close:
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n"


def status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.1 ") else 0


def test_up_to_100_headers_are_served_and_101_get_431(host: HostProcess) -> None:
    # Host and Connection are two of the headers.
    assert status(exchange(host, request("/api/headers", [b"X-H%d: v" % i for i in range(98)]))) == 200
    refused = exchange(host, request("/api/headers", [b"X-H%d: v" % i for i in range(99)]))
    assert status(refused) == 431 and b"connection: close" in refused.lower()


def test_32_kib_of_header_lines_are_served_and_one_byte_more_gets_431(host: HostProcess) -> None:
    # Each header counts as name + ": " + value + CRLF: "Host: x" 9, "Connection: close" 19, "X-Big: …" 9 + value.
    fits = 32 * 1024 - 9 - 19 - 9
    assert status(exchange(host, request("/api/headers", [b"X-Big: " + b"a" * fits]))) == 200
    assert status(exchange(host, request("/api/headers", [b"X-Big: " + b"a" * (fits + 1)]))) == 431


def test_a_request_line_over_8_kib_gets_414(host: HostProcess) -> None:
    path = "/api/headers?q=" + "a" * (8 * 1024 - len("GET /api/headers?q= HTTP/1.1\r\n"))
    assert status(exchange(host, request(path, []))) == 200
    assert status(exchange(host, request(path + "a", []))) == 414


def test_a_flood_of_repeated_headers_is_refused_and_the_host_keeps_serving(host: HostProcess) -> None:
    flood = request("/api/headers", [b"X-Rep: abcdefghijklmnopqrstuvwxyz012345"] * 100_000)
    answered = exchange(host, flood)  # refused while it is still being sent: 431, or a reset if we were mid-send
    assert status(answered) in (431, 0)
    huge = request("/api/headers", [b"X-Big: " + b"a" * (8 * 1024 * 1024)])
    assert status(exchange(host, huge)) in (431, 0)
    assert httpx.get(f"{host.base_url}/healthz", timeout=WAIT).status_code == 200
    assert "Traceback" not in host.output()


def test_the_limits_are_set_in_host_json(tmp_path: Path) -> None:
    # Room for the readiness polls' own headers (httpx sends 5).
    http = {"maxRequestHeaderCount": 6, "maxRequestHeadersTotalSize": 200, "maxRequestLineSize": 64}
    with start(tmp_path, http) as host:
        four = [b"A: 1", b"B: 2", b"C: 3", b"D: 4"]
        assert status(exchange(host, request("/api/headers", four))) == 200
        assert status(exchange(host, request("/api/headers", [*four, b"E: 5"]))) == 431
        assert status(exchange(host, request("/api/headers", [b"A: " + b"a" * 170]))) == 431
        assert status(exchange(host, request("/api/headers?" + "q" * 40, []))) == 414


def test_a_connection_that_sends_no_or_a_partial_head_is_closed_after_the_head_timeout(tmp_path: Path) -> None:
    with start(tmp_path, {"requestHeadersTimeout": "00:00:01"}) as host:
        silent, slow = connect(host), connect(host)
        slow.sendall(b"GET /api/headers HTTP/1.1\r\nHost: x\r\n")  # and never the rest
        with silent, slow:
            assert read_all(silent) == b""  # closed without a word: it never started a request
            answer = read_all(slow)
        assert status(answer) == 408 and b"connection: close" in answer
        assert status(trickle(host)) == 408  # bytes that keep coming do not extend the time a head may take
        assert status(exchange(host, request("/api/headers", []))) == 200  # a complete head in time is served


def trickle(host: HostProcess) -> bytes:
    """Send a head one header line every 0.2 s, never ending it, until the server answers; what it answered."""
    with connect(host) as sock:
        sock.sendall(b"GET /api/headers HTTP/1.1\r\nHost: x\r\n")
        sock.settimeout(0.2)
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                answer = sock.recv(65536)
                return answer
            except TimeoutError:
                sock.sendall(b"X-Slow: 1\r\n")
        raise AssertionError("the server never gave up on a head that trickles in")


def low_open_file_limit(soft: int, hard: int) -> Callable[[], None]:
    return lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_the_host_raises_its_soft_open_file_limit_to_the_hard_limit(tmp_path: Path) -> None:
    with start(tmp_path, preexec_fn=low_open_file_limit(256, 4096)) as host:
        limits = Path(f"/proc/{host.proc.pid}/limits").read_text()
        line = next(row for row in limits.splitlines() if row.startswith("Max open files"))
        assert line.split()[3:5] == ["4096", "4096"]


def test_idle_sockets_beyond_the_descriptor_budget_cannot_lock_the_host_out(tmp_path: Path) -> None:
    # 1,024 descriptors leave room for 768 connections; 1,000 idle sockets would exhaust them without the cap.
    with start(tmp_path, preexec_fn=low_open_file_limit(1024, 1024)) as host:
        idle = [connect(host) for _ in range(1000)]
        try:
            assert httpx.get(f"{host.base_url}/healthz", timeout=WAIT).status_code == 200
            assert read_all(idle[0]) == b""  # the oldest idle connections were closed to make room
            assert httpx.get(f"{host.base_url}/api/headers", timeout=WAIT).status_code == 200
        finally:
            for sock in idle:
                sock.close()
        assert "Traceback" not in host.output()


def test_when_every_connection_is_busy_a_new_one_gets_503(tmp_path: Path) -> None:
    with start(tmp_path, {"maxConcurrentConnections": 2}) as host:
        busy = [connect(host), connect(host)]
        for number, sock in enumerate(busy):
            sock.sendall(request(f"/api/hold/r{number}", []))
        root = host.script_root
        wait_for(lambda: (root / "r0.entered").exists() and (root / "r1.entered").exists(), host)
        with connect(host) as extra:
            refused = read_all(extra)  # answered before it sent anything
        assert status(refused) == 503 and b"connection: close" in refused
        (root / "release").touch()
        for sock in busy:
            with sock:
                assert status(read_all(sock)) == 200
        assert httpx.get(f"{host.base_url}/healthz", timeout=WAIT).status_code == 200


def test_bad_limits_in_host_json_stop_the_host_with_the_key_named(tmp_path: Path) -> None:
    root = write_app(
        tmp_path / "bad", APP, host_json={"version": "2.0", "extensions": {"http": {"maxRequestHeaderCount": 0}}}
    )
    with HostProcess(root) as host:
        code = host.wait_exit()
        assert code == 2, host.output()
        assert "extensions.http.maxRequestHeaderCount is 0" in host.output()


def wait_for(condition: Callable[[], bool], host: HostProcess) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met:\n{host.output()}")
        time.sleep(0.02)
