"""HTTP benchmark: funchost vs bare Starlette on uvicorn, same load generator, same machine, one run.

Measures, with wrk on loopback (fixed threads/connections/duration, pinned to its own core; servers pinned to
another), requests/s and p50/p99 latency of:

- with `--baseline-src DIR`, the same funchost app once more with funchost imported from DIR (for a before/after
  of a change: `git archive <commit> funchost | tar -x -C DIR`);
- funchost (`python -m funchost.cli.main start`) serving bench/apps/http_ping: an anonymous `async def` and a `def`
  function returning `func.HttpResponse("ok")` (endpoints `async` and `sync`), and an `async def` that first reads a
  query parameter and a header of its request (`reads`: funchost builds the request object on first use, as
  Starlette does, so `async` alone would not show that cost);
- the equivalent bare Starlette app (bench/apps/http_bare_starlette.py) on uvicorn configured as funchost configures it
  (funchost/host.py: `uvicorn.Config` defaults, no logs, no Server header, lifespan on, one worker), once with
  uvicorn's default loop (`auto`: uvloop when installed, what `uvicorn app:app` gives — and what funchost picks
  too) and once with the stdlib asyncio loop;

Then abuse (`--flood` seconds, 0 to skip; `--flood-only` for just this): two senders each of a request with
100,000 repeated headers and of one with a 64 MiB header, and `--slow-connections` slowloris clients, while
`/healthz` is probed every 100 ms on a new connection; target: every probe answered within 100 ms.

Then the start-to-ready time of a generated 10-function app (spawn → first 200 from /readyz; median of `--starts`
starts after one discarded warm-up start) and the idle RSS (VmRSS) of the host after ready, for the 10-function app
and a 1-function app. Targets: throughput ≥ 0.85× bare Starlette, ready ≤ 1 s, idle RSS ≤ 80 MB.

`--profile` instead runs an in-process per-request cost comparison (ASGI calls, no sockets) and prints the top
cProfile entries of funchost's request path.

Run: `.venv/bin/python bench/http.py` (about 3 minutes).
"""

from __future__ import annotations

import os
import sys

# This file is bench/http.py: its folder must not stay on sys.path, or it would shadow the standard `http` package
# (hence the imports below this line, and the file-wide E402 exemption).
# ruff: noqa: E402
_HERE = os.path.dirname(os.path.realpath(__file__))
sys.path[:] = [entry for entry in sys.path if os.path.realpath(entry or ".") != _HERE]
sys.path.insert(0, os.path.dirname(_HERE))  # the repository root: the shared helpers import as `bench.common`

import argparse
import asyncio
import contextlib
import cProfile
import datetime
import http.client
import importlib
import json
import platform
import pstats
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.common.procs import budget, free_port, http_get

ROOT = Path(__file__).resolve().parent.parent
APPS = Path(__file__).resolve().parent / "apps"
PYTHON = sys.executable
THROUGHPUT_TARGET = 0.85
READY_TARGET_S = 1.0
RSS_TARGET_MB = 80.0
ENDPOINTS = {"async": "/api/async", "reads": "/api/reads?name=ok", "sync": "/api/sync"}  # each answers "ok"


# -- servers ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerSpec:
    key: str
    label: str
    argv: list[str]
    cwd: Path
    ready_path: str  # GET until 200
    env: dict[str, str] = field(default_factory=dict)  # added to this process's environment


@dataclass
class Server:
    spec: ServerSpec
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid


def spawn(spec: ServerSpec, cpu: int, logdir: Path) -> Server:
    port = free_port()
    argv = [arg.replace("{port}", str(port)) for arg in spec.argv]
    log = logdir / f"{spec.key}-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["taskset", "-c", str(cpu), *argv],  # taskset execs the server: proc.pid is the server's pid
            cwd=spec.cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, **spec.env},
        )
    return Server(spec, port, proc, log)


def wait_ready(server: Server, timeout: float = 20.0, interval: float = 0.005) -> float:
    """Poll the ready path until 200; return the monotonic time it answered 200 (raises if it never does)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.spec.label} exited with {server.proc.returncode}:\n{tail(server.log)}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            status, _ = http_get(server.port, server.spec.ready_path, timeout=0.5)
            if status == 200:
                return time.monotonic()
        time.sleep(interval)
    raise RuntimeError(f"{server.spec.label} not ready after {timeout:.0f} s:\n{tail(server.log)}")


def stop(server: Server) -> None:
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(10)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(5)


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def loop_and_parser(pid: int) -> str:
    """Which uvloop/httptools extension modules the server process has mapped (i.e. imported)."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    loop = "uvloop" if "uvloop/loop." in maps else "asyncio (uvloop not loaded)"
    parser = "httptools" if "httptools/parser/parser." in maps else "h11"
    return f"{loop} + {parser}"


# -- wrk -------------------------------------------------------------------------------------------------------------


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: str  # non-2xx / socket errors as wrk reports them, "" when none
    cpu_s: float = 0.0  # server CPU time (user + system, all threads) spent during the run
    seconds: float = 0.0  # wall time of the run

    @property
    def cpu_us_per_request(self) -> float:
        return self.cpu_s / self.requests * 1e6 if self.requests else float("nan")

    @property
    def cpu_share(self) -> float:
        return self.cpu_s / self.seconds if self.seconds else float("nan")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> WrkResult:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"(\d+) requests in", output)
    if not (rps and p50 and p99 and total):
        raise RuntimeError(f"cannot parse wrk output:\n{output}")
    problems = re.finditer(r"^\s*(Non-2xx or 3xx responses|Socket errors):.*$", output, re.M)
    errors = [m.group(0).strip() for m in problems]
    return WrkResult(float(rps.group(1)), _ms(p50.group(1)), _ms(p99.group(1)), int(total.group(1)), "; ".join(errors))


def wrk_command(args: argparse.Namespace, url: str, duration: int) -> list[str]:
    return [
        "taskset", "-c", str(args.wrk_cpu),
        "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{duration}s", "--latency", "--timeout", "5s", url,
    ]  # fmt: skip


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the whole process (all threads) from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_wrk(args: argparse.Namespace, url: str, duration: int, pid: int) -> WrkResult:
    cpu_before, started = cpu_seconds(pid), time.monotonic()
    done = subprocess.run(
        wrk_command(args, url, duration), capture_output=True, text=True, timeout=duration + 30, check=False
    )
    cpu_after, elapsed = cpu_seconds(pid), time.monotonic() - started
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    result = parse_wrk(done.stdout)
    result.cpu_s, result.seconds = cpu_after - cpu_before, elapsed
    return result


def ensure_wrk() -> None:
    if shutil.which("wrk") is None and os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk not found: installing it with apt-get …", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, timeout=300, capture_output=True)
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            sys.exit(f"error: {tool} is required (apt-get install -y {'wrk' if tool == 'wrk' else 'util-linux'})")


# -- throughput ------------------------------------------------------------------------------------------------------


@dataclass
class Measured:
    server: str
    label: str
    endpoint: str
    runs: list[WrkResult] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return statistics.median(r.rps for r in self.runs)

    @property
    def p50(self) -> float:
        return statistics.median(r.p50_ms for r in self.runs)

    @property
    def p99(self) -> float:
        return statistics.median(r.p99_ms for r in self.runs)

    @property
    def cpu_us(self) -> float:
        return statistics.median(r.cpu_us_per_request for r in self.runs)

    @property
    def cpu_share(self) -> float:
        return statistics.median(r.cpu_share for r in self.runs)


def funchost_spec() -> ServerSpec:
    argv = [PYTHON, "-m", "funchost.cli.main", "start", "--port", "{port}", "--host", "127.0.0.1"]
    return ServerSpec("funchost", "funchost", argv, APPS / "http_ping", "/readyz")


def baseline_spec(source: Path) -> ServerSpec:
    """funchost imported from another source tree (e.g. `git archive <commit> funchost | tar -x -C DIR`)."""
    spec = funchost_spec()
    label = f"funchost from {source}"
    return ServerSpec("baseline", label, spec.argv, spec.cwd, spec.ready_path, {"PYTHONPATH": str(source)})


def server_specs(args: argparse.Namespace) -> list[ServerSpec]:
    bare = str(APPS / "http_bare_starlette.py")
    specs = [
        funchost_spec(),
        ServerSpec(
            "bare", "bare Starlette (uvicorn default loop)", [PYTHON, bare, "{port}", "auto"], ROOT, "/api/async"
        ),
        ServerSpec(
            "bare-asyncio", "bare Starlette (asyncio loop)", [PYTHON, bare, "{port}", "asyncio"], ROOT, "/api/async"
        ),
    ]
    if args.baseline_src:
        specs.insert(1, baseline_spec(args.baseline_src))
    return specs


def measure_throughput(args: argparse.Namespace, logdir: Path) -> tuple[list[Measured], dict[str, str]]:
    """Start every server (idle ones cost nothing), warm each up, then run `repeats` interleaved rounds."""
    servers: list[Server] = []
    impl: dict[str, str] = {}
    try:
        for spec in server_specs(args):
            server = spawn(spec, args.server_cpu, logdir)
            servers.append(server)
            wait_ready(server)
            for path in ENDPOINTS.values():
                status, body = http_get(server.port, path)
                if (status, body) != (200, b"ok"):
                    raise RuntimeError(f"{spec.label} {path} answered {status} {body!r}")
            impl[spec.key] = loop_and_parser(server.pid)
        results = {(s.spec.key, ep): Measured(s.spec.key, s.spec.label, ep) for s in servers for ep in ENDPOINTS}
        for server in servers:
            for path in ENDPOINTS.values():
                run_wrk(args, f"http://127.0.0.1:{server.port}{path}", args.warmup, server.pid)
        for round_no in range(1, args.repeats + 1):
            for server in servers:
                for endpoint, path in ENDPOINTS.items():
                    url = f"http://127.0.0.1:{server.port}{path}"
                    result = run_wrk(args, url, args.duration, server.pid)
                    results[(server.spec.key, endpoint)].runs.append(result)
                    flag = f"  [{result.errors}]" if result.errors else ""
                    print(
                        f"  round {round_no}: {server.spec.label:38} {endpoint:5} {result.rps:9.0f} req/s"
                        f"  p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms"
                        f"  server CPU {result.cpu_us_per_request:4.0f} µs/req ({result.cpu_share:4.0%} busy){flag}",
                        flush=True,
                    )
        return list(results.values()), impl
    finally:
        for server in servers:
            stop(server)


# -- start-to-ready and idle RSS -------------------------------------------------------------------------------------


def write_ten_function_app(folder: Path) -> None:
    lines = [
        '"""Generated by bench/http.py: 10 anonymous HTTP functions (5 async, 5 sync)."""',
        "",
        "import json",
        "",
        "import azure.functions as func",
        "",
        "app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)",
    ]
    routes = ["items", "items/{id:int}", "users/{name}", "orders/{id:int}/lines", "search", "files/{*path}",
              "reports/{year:int}/{month:int}", "health2", "echo", "v2/items/{id:guid}"]  # fmt: skip
    for i, route in enumerate(routes):
        asynchronous = i % 2 == 0
        lines += [
            "",
            "",
            f'@app.route(route="{route}", methods=["GET", "POST"])',
            f"{'async def' if asynchronous else 'def'} f{i}(req: func.HttpRequest) -> func.HttpResponse:",
            f'    body = json.dumps({{"f": {i}, "params": req.route_params}})',
            '    return func.HttpResponse(body, mimetype="application/json")',
        ]
    (folder / "function_app.py").write_text("\n".join(lines) + "\n")
    (folder / "host.json").write_text(json.dumps({"version": "2.0", "logging": {"logLevel": {"default": "Warning"}}}))
    settings = {"IsEncrypted": False, "Values": {"FUNCTIONS_WORKER_RUNTIME": "python"}}
    (folder / "local.settings.json").write_text(json.dumps(settings))


@dataclass
class StartSample:
    ready_s: float
    rss_mb: float


def measure_starts(args: argparse.Namespace, app: Path, count: int, logdir: Path, settle: float) -> list[StartSample]:
    """Spawn `funchost start` `count` times (+1 discarded warm-up start): time to /readyz 200, then idle VmRSS."""
    spec = ServerSpec(
        app.name,
        f"funchost ({app.name})",
        [PYTHON, "-m", "funchost.cli.main", "start", "--port", "{port}", "--host", "127.0.0.1"],
        app,
        "/readyz",
    )
    samples: list[StartSample] = []
    for i in range(count + 1):
        started = time.monotonic()
        server = spawn(spec, args.server_cpu, logdir)
        try:
            ready = wait_ready(server) - started
            time.sleep(settle)  # let the post-startup work (GC, lazy imports on first request) settle
            rss = rss_mb(server.pid)
        finally:
            stop(server)
        if i > 0:
            samples.append(StartSample(ready, rss))
    return samples


# -- abuse: oversized and slow request heads while /healthz is probed (--flood) ---------------------------------------

FLOOD_TARGET_MS = 100.0
REPEATED = b"X-Rep: abcdefghijklmnopqrstuvwxyz012345\r\n"


def abusive_heads() -> dict[str, bytes]:
    start = b"GET /api/reads?name=x HTTP/1.1\r\nHost: bench\r\n"
    return {
        "100,000 repeated headers": start + REPEATED * 100_000 + b"\r\n",
        "one 64 MiB header": start + b"X-Big: " + b"a" * (64 * 1024 * 1024) + b"\r\n\r\n",
    }


async def _send_head(port: int, head: bytes) -> None:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return
    try:
        writer.write(head)
        await writer.drain()
        await reader.read()  # until the server answers and closes (or resets)
    except OSError:
        pass
    finally:
        writer.close()


async def _attack(port: int, seconds: float, slow_connections: int) -> None:
    """Each abusive head from 2 loops at once, and `slow_connections` slowloris clients, for `seconds`."""
    stop = asyncio.Event()

    async def loop_sending(head: bytes) -> None:
        while not stop.is_set():
            await _send_head(port, head)

    async def slowloris() -> None:
        writers = []
        for _ in range(slow_connections):
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(b"GET /api/reads HTTP/1.1\r\nHost: bench\r\n")
                writers.append(writer)
        while not stop.is_set():
            await asyncio.sleep(1.0)
            for writer in writers:
                if not writer.is_closing():
                    writer.write(b"X-Slow: 1\r\n")  # a header a second, never the end of the head
        for writer in writers:
            writer.close()

    tasks = [asyncio.create_task(loop_sending(h)) for h in abusive_heads().values() for _ in range(2)]
    tasks.append(asyncio.create_task(slowloris()))
    await asyncio.sleep(seconds)
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def run_attack(port: int, seconds: float, slow_connections: int) -> None:
    asyncio.run(_attack(port, seconds, slow_connections))


PROBE_TIMEOUT = 5.0


async def _probe_healthz(port: int, seconds: float) -> list[float]:
    """GET /healthz on a new connection every 100 ms for `seconds`; latencies in ms (inf: no answer in 5 s)."""
    timeout = PROBE_TIMEOUT
    latencies: list[float] = []
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        started = time.monotonic()
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            answer = await asyncio.wait_for(reader.read(), timeout)
            writer.close()
            ok = answer.startswith(b"HTTP/1.1 200")
            latencies.append((time.monotonic() - started) * 1000 if ok else float("inf"))
        except (OSError, TimeoutError):
            latencies.append(float("inf"))
        await asyncio.sleep(max(0.0, 0.1 - (time.monotonic() - started)))
    return latencies


@dataclass
class FloodResult:
    label: str
    latencies: list[float]
    server_cpu_s: float
    quiet: list[float]  # the same probes before the abuse started

    def control(self) -> str:
        answered = sorted(x for x in self.quiet if x != float("inf"))
        if not answered:
            return "control: no probe answered"
        return (
            f"{'':44}control, no abuse: p50 {statistics.median(answered):6.1f} ms, max {answered[-1]:6.1f} ms"
            f" ({len(self.quiet)} probes, {len(self.quiet) - len(answered)} unanswered)"
        )

    def summary(self) -> str:
        answered = sorted(x for x in self.latencies if x != float("inf"))
        missed = len(self.latencies) - len(answered)
        if not answered:
            return f"{self.label:40} no /healthz answered ({missed} probes)"
        p99 = answered[min(len(answered) - 1, int(len(answered) * 0.99))]
        worst = float("inf") if missed else answered[-1]
        p50 = statistics.median(answered)
        return (
            f"{self.label:40} /healthz p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  max {worst:7.1f} ms"
            f"  ({len(self.latencies)} probes, {missed} unanswered)  server CPU {self.server_cpu_s:.1f} s"
            f"  target max < {FLOOD_TARGET_MS:.0f} ms {verdict(worst < FLOOD_TARGET_MS)}{self.over_target()}"
        )

    def over_target(self) -> str:
        over = [f"#{i} {x:.0f} ms" for i, x in enumerate(self.latencies) if x >= FLOOD_TARGET_MS]
        return f"\n{'':44}probes over the target (#n started about n × 100 ms in): {', '.join(over)}" if over else ""


def measure_flood(args: argparse.Namespace, spec: ServerSpec, logdir: Path) -> FloodResult:
    import multiprocessing

    server = spawn(spec, args.server_cpu, logdir)
    try:
        wait_ready(server)
        quiet = asyncio.run(_probe_healthz(server.port, args.flood / 2))  # the control: same probes, no abuse
        cpu_before = cpu_seconds(server.pid)
        attacker = multiprocessing.get_context("spawn").Process(
            target=run_attack, args=(server.port, args.flood, args.slow_connections)
        )
        attacker.start()
        latencies = asyncio.run(_probe_healthz(server.port, args.flood))
        attacker.join(30)
        if attacker.is_alive():
            attacker.kill()
        return FloodResult(spec.label, latencies, cpu_seconds(server.pid) - cpu_before, quiet)
    finally:
        server.proc.kill()  # a host whose loop is stuck would not stop on SIGTERM in time
        server.proc.wait(10)


def run_flood(args: argparse.Namespace, logdir: Path) -> list[FloodResult]:
    heads = ", ".join(abusive_heads())
    print(
        f"\nAbuse for {args.flood:g} s: {heads} (2 senders each, repeating) and {args.slow_connections} slowloris"
        " clients (a header a second, never the end of the head); /healthz probed every 100 ms on a new"
        " connection:",
        flush=True,
    )
    specs = [funchost_spec()] + ([baseline_spec(args.baseline_src)] if args.baseline_src else [])
    results = [measure_flood(args, spec, logdir) for spec in specs]
    for result in results:
        print(f"  {result.summary()}\n{result.control()}", flush=True)
    return results


# -- in-process profile (--profile) ----------------------------------------------------------------------------------


def _scope(target: str) -> dict[str, Any]:
    path, _, query = target.partition("?")
    return {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
        "server": ("127.0.0.1", 7071), "client": ("127.0.0.1", 50000), "scheme": "http", "method": "GET",
        "root_path": "", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
        "headers": [(b"host", b"127.0.0.1:7071"), (b"user-agent", b"wrk"), (b"accept", b"*/*")], "state": {},
    }  # fmt: skip


async def _drive(app: Any, path: str, count: int) -> float:
    """Call the ASGI app `count` times with a GET and an empty body; return µs per request."""
    message = {"type": "http.request", "body": b"", "more_body": False}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return message

    async def send(msg: dict[str, Any]) -> None:
        sent.append(msg)

    for _ in range(min(500, count)):
        await app(_scope(path), receive, send)
    sent.clear()
    started = time.perf_counter()
    for _ in range(count):
        await app(_scope(path), receive, send)
    elapsed = time.perf_counter() - started
    if sent[-1].get("body") != b"ok":
        raise RuntimeError(f"{path}: unexpected response {sent[-2:]}")
    return elapsed / count * 1e6


class _Transport:
    """Just enough of an asyncio transport for uvicorn's protocol: writes are counted and dropped."""

    def __init__(self) -> None:
        self.written = 0
        self.closing = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 7071), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def write(self, data: bytes) -> None:
        self.written += 1

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...


async def _protocol_cost(protocol_class: Any, count: int) -> float:
    """µs per keep-alive request through uvicorn's HTTP protocol (parse, ASGI task, response), app answering 'ok'."""
    import uvicorn
    from uvicorn.server import ServerState

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})

    config = uvicorn.Config(app, http=protocol_class, lifespan="off", log_config=None, access_log=False)
    config.load()
    state = ServerState()
    protocol = protocol_class(config=config, server_state=state, app_state={})
    transport = _Transport()
    protocol.connection_made(transport)
    head = b"GET /api/async HTTP/1.1\r\nHost: 127.0.0.1:7071\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n"
    started = time.perf_counter()
    for _ in range(count):
        protocol.data_received(head)
        await asyncio.gather(*state.tasks)
    elapsed = time.perf_counter() - started
    protocol.connection_lost(None)
    if transport.written < count:
        raise RuntimeError(f"{protocol_class.__name__}: {transport.written} responses for {count} requests")
    return elapsed / count * 1e6


def protocol_overhead() -> None:
    """The per-request cost of the host's request-head limits: uvicorn's protocol with and without them."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    from funchost.http.connection_guard import ConnectionGuard
    from funchost.http.connections import guarded_protocol
    from funchost.http.server_limits import ServerLimits

    async def main() -> None:
        guard = ConnectionGuard(ServerLimits(), cap=1000)
        plain, guarded = [], []
        for _ in range(7):
            plain.append(await _protocol_cost(HttpToolsProtocol, 10_000))
            guarded.append(await _protocol_cost(guarded_protocol(guard), 10_000))
        guard.stop()
        print("\nuvicorn's HTTP protocol per keep-alive request (parse, ASGI task, response; best of 7, [median]):")
        print(f"  httptools protocol           {min(plain):6.2f} µs ({statistics.median(plain):6.2f})")
        print(f"  with funchost's head limits  {min(guarded):6.2f} µs ({statistics.median(guarded):6.2f})"
              f"   extra {min(guarded) - min(plain):+5.2f} µs")  # fmt: skip

    asyncio.run(main())


def profile(args: argparse.Namespace) -> None:
    os.sched_setaffinity(0, {args.server_cpu})
    os.chdir(APPS / "http_ping")
    sys.path.insert(0, str(APPS))
    bare_starlette = importlib.import_module("http_bare_starlette")

    from funchost.host import Host
    from funchost.metadata.app_loader import load_app

    host = Host(load_app(APPS / "http_ping"), address="127.0.0.1", port=0)
    host.state = "Running"

    async def main() -> None:
        print(f"In-process per-request cost (ASGI calls, no sockets, asyncio loop, pinned to CPU {args.server_cpu}):")
        print("  (best of 7 batches: other load on the core only ever adds time; the median is in brackets)")
        for endpoint, target in ENDPOINTS.items():
            count = 3_000 if endpoint == "sync" else 10_000
            fh = [await _drive(host.http_app, target, count) for _ in range(7)]
            bare = [await _drive(bare_starlette.app, target, count) for _ in range(7)]
            print(
                f"  {endpoint:5}  funchost {min(fh):6.1f} µs ({statistics.median(fh):6.1f})"
                f"   bare Starlette {min(bare):6.1f} µs ({statistics.median(bare):6.1f})"
                f"   extra {min(fh) - min(bare):+6.1f} µs"
            )
        profiler = cProfile.Profile()
        profiler.enable()
        await _drive(host.http_app, "/api/async", 20_000)
        profiler.disable()
        print("\ncProfile of funchost /api/async (20,000 requests), top entries by own time:")
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(args.profile_top)
        print("The same profile, funchost's own frames by cumulative time:")
        stats.sort_stats("cumulative").print_stats(r"funchost/", args.profile_top)

    asyncio.run(main())
    protocol_overhead()


# -- report ----------------------------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores ({model}), Linux {platform.release()}, Python {platform.python_version()}"


def versions() -> str:
    from importlib.metadata import version

    names = ("uvicorn", "starlette", "uvloop", "httptools", "azure-functions")
    found = []
    for name in names:
        with contextlib.suppress(Exception):
            found.append(f"{name} {version(name)}")
    return ", ".join(found)


@contextlib.contextmanager
def generated_keys_removed(*apps: Path) -> Iterator[None]:
    """Remove the `.funchost/` key folders `funchost start` creates in the bench apps, unless they were there before."""
    fresh = [app / ".funchost" for app in apps if not (app / ".funchost").exists()]
    try:
        yield
    finally:
        for folder in fresh:
            shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--duration", type=int, default=4, help="whole seconds per measured wrk run (default 4)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (default 64)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: wrk has one core)")
    parser.add_argument("--warmup", type=int, default=1, help="whole seconds of wrk warm-up per endpoint (default 1)")
    parser.add_argument("--repeats", type=int, default=3, help="measured runs per endpoint; median reported")
    parser.add_argument("--starts", type=int, default=5, help="timed starts of the 10-function app (default 5)")
    parser.add_argument("--server-cpu", type=int, default=0, help="CPU the servers are pinned to (default 0)")
    parser.add_argument("--wrk-cpu", type=int, default=1, help="CPU wrk (and this script) is pinned to (default 1)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument("--profile", action="store_true", help="only run the in-process request-path profile")
    parser.add_argument("--profile-top", type=int, default=30, help="cProfile entries to print with --profile")
    parser.add_argument("--flood", type=float, default=10.0, help="seconds of abusive request heads (default 10)")
    parser.add_argument("--slow-connections", type=int, default=200, help="slowloris clients during --flood")
    parser.add_argument("--flood-only", action="store_true", help="only run the abuse / healthz measurement")
    parser.add_argument(
        "--baseline-src",
        type=Path,
        help="also run funchost imported from this source tree (PYTHONPATH), e.g. the commit before a change",
    )
    args = parser.parse_args()
    if args.profile:
        with generated_keys_removed(APPS / "http_ping"):
            profile(args)
        return 0
    if args.server_cpu == args.wrk_cpu and (os.cpu_count() or 1) >= 2:
        parser.error("--server-cpu and --wrk-cpu should differ")
    if min(args.duration, args.warmup, args.repeats, args.starts, args.connections, args.threads) < 1:
        parser.error("--duration, --warmup, --repeats, --starts, --connections and --threads must be at least 1")
    ensure_wrk()
    os.sched_setaffinity(0, {args.wrk_cpu})  # the polling/bookkeeping of this script stays off the server's core
    with (
        budget(run_budget(args)),
        tempfile.TemporaryDirectory(prefix="funchost-bench-") as tmp,
        generated_keys_removed(APPS / "http_ping", APPS / "http_one"),
    ):
        if args.flood_only:
            run_flood(args, Path(tmp))
            return 0
        return run(args, Path(tmp))


def run_budget(args: argparse.Namespace) -> int:
    """Seconds after which the whole run is stopped (SIGALRM), whatever happens: twice what it should take."""
    wrk_runs = len(server_specs(args)) * len(ENDPOINTS) * (args.warmup + args.repeats * args.duration)
    floods = (1 + bool(args.baseline_src)) * (1.5 * args.flood + 45)
    return int(2 * (wrk_runs + 5 * (args.starts + 4) + floods)) + 120


def run(args: argparse.Namespace, tmp: Path) -> int:
    began = time.monotonic()
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"funchost HTTP benchmark — {stamp}")
    print(f"machine: {machine()}")
    print(f"versions: {versions()}")
    print(
        f"pinning: servers on CPU {args.server_cpu} (taskset, threadpools included), wrk on CPU {args.wrk_cpu};"
        f" wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency, {args.warmup} s warm-up per"
        f" endpoint, {args.repeats} interleaved rounds, median reported; load average {os.getloadavg()[0]:.2f}"
    )
    print(f"\nThroughput (GET {', '.join(ENDPOINTS.values())}; each answers 'ok'):", flush=True)
    measured, impl = measure_throughput(args, tmp)
    by_key = {(m.server, m.endpoint): m for m in measured}

    header = f"{'server':40} {'endpoint':8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU µs/req':>10} {'CPU':>5}"
    print(f"\n{header}   loop + HTTP parser")
    for m in measured:
        row = f"{m.label:40} {m.endpoint:8} {m.rps:9.0f} {m.p50:8.2f} {m.p99:8.2f} {m.cpu_us:10.0f} {m.cpu_share:5.0%}"
        print(f"{row}   {impl[m.server]}")

    print(
        f"\nRatios (median over rounds of the per-round req/s ratio; target ≥ {THROUGHPUT_TARGET:.2f}× bare Starlette)."
        "\nThe last column is bare/funchost server CPU per request: the req/s ratio a CPU-bound server would reach."
    )
    ratios: dict[str, float] = {}
    comparisons = [("funchost", "bare", "funchost / bare Starlette (uvicorn default loop)")]
    comparisons.append(("funchost", "bare-asyncio", "funchost / bare Starlette (same asyncio loop)"))
    if args.baseline_src:
        comparisons.append(("funchost", "baseline", "funchost / funchost from --baseline-src"))
    for left, right, text in comparisons:
        for endpoint in ENDPOINTS:
            mine, theirs = by_key[(left, endpoint)], by_key[(right, endpoint)]
            ratio = statistics.median(a.rps / b.rps for a, b in zip(mine.runs, theirs.runs, strict=True))
            cpu_ratio = theirs.cpu_us / mine.cpu_us
            ratios[f"{left}/{right}/{endpoint}"] = ratio
            ratios[f"{left}/{right}/{endpoint}/cpu"] = cpu_ratio
            print(
                f"  {text:50} {endpoint:5} {ratio:5.2f}×  {verdict(ratio >= THROUGHPUT_TARGET)}"
                f"   (CPU/request: {cpu_ratio:4.2f}×)"
            )

    flood = run_flood(args, tmp) if args.flood > 0 else []

    print("\nStart-to-ready and idle RSS (funchost start → GET /readyz 200; VmRSS 0.5 s after ready):", flush=True)
    ten = tmp / "ten"
    ten.mkdir()
    write_ten_function_app(ten)
    ten_samples = measure_starts(args, ten, args.starts, tmp, settle=0.5)
    one_samples = measure_starts(args, APPS / "http_one", max(3, args.starts // 2), tmp, settle=0.5)
    ready_ten = statistics.median(s.ready_s for s in ten_samples)
    ready_one = statistics.median(s.ready_s for s in one_samples)
    rss_ten = statistics.median(s.rss_mb for s in ten_samples)
    rss_one = statistics.median(s.rss_mb for s in one_samples)
    all_ready = ", ".join(f"{s.ready_s:.3f}" for s in ten_samples)
    print(f"  ready, 10-function app: {ready_ten:.3f} s median of {len(ten_samples)} ({all_ready})"
          f"  target ≤ {READY_TARGET_S:.1f} s  {verdict(ready_ten <= READY_TARGET_S)}")  # fmt: skip
    print(f"  ready, 1-function app:  {ready_one:.3f} s median of {len(one_samples)} (for reference)")
    for text, rss in (("10-function app", rss_ten), ("1-function app: ", rss_one)):
        print(f"  idle RSS, {text} {rss:.1f} MB  target ≤ {RSS_TARGET_MB:.0f} MB  {verdict(rss <= RSS_TARGET_MB)}")
    print(f"\ntotal time {time.monotonic() - began:.0f} s; load average now {os.getloadavg()[0]:.2f}")

    if args.json:
        report = {
            "date": stamp,
            "machine": machine(),
            "versions": versions(),
            "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "throughput": [
                {
                    "server": m.server,
                    "label": m.label,
                    "endpoint": m.endpoint,
                    "impl": impl[m.server],
                    "rps": m.rps,
                    "server_cpu_us_per_request": m.cpu_us,
                    "server_cpu_share": m.cpu_share,
                    "p50_ms": m.p50,
                    "p99_ms": m.p99,
                    "runs": [asdict(r) for r in m.runs],
                }
                for m in measured
            ],
            "ratios": ratios,
            "flood": [
                {"server": f.label, "healthz_ms": f.latencies, "quiet_ms": f.quiet, "server_cpu_s": f.server_cpu_s}
                for f in flood
            ],
            "ready_s": {"ten": [s.ready_s for s in ten_samples], "one": [s.ready_s for s in one_samples]},
            "rss_mb": {"ten": [s.rss_mb for s in ten_samples], "one": [s.rss_mb for s in one_samples]},
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
