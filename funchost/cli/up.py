"""`funchost up`: the main job — the app in this folder scaled from zero as local worker processes.

Starts Azurite when the app uses development storage and nothing answers, reads the app's bindings (indexing in
a subprocess: the controller never imports user code), then runs the scale controller with a
`LocalProcessTarget` and prints each change of replicas and backlog as it happens. Ctrl+C drains the workers.
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
from funchost.metadata.app_loader import resolve_script_root
from funchost.metadata.app_settings import apply_to_environment, load_local_settings

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
        min_replicas_help="default 0, or 1 when the app has HTTP functions",
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
    from scale_controller.targets.local import LocalProcessTarget

    root = resolve_script_root(args.script_root)
    apply_to_environment(load_local_settings(root))
    app = load_app_metadata(root, environ=dict(os.environ))
    if not app.event_functions:
        raise ConfigurationError(
            f"{root}: no event-triggered functions to scale (HTTP and timer functions have no backlog). "
            "Fix: run it with 'funchost start', or add a queue/RabbitMQ/Kafka/Service Bus function"
        )
    _ensure_development_storage(app)
    has_http = any(f.is_http for f in app.functions)
    if has_http:
        # Load (and on a first run, generate) the keys once here: workers started together would otherwise each
        # generate their own keys file, and the last one written would win.
        from funchost.http.keys import KeyStore

        KeyStore.load(root, [f.name for f in app.functions if f.is_http])
    policy = policy_from_args(args, min_replicas=1 if has_http else 0)
    minimum = policy.min_replicas
    print(f"Scaling {root.name}: {', '.join(f.name for f in app.event_functions)}", flush=True)
    print(
        f"  replicas {minimum}..{args.max_replicas}, poll every {args.polling_interval:g} s, "
        f"cooldown {args.cooldown_period:g} s; HTTP on {args.host}:{args.port} (shared by all workers)",
        flush=True,
    )
    if has_http and minimum == 0:
        print("  note: HTTP requests get no answer while 0 workers run (only events wake the app)", flush=True)
    target = LocalProcessTarget(
        root, args.port, env=dict(os.environ), grace_seconds=args.grace_period, host=args.host, standby=args.standby
    )
    print(f"  worker logs: {_relative(target.log_dir)}/worker-<N>.log (one per worker, the standby's too)", flush=True)
    display = LiveDisplay()
    loop = build_loop(app, target, policy, interval=args.polling_interval, on_tick=display.show)
    return asyncio.run(_serve(loop, target))


async def _serve(loop: ScaleLoop, target: LocalProcessTarget) -> int:
    from scale_controller.controller import run_until_signalled

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
                parts.append(f"{r.name}: {r.value:g} waiting (target {r.target:g}/worker)")
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
