"""`funchost keys list`: the keys `funchost start` would enforce for this app, where they come from, and URLs.

Keys are read from the same sources, in the same order, as the host reads them (`funchost.http.keys`): the
environment and local.settings.json, a secret store, else the project's `.funchost/keys.json` (created now when it
does not exist yet, exactly as the first `funchost start` would). Unlike the start banner, this command prints keys
whether or not its output is a terminal: asking for them is what it is for.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from funchost.cli.start import DEFAULT_PORT, default_address, shown_address
from funchost.errors import ConfigurationError
from funchost.http.keys import KeyStore
from funchost.metadata.app_loader import LoadedApp, load_app, resolve_script_root
from funchost.metadata.binding_settings import HttpTriggerSettings


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("keys", help="show the app's function keys")
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="list the master, host and function keys and each HTTP function's URL")
    listing.add_argument("--script-root", help="the app folder (default: AzureWebJobsScriptRoot or the current folder)")
    listing.add_argument("--port", "-p", type=int, help="port shown in the URLs (default: LocalHttpPort, 7071)")
    listing.add_argument("--host", default=default_address(), help="address shown in the URLs (as funchost start)")
    listing.add_argument("--function", "-f", help="only this HTTP function (and the keys that unlock it)")
    listing.add_argument(
        "--value", action="store_true", help="print only the key to call --function with (for scripts: ?code=$(…))"
    )
    listing.add_argument("--json", action="store_true", help="print a JSON document")
    listing.set_defaults(handler=run_list)


@dataclass(frozen=True)
class Route:
    """One HTTP function as a caller sees it."""

    name: str
    auth_level: str
    url: str
    key: str | None
    """The key to call it with (its own "default" key or the host key; the master key for admin level)."""


def run_list(args: argparse.Namespace) -> int:
    root = resolve_script_root(args.script_root)
    app = load_app(root)
    keys = KeyStore.load(root, [f.spec.name for f in app.functions if f.spec.is_http])
    routes = _select(_routes(app, args.host, args.port, keys), args.function, root)
    if args.value:
        if args.function is None:
            raise ConfigurationError("--value prints the key of one function. Fix: add --function NAME")
        (route,) = routes
        if route.key is None:
            raise ConfigurationError(
                f"Function '{route.name}' has auth level '{route.auth_level}': it needs no key. Fix: call "
                f"{route.url} without one"
            )
        print(route.key)
        return 0
    if args.json:
        json.dump(_document(keys, routes), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    print(f"Keys of {root} (from {', '.join(keys.sources)}):\n")
    if keys.master:
        print(f"  master               {keys.master}\n      unlocks the admin API and every function")
    for name, value in sorted(keys.keys.host.items()):
        print(f"  host {name:<15} {value}\n      unlocks every function-level function")
    for route in routes:
        for name, value in sorted(keys.keys.functions.get(route.name.casefold(), {}).items()):
            print(f"  function {route.name}/{name}  {value}\n      unlocks {route.name} only")
    if routes:
        print("\nURLs:")
    for route in routes:
        shown = f"{route.url}?code={route.key}" if route.key else f"{route.url}  (anonymous: no key needed)"
        print(f"  {route.name}: {shown}")
    return 0


def _routes(app: LoadedApp, address: str, port: int | None, keys: KeyStore) -> list[Route]:
    port = port or int(app.local_settings.host.get("LocalHttpPort") or DEFAULT_PORT)
    prefix = f"/{app.host_config.route_prefix}" if app.host_config.route_prefix else ""
    routes = []
    for indexed in app.functions:
        spec = indexed.spec
        settings = app.settings[spec.name][spec.trigger.name]
        if not isinstance(settings, HttpTriggerSettings):
            continue
        level = settings.auth_level
        key = None if level == "anonymous" else keys.master if level == "admin" else keys.function_key(spec.name)
        routes.append(Route(spec.name, level, f"http://{shown_address(address)}:{port}{prefix}/{settings.route}", key))
    return routes


def _select(routes: list[Route], function: str | None, root: Path) -> list[Route]:
    if function is None:
        return routes
    chosen = [r for r in routes if r.name.casefold() == function.casefold()]
    if not chosen:
        names = ", ".join(r.name for r in routes) or "none"
        raise ConfigurationError(
            f"{root} has no HTTP function '{function}'. Its HTTP functions: {names}. "
            "Fix: pass one of them to --function"
        )
    return chosen


def _document(keys: KeyStore, routes: list[Route]) -> dict[str, Any]:
    return {
        "sources": list(keys.sources),
        "masterKey": keys.master,
        "hostKeys": dict(keys.keys.host),
        "functionKeys": {r.name: dict(keys.keys.functions.get(r.name.casefold(), {})) for r in routes},
        "functions": [{"name": r.name, "authLevel": r.auth_level, "url": r.url, "key": r.key} for r in routes],
    }
