"""Run the Service Bus stand-in on its own:

    python -m tests.support.servicebus_standin --port 0 --config entities.json --queue orders --topic events:audit,mail

prints one JSON line — {"port": ..., "connection_string": ..., "certificate": ...} — then serves until SIGINT or
SIGTERM. `--queue` / `--topic` add entities with default settings to those of `--config` (namespace.py's shape)."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import tempfile
from pathlib import Path
from typing import Any

from . import connection_string
from .broker import Broker
from .namespace import DEFAULT_KEY, DEFAULT_POLICY
from .tls import self_signed


def config_from(args: argparse.Namespace) -> dict[str, Any]:
    config: dict[str, Any] = {}
    if args.config:
        try:
            config = json.loads(Path(args.config).read_text())
        except (OSError, ValueError) as exc:
            raise SystemExit(
                f"servicebus stand-in: cannot read --config {args.config}: {exc}. "
                'Fix: give a JSON file like {"queues": {"orders": {}}}'
            ) from None
    queues = config.setdefault("queues", {})
    for name in args.queue:
        queues.setdefault(name, {})
    topics = config.setdefault("topics", {})
    for spec in args.topic:
        name, _, subs = spec.partition(":")
        topics.setdefault(name, {"subscriptions": {}})["subscriptions"].update({s: {} for s in subs.split(",") if s})
    return config


async def serve(args: argparse.Namespace) -> None:
    if args.tls_dir:
        await serve_with(args, Path(args.tls_dir))
        return
    with tempfile.TemporaryDirectory(prefix="servicebus-standin-tls-") as folder:
        await serve_with(args, Path(folder))


async def serve_with(args: argparse.Namespace, tls_dir: Path) -> None:
    cert, key = self_signed(tls_dir)
    try:
        broker = Broker(config_from(args), host=args.host, port=args.port, certificate=(cert, key))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SystemExit(f"servicebus stand-in: bad entity config ({exc}). See docs/servicebus-standin.md") from None
    await broker.start()
    policy = broker.namespace.policies.get(DEFAULT_POLICY) or next(iter(broker.namespace.policies.values()))
    print(
        json.dumps(
            {
                "port": broker.port,
                "connection_string": connection_string(broker.port, policy.name, policy.key or DEFAULT_KEY, args.host),
                "certificate": str(cert),
            }
        ),
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await broker.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.servicebus_standin",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (the default) picks a free port")
    parser.add_argument("--config", help="JSON file: queues, topics, policies")
    parser.add_argument("--queue", action="append", default=[], help="add a queue (repeatable)")
    parser.add_argument("--topic", action="append", default=[], help="add a topic: NAME:SUB1,SUB2 (repeatable)")
    parser.add_argument("--tls-dir", help="where to write the self-signed certificate (default: a temp dir)")
    asyncio.run(serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
