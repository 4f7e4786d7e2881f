"""The host lifecycle: startup → run → graceful shutdown; the per-function error state.

A function that cannot run (see `funchost.metadata.function_errors` and `funchost.function_checks`) is left out and
logged as the Functions host logs it ("The 'f' function is in error: ..."); the rest start. The errored functions
are exported as the gauge `funchost_function_errors{function}` (1 each) and shown by the admin API and /readyz.
Startup binds the port (a clear error if taken), builds one invoker per function, one listener per
non-HTTP trigger and the Starlette app, then starts uvicorn and the listeners. SIGTERM/SIGINT stop intake
(readiness turns 503, listeners stop fetching, uvicorn stops accepting), let in-flight work finish within
the grace period, settle, close clients, and return exit code 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import signal
import socket
import time
import uuid
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import uvicorn

from funchost import __version__
from funchost.errors import StartupError
from funchost.function_checks import check_functions
from funchost.http.app import build_http_app
from funchost.http.connection_guard import ConnectionGuard
from funchost.http.connections import guarded_protocol
from funchost.http.health import ListenerReport
from funchost.http.keys import KeyStore
from funchost.http.open_files import raise_open_file_limit
from funchost.http.server_limits import connection_cap, server_limits
from funchost.http.throttle import OUTSTANDING_METRIC, HttpThrottle
from funchost.http.webhooks import BlobEventReceiver, system_keys_needed
from funchost.inputs import InputResolver
from funchost.invocation import FunctionInvoker, InFlight, threadpool_size
from funchost.metadata.app_loader import LoadedApp
from funchost.metadata.host_identity import host_id
from funchost.metadata.http_concurrency import http_concurrency
from funchost.metadata.http_load import LoadGauge
from funchost.metadata.warmup import warmup_function
from funchost.metrics import HostMetrics
from funchost.outputs import OutputDispatcher
from funchost.redaction import register_secret_settings, register_secrets
from funchost.triggers.base import Listener, ListenerContext, listener_class
from funchost.triggers.warmup import WarmupListener, warmup_requested

logger = logging.getLogger("funchost.host")
DEFAULT_GRACE_SECONDS = 30.0


def bind_socket(address: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """Bind the HTTP port. With `reuse_port`, several worker processes share it and the kernel balances
    connections between them (SO_REUSEPORT) — how the local scale target serves HTTP with N workers."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio turns Nagle off (TCP_NODELAY) on accepted sockets only for that protocol;
    # without it a keep-alive response body waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((address, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise StartupError(
                f"port {port} on {address} is already in use (another funchost or func start?). "
                "Fix: stop that process or choose another port with --port"
            ) from None
        raise StartupError(f"cannot listen on {address}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the host owns SIGTERM/SIGINT and the shutdown order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class Host:
    def __init__(
        self,
        app: LoadedApp,
        *,
        address: str = "127.0.0.1",
        port: int = 7071,
        grace_seconds: float = DEFAULT_GRACE_SECONDS,
    ) -> None:
        app = check_functions(app)
        self.app = app
        self.address = address
        self.port = port
        self.grace_seconds = grace_seconds
        self.instance_id = uuid.uuid4().hex
        self.state = "Initialized"
        self.started_at = time.time()
        self.version = __version__
        self.metrics = HostMetrics()
        errors = self.metrics.family(
            "funchost_function_errors", "Functions in error, not running (1 per function).", ["function"], "gauge"
        )
        for error in app.errors:
            errors.labels(error.name).set(1)
        self.in_flight = InFlight()
        self.executor = ThreadPoolExecutor(max_workers=threadpool_size(), thread_name_prefix="funchost-sync")
        self.outputs = {
            f.spec.name: OutputDispatcher(f.spec, app.settings[f.spec.name], app.host_config) for f in app.functions
        }
        self.inputs = {f.spec.name: InputResolver(f, app.settings[f.spec.name], self.executor) for f in app.functions}
        self.invokers = {
            f.spec.name: FunctionInvoker(
                f,
                executor=self.executor,
                timeout=app.host_config.function_timeout,
                metrics=self.metrics,
                in_flight=self.in_flight,
                function_directory=str(app.script_root),
                send_outputs=self.outputs[f.spec.name].send if self.outputs[f.spec.name] else None,
                resolve_inputs=self.inputs[f.spec.name].resolve if self.inputs[f.spec.name] else None,
                outputs_need_binding_data=self.outputs[f.spec.name].needs_binding_data,
            )
            for f in app.functions
        }
        self.warm_up_requested = warmup_requested()
        self._warmed = False
        self.listeners: dict[str, Listener] = {}
        self.disabled = {f.spec.name for f in app.functions if f.spec.disabled}
        for indexed in app.functions:
            if indexed.spec.disabled:
                logger.info(
                    "Function '%s' is disabled (%s): its trigger does not run; the admin API (master key) still "
                    "runs it",
                    indexed.spec.name,
                    indexed.spec.disabled_by,
                )
        hid = host_id(app.script_root)
        for indexed in app.functions:
            spec = indexed.spec
            if spec.is_http:
                continue
            cls = listener_class(spec.trigger.type, spec.name)
            context = ListenerContext(
                app=app,
                invoker=self.invokers[spec.name],
                settings=app.settings[spec.name][spec.trigger.name],
                metrics=self.metrics,
                host_id=hid,
            )
            self.listeners[spec.name] = cls(context)
        self.limits = server_limits(app.host_config)
        http_functions = [f.spec.name for f in app.functions if f.spec.is_http]
        self.throttle = HttpThrottle(http_concurrency(app.host_config), LoadGauge.from_environment())
        self.metrics.gauge_read_at_scrape(
            OUTSTANDING_METRIC,
            "HTTP function requests running or waiting for a slot (maxConcurrentRequests); what HTTP scales on.",
            lambda: float(self.throttle.outstanding),
        )
        self.keys = KeyStore.load(app.script_root, http_functions, system_keys=system_keys_needed(app))
        _register_log_secrets(self.keys)
        self.http_app = build_http_app(
            app,
            self.invokers,
            keys=self.keys,
            metrics=self.metrics,
            status=self,
            manual_trigger=self.trigger_manually,
            blob_receivers=self.blob_receiver,
            throttle=self.throttle,
        )
        self._stop = asyncio.Event()
        self._listeners_started = False
        self.stop_requested_at: float | None = None

    # -- HostStatus (read by /admin/host/status and /readyz) ---------------------------------------------------

    def listener_reports(self) -> dict[str, ListenerReport]:
        """Each listener's state and, when it has one, its `detail()` (why it waits or retries)."""
        reports = {}
        for listener in self.running_listeners():
            detail = getattr(listener, "detail", None)  # optional: not every listener explains itself
            reports[listener.name] = ListenerReport(listener.state(), detail() if callable(detail) else "")
        return reports

    def running_listeners(self) -> list[Listener]:
        """The listeners the host starts: those of the functions that are not disabled (a disabled function keeps
        its listener object only so that the admin API can still run it, as on Azure)."""
        return [listener for name, listener in self.listeners.items() if name not in self.disabled]

    def blob_receiver(self, function_name: str) -> BlobEventReceiver | None:
        """The EventGrid-source blob trigger of `function_name` (its listener's `events`), for the blobs webhook."""
        if function_name in self.disabled:
            return None
        events = getattr(self.listeners.get(function_name), "events", None)
        return events if events is not None and self._listeners_started else None

    async def trigger_manually(self, function_name: str, payload: str) -> None:
        listener = self.listeners.get(function_name)
        if listener is None:
            raise KeyError(function_name)
        await listener.trigger_manually(payload)

    # -- lifecycle ---------------------------------------------------------------------------------------------

    async def serve(self, sock: socket.socket | None = None) -> int:
        sock = sock or bind_socket(self.address, self.port)
        descriptors = raise_open_file_limit()
        self.connections = ConnectionGuard(self.limits, connection_cap(self.limits, descriptors))
        cap = self.connections.cap
        logger.debug("HTTP limits: %s; at most %d connections (open-file limit %d)", self.limits, cap, descriptors)
        config = uvicorn.Config(
            self.http_app,
            http=guarded_protocol(self.connections),  # request-head limits, head timeout, connection cap
            log_config=None,
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=int(self.grace_seconds),
            server_header=False,
        )
        server = _Server(config)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop)
        await self.warm_up()
        http_task = asyncio.create_task(server.serve(sockets=[sock]), name="http")
        try:
            await self._startup(server, http_task)
            count = len(self.invokers)
            plural = "function" if count == 1 else "functions"
            logger.info("Host started (%d %s, instance %s)", count, plural, self.instance_id[:8])
            for error in self.app.errors:  # after the start, as ScriptHost.LogHostFunctionErrors; before "Running"
                logger.error("%s", error.log_line())
            self.state = "Running"
            stop_task = asyncio.create_task(self._stop.wait())
            await asyncio.wait({stop_task, http_task}, return_when=asyncio.FIRST_COMPLETED)
            stop_task.cancel()
        finally:
            await self._shutdown(server, http_task)
            self.connections.stop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
        if http_task.done() and not http_task.cancelled() and http_task.exception() is not None:
            raise StartupError(f"the HTTP server failed: {http_task.exception()}")
        return 0

    def request_stop(self) -> None:
        if self.stop_requested_at is None:
            self.stop_requested_at = time.monotonic()  # the grace period counts from here (funchost.cli.exit_guard)
        if not self._stop.is_set():
            logger.info("Stop requested: no new work is taken; in-flight work has %.0f s to finish", self.grace_seconds)
        self._stop.set()

    async def warm_up(self) -> None:
        """An added instance (FUNCHOST_WARMUP) runs the app's warmup function once, before it serves anything (a
        standby worker before it waits for 'go')."""
        if not self.warm_up_requested or self._warmed:
            return
        self._warmed = True
        name = warmup_function(f.spec for f in self.app.functions)
        listener = self.listeners.get(name) if name is not None and name not in self.disabled else None
        if isinstance(listener, WarmupListener):
            await listener.warm_up()

    async def _startup(self, server: _Server, http_task: asyncio.Task[Any]) -> None:
        while not server.started:
            if http_task.done():
                exc = http_task.exception()
                raise StartupError(f"the HTTP server did not start: {exc or 'exited during startup'}")
            await asyncio.sleep(0.01)
        running = self.running_listeners()
        results = await asyncio.gather(*(listener.start() for listener in running), return_exceptions=True)
        self._listeners_started = True
        failures = [(lsn.name, r) for lsn, r in zip(running, results, strict=True) if isinstance(r, BaseException)]
        if failures:
            detail = "; ".join(f"{name}: {exc}" for name, exc in failures)
            raise StartupError(f"listeners failed to start: {detail}")

    async def _shutdown(self, server: _Server, http_task: asyncio.Task[Any]) -> None:
        self.state = "Stopping"
        started = time.monotonic()
        server.should_exit = True
        if self._listeners_started:
            await asyncio.gather(
                *(listener.stop(self.grace_seconds) for listener in self.running_listeners()), return_exceptions=True
            )
        with contextlib.suppress(Exception):
            await asyncio.wait_for(http_task, self.grace_seconds + 5)
        remaining = max(0.0, self.grace_seconds - (time.monotonic() - started))
        if not await self.in_flight.wait_idle(remaining):
            logger.error("%d invocation(s) still running after the grace period; abandoning them", self.in_flight.count)
        self.executor.shutdown(wait=False, cancel_futures=True)
        await asyncio.gather(*(d.aclose() for d in self.outputs.values()), return_exceptions=True)
        await asyncio.gather(*(r.aclose() for r in self.inputs.values()), return_exceptions=True)
        self.state = "Stopped"
        logger.info("Host stopped")


def _register_log_secrets(keys: KeyStore) -> None:
    """Every key in force, and app settings named as secrets, are masked in every log line from now on."""
    loaded = keys.keys
    function_keys = (key for keys_of_one in loaded.functions.values() for key in keys_of_one.values())
    register_secrets([loaded.master, *loaded.host.values(), *function_keys, *loaded.system.values()])
    register_secret_settings(os.environ)
