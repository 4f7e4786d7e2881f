"""`funchost start`: load the app, print its functions as `func start` does, run the host until stopped.

Functions in error are listed in the banner with `[Error]` and their cause; the others run. `--strict` (or the app
setting FUNCHOST_STRICT=true) makes any function error stop the app with exit code 2 instead.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import socket
import sys
import time

from uvicorn.loops.auto import auto_loop_factory

from funchost.cli import arguments, exit_guard
from funchost.errors import StartupError
from funchost.host import Host, bind_socket
from funchost.http.keys import KeyStore
from funchost.logcontext import configure_logging
from funchost.metadata.app_loader import LoadedApp, load_app, resolve_script_root
from funchost.metadata.binding_settings import HttpTriggerSettings

DEFAULT_PORT = 7071
ADDRESS_ENV = "FUNCHOST_ADDRESS"
DEFAULT_ADDRESS = "127.0.0.1"
"""This machine only: a developer's `start`/`up` is not reachable from the network. The image sets
FUNCHOST_ADDRESS=0.0.0.0 (Dockerfile.host), where the container's own network is the boundary."""


def default_address() -> str:
    """`--host` when not given: FUNCHOST_ADDRESS, else 127.0.0.1."""
    return os.environ.get(ADDRESS_ENV) or DEFAULT_ADDRESS


GRACE_ENV = "FUNCHOST_GRACE_PERIOD"
# What serving imports lazily; a standby loads it while nobody waits.
WARM_IMPORTS = ("uvicorn.lifespan.on", "uvicorn.protocols.http.httptools_impl", "uvicorn.protocols.websockets.auto")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("start", help="run the function app in this folder")
    parser.add_argument(
        "--port", "-p", type=arguments.port, help="HTTP port (default: local.settings.json Host.LocalHttpPort, 7071)"
    )
    parser.add_argument(
        "--host",
        default=default_address(),
        help=f"address to bind (default: {ADDRESS_ENV}, else {DEFAULT_ADDRESS}; 0.0.0.0 = every interface)",
    )
    parser.add_argument("--script-root", help="the app folder (default: AzureWebJobsScriptRoot or the current folder)")
    parser.add_argument("--functions", help="comma-separated names: run only these functions")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="all or nothing: exit with code 2 if any function is in error (default: FUNCHOST_STRICT, else run the "
        "healthy functions)",
    )
    parser.add_argument(
        "--grace-period",
        type=arguments.seconds,
        help="seconds in-flight work may take to finish after SIGTERM (default: FUNCHOST_GRACE_PERIOD, 30)",
    )
    parser.add_argument(
        "--reuse-port",
        action="store_true",
        help="share the port with other funchost workers of this app (SO_REUSEPORT; used by the scale controller)",
    )
    parser.add_argument(
        "--fd",
        type=int,
        help="serve on this inherited listening socket instead of binding the port (how `funchost up` hands its "
        "socket to its workers)",
    )
    parser.add_argument(
        "--standby",
        action="store_true",
        help="load the app, then wait for a line 'go' on stdin before binding the port and starting the listeners "
        "(a pre-started worker of the local scale controller; EOF exits)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    grace = args.grace_period if args.grace_period is not None else arguments.env_seconds(GRACE_ENV, 30.0)
    hosts: list[Host] = []

    def deadline() -> float:  # the end of the grace period after SIGTERM; now, when nothing was draining
        stopped = hosts[0].stop_requested_at if hosts else None
        return time.monotonic() if stopped is None else stopped + grace

    # Threads the app left running must not keep the process alive past the deadline.
    return exit_guard.guarded(lambda: _run(args, grace, hosts), deadline)


def _run(args: argparse.Namespace, grace: float, hosts: list[Host]) -> int:
    root = resolve_script_root(args.script_root)
    only = [n.strip() for n in args.functions.split(",") if n.strip()] if args.functions else None
    configure_logging()  # before indexing: the library logs on the root logger while building functions
    app = load_app(root, only=only, indexing_timeout=arguments.indexing_timeout(), strict=True if args.strict else None)
    configure_logging(app.host_config.log_level_for("Host"))
    _apply_log_levels(app)
    port = args.port or app.local_settings.local_http_port or DEFAULT_PORT
    # uvloop when installed, as uvicorn's own runner would pick (uvicorn[standard] installs it).
    with asyncio.Runner(loop_factory=auto_loop_factory(use_subprocess=False)) as runner:
        if args.standby:
            host = Host(app, address=args.host, port=port, grace_seconds=grace)
            hosts.append(host)
            runner.run(host.warm_up())  # an added instance's warm-up runs while nobody waits for it
            if not wait_for_go():
                return 0
            sock = _listening_socket(args, port)
        else:
            # Bind first: a taken port fails fast, before any listener starts.
            sock = _listening_socket(args, port)
            host = Host(app, address=args.host, port=port, grace_seconds=grace)
            hosts.append(host)
        print_functions(host.app, args.host, port, keys=host.keys)
        return runner.run(host.serve(sock))


def _listening_socket(args: argparse.Namespace, port: int) -> socket.socket:
    if args.fd is None:
        return bind_socket(args.host, port, reuse_port=args.reuse_port)
    return inherited_socket(args.fd)


def inherited_socket(fd: int) -> socket.socket:
    """The listening TCP socket behind descriptor `fd` (inherited from `funchost up`), or `StartupError`."""
    try:
        sock = socket.socket(fileno=fd)
        listening = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
    except OSError as exc:
        problem = f"--fd {fd}: not an open socket ({exc.strerror})"
        raise StartupError(f"{problem}. Fix: pass an inherited descriptor") from None
    if not listening or sock.type != socket.SOCK_STREAM:
        sock.detach()
        raise StartupError(f"--fd {fd}: not a listening TCP socket. Fix: pass the descriptor of a listening socket")
    return sock


def wait_for_go() -> bool:
    """Standby: everything is imported and built; wait for the controller's 'go' (False on EOF: not needed)."""
    for module in WARM_IMPORTS:
        importlib.import_module(module)

    print(f"standby: app loaded, waiting for 'go' on stdin (pid {os.getpid()})", flush=True)
    line = sys.stdin.readline()
    if line.strip() != "go":
        print("standby: stdin closed; exiting without serving", flush=True)
        return False
    print(f"standby: go (unix time {time.time():.3f})", flush=True)
    return True


def _apply_log_levels(app: LoadedApp) -> None:
    for category, level in app.host_config.log_levels.items():
        if category != "default" and not category.startswith("Function."):
            logging.getLogger(category).setLevel(level)
    for indexed in app.functions:
        category = f"Function.{indexed.spec.name}"
        logging.getLogger(category).setLevel(app.host_config.log_level_for(category))


def print_functions(
    app: LoadedApp, address: str, port: int, *, keys: KeyStore | None = None, terminal: bool | None = None
) -> None:
    """The `func start`-style list of functions and URLs, then where the keys are.

    A URL carries `?code=<key>` only when standard output is a terminal (`terminal`, default: `isatty()`), so keys
    never reach a log file or a container's output; otherwise the line says which key the function needs.
    """
    terminal = sys.stdout.isatty() if terminal is None else terminal
    shown = shown_address(address)
    prefix = f"/{app.host_config.route_prefix}" if app.host_config.route_prefix else ""
    lines = ["", "Functions:", ""]
    guarded = False
    for indexed in app.functions:
        spec = indexed.spec
        settings = app.settings[spec.name][spec.trigger.name]
        if isinstance(settings, HttpTriggerSettings):
            methods = ",".join(settings.methods) if settings.methods else "GET,POST,PUT,DELETE,HEAD,PATCH,OPTIONS"
            url = f"http://{shown}:{port}{prefix}/{settings.route}"
            if settings.auth_level != "anonymous":
                guarded = True
                url = _with_key(url, spec.name, settings.auth_level, keys, terminal)
            lines.append(f"\t{spec.name}: [{methods}] {url}")
        else:
            lines.append(f"\t{spec.name}: {spec.trigger.type}")
        if spec.disabled:
            lines[-1] += f" [Disabled: {spec.disabled_by}]"
        lines.append("")
    for error in app.errors:
        lines.append(f"\t{error.name}: [Error] {error.message}")
        lines.append("")
    if app.errors:
        count = len(app.errors)
        verb = "functions are" if count > 1 else "function is"
        lines.append(f"{count} {verb} in error and not running (--strict stops instead)")
    if guarded and keys is not None:
        lines.append(
            f"Keys: {', '.join(keys.sources)}. Function- and admin-level routes need a key (?code= or the "
            "x-functions-key header), also locally; `funchost keys list` shows them."
        )
        lines.append("")
    print("\n".join(lines), file=sys.stdout, flush=True)


WILDCARD_ADDRESSES = ("0.0.0.0", "::", "")


def shown_address(address: str) -> str:
    """The host part of the printed URLs: `localhost` for every-interface binds, else the address itself."""
    if address in WILDCARD_ADDRESSES:
        return "localhost"
    return f"[{address}]" if ":" in address else address


def _with_key(url: str, function: str, level: str, keys: KeyStore | None, terminal: bool) -> str:
    key = None if keys is None else (keys.master if level == "admin" else keys.function_key(function))
    if terminal and key:
        return f"{url}?code={key}"
    return f"{url}  ({'master' if level == 'admin' else 'function'} key needed)"
