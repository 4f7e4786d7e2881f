"""`funchost up`: the main job — the app in this folder scaled from zero as local worker processes.

Starts Azurite when the app uses development storage and nothing answers, reads the app's bindings (indexing in
a subprocess: the controller never imports user code), binds the HTTP port itself and hands the socket to the
workers, then runs the scale controller with a `LocalProcessTarget` (event scalers plus the HTTP scaler; a
connection at 0 workers wakes it at once) and prints each change of replicas and backlog as it happens. Ctrl+C
drains the workers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import os
import socket
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from funchost.cli import arguments
from funchost.cli.scale_policy import add_policy_options, policy_from_args
from funchost.cli.start import ADDRESS_ENV, DEFAULT_ADDRESS, default_address
from funchost.errors import ConfigurationError, StartupError
from funchost.host import bind_socket
from funchost.metadata.app_loader import resolve_script_root
from funchost.metadata.app_settings import apply_to_environment, load_local_settings
from funchost.metadata.host_config import load_host_config
from funchost.metadata.http_concurrency import http_concurrency
from scale_controller.policy import LOCAL

if TYPE_CHECKING:  # the controller is imported only when `up` runs, keeping `funchost start` lean
    from scale_controller.app_metadata import AppMetadata
    from scale_controller.decision import Decision, Reading
    from scale_controller.loop import ScaleLoop
    from scale_controller.targets.local import LocalProcessTarget

AZURITE_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "services" / "azurite"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("up", help="run the app scaled from zero by the built-in controller (local workers)")
    parser.add_argument("--script-root", help="the app folder (default: current folder)")
    parser.add_argument(
        "--port", type=arguments.port, default=7071, help="HTTP port shared by the workers (default 7071)"
    )
    parser.add_argument(
        "--host",
        default=default_address(),
        help=f"address the workers bind (default: {ADDRESS_ENV}, else {DEFAULT_ADDRESS}; 0.0.0.0 = every interface)",
    )
    add_policy_options(
        parser,
        min_replicas=None,
        max_replicas=10,
        polling_interval=1.0,
        defaults=LOCAL,
        min_replicas_help="default 0 (an HTTP request wakes the app too)",
    )
    parser.add_argument(
        "--http-target",
        type=arguments.count,
        help="in-flight HTTP requests per worker (default: host.json extensions.http.maxConcurrentRequests, else 16)",
    )
    parser.add_argument("--grace-period", type=arguments.seconds, default=30.0, help="drain time of a stopping worker")
    parser.add_argument(
        "--no-standby",
        dest="standby",
        action="store_false",
        help="do not keep a pre-started worker waiting (scale-out then starts workers cold, ~0.7 s slower)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from scale_controller.app_metadata import load_app_metadata
    from scale_controller.controller import build_loop
    from scale_controller.scalers.http import http_source
    from scale_controller.scalers.http_wake import ZeroWake
    from scale_controller.targets.local import LocalProcessTarget

    root = resolve_script_root(args.script_root)
    apply_to_environment(load_local_settings(root))
    app = load_app_metadata(root, environ=dict(os.environ))
    has_http = any(f.is_http for f in app.functions)
    if not app.event_functions and not has_http:
        raise ConfigurationError(
            f"{root}: no functions to scale (timer functions have no backlog). Fix: run it with 'funchost start', "
            "or add an HTTP, queue, blob, RabbitMQ, Kafka or Service Bus function"
        )
    _ensure_development_storage(app)
    if has_http:
        # Load (and on a first run, generate) the keys once here: workers started together would otherwise each
        # generate their own keys file, and the last one written would win.
        from funchost.http.keys import KeyStore

        KeyStore.load(root, [f.name for f in app.functions if f.is_http])
    policy = policy_from_args(args)
    # The controller owns the listening socket and hands it to every worker: with 0 workers the kernel keeps new
    # connections in its accept queue until the first worker accepts them.
    listener = bind_socket(args.host, args.port)
    listener.setblocking(False)
    scaled = [f.name for f in app.event_functions] + (["http"] if has_http else [])
    http_limits = http_concurrency(load_host_config(root, os.environ))
    http_target = args.http_target or http_limits.scale_target
    target_from = "--http-target" if args.http_target else http_limits.target_source
    print(f"Scaling {root.name}: {', '.join(scaled)}", flush=True)
    print(
        f"  replicas {policy.min_replicas}..{args.max_replicas}, poll every {args.polling_interval:g} s; "
        f"HTTP on {args.host}:{args.port} (held by the controller, shared by all workers)",
        flush=True,
    )
    print(f"  policy: {policy.describe()}", flush=True)
    if has_http:
        print(
            f"  http: {http_target} in-flight requests per worker ({target_from}); a request wakes the app from 0",
            flush=True,
        )
    target = LocalProcessTarget(
        root, args.port, env=dict(os.environ), grace_seconds=args.grace_period, host=args.host, standby=args.standby,
        listener=listener,
    )  # fmt: skip
    print(f"  worker logs: {_relative(target.log_dir)}/worker-<N>.log (one per worker, the standby's too)", flush=True)
    display = LiveDisplay()
    extra = [http_source(listener, target.load_files, http_target, root.name)] if has_http else []
    loop = build_loop(app, target, policy, interval=args.polling_interval, extra_sources=extra)
    wake = ZeroWake(listener, loop.wake)

    def on_tick(readings: Sequence[Reading], decision: Decision | None) -> None:
        display.show(readings, decision)
        wake.after_tick(readings, decision)

    loop.on_tick = on_tick
    try:
        return asyncio.run(_serve(loop, target))
    finally:
        listener.close()


async def _serve(loop: ScaleLoop, target: LocalProcessTarget) -> int:
    from scale_controller.controller import run_until_signalled

    await target.scale_to(0)  # no worker yet, but the standby starts loading now, before the first request
    await run_until_signalled(loop, target)
    print("Stopped: workers drained.", flush=True)
    return 0


class LiveDisplay:
    """One line whenever replicas or a backlog change."""

    def __init__(self) -> None:
        self._last: tuple[object, ...] | None = None

    def show(self, readings: Sequence[Reading], decision: Decision | None) -> None:
        backlog = tuple((r.name, r.value, r.error) for r in readings)
        replicas = (decision.current, decision.desired) if decision else None
        if (backlog, replicas) == self._last:
            return
        self._last = (backlog, replicas)
        stamp = datetime.datetime.now().strftime("%H:%M:%S")
        parts = []
        for r in readings:
            if r.error:
                parts.append(f"{r.name}: error ({r.error})")
            else:
                what = "in flight" if r.name == "http" else "waiting"
                parts.append(f"{r.name}: {r.value:g} {what} (target {r.target:g}/worker)")
        if decision is None:
            head = "workers ?"
        elif decision.desired != decision.current:
            head = f"workers {decision.current} → {decision.desired}"
        else:
            head = f"workers {decision.current}"
        print(f"{stamp}  {head:<16} | {' | '.join(parts)}", flush=True)


def _relative(path: Path) -> str:
    """`path` relative to the current folder when it is inside it (shorter to read), else as it is."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _ensure_development_storage(app: AppMetadata) -> None:
    """Start the project's Azurite when the app uses UseDevelopmentStorage=true and nothing answers."""
    uses_dev = any(
        "usedevelopmentstorage=true" in str(v).lower() for k, v in app.environ.items() if "storage" in k.lower()
    )
    port = int(os.environ.get("AZURITE_QUEUE_PORT", "10001"))
    if not uses_dev or _answers("127.0.0.1", port):
        return
    if not AZURITE_SCRIPT.exists():
        raise StartupError(
            f"the app uses UseDevelopmentStorage=true but nothing answers on 127.0.0.1:{port}. "
            "Fix: start Azurite (npx azurite) or set AzureWebJobsStorage to a real account"
        )
    print("Starting Azurite (development storage)...", flush=True)
    result = subprocess.run(["bash", str(AZURITE_SCRIPT), "start"], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise StartupError(f"could not start Azurite:\n{result.stdout}{result.stderr}")


def _answers(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        return True
    return False
