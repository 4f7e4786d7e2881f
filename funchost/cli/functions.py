"""`funchost functions list [--json]`: the indexed metadata in Azure's function.json shape.

The JSON document is what the scale controller and the manifest generator read; they never import the app.
Functions in error are listed too, each with an `error` (the cause and fix) and no `scale` entry; the controller
and the manifests skip them. Exit code 2 only when no function can load (or with --strict, when any is in error).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from funchost.cli import arguments, exit_guard
from funchost.function_checks import check_functions
from funchost.metadata.app_loader import LoadedApp, load_app, resolve_script_root
from funchost.metadata.scale_settings import scale_metadata


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("functions", help="inspect the app's functions")
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="list functions and their bindings")
    listing.add_argument("--json", action="store_true", help="print the metadata document (function.json shape)")
    listing.add_argument("--script-root", help="the app folder (default: current folder)")
    listing.add_argument("--strict", action="store_true", help="exit with code 2 if any function is in error")
    listing.set_defaults(handler=run_list)


def metadata_document(app: LoadedApp) -> dict[str, Any]:
    scale = scale_metadata(app)  # event-triggered functions only: target, activationThreshold, source, options
    functions = [f.spec.to_metadata() for f in app.functions]
    for doc in functions:
        if doc["name"] in scale:
            doc["scale"] = scale[doc["name"]]
    functions += [error.to_metadata() for error in app.errors]
    return {"scriptRoot": str(app.script_root), "routePrefix": app.host_config.route_prefix, "functions": functions}


def run_list(args: argparse.Namespace) -> int:
    # A thread the app started at import must not keep this process alive: the scale controller waits for it.
    return exit_guard.guarded(lambda: _list(args), time.monotonic)


def _list(args: argparse.Namespace) -> int:
    app = check_functions(
        load_app(
            resolve_script_root(args.script_root),
            indexing_timeout=arguments.indexing_timeout(),
            strict=True if args.strict else None,
        )
    )
    if args.json:
        json.dump(metadata_document(app), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    for indexed in app.functions:
        spec = indexed.spec
        others = ", ".join(f"{b.name}:{b.type}({b.direction.value})" for b in spec.bindings if b is not spec.trigger)
        disabled = f"\t[Disabled] {spec.disabled_by}" if spec.disabled else ""
        print(f"{spec.name}\t{spec.trigger.type}\t{others}{disabled}")
    for error in app.errors:
        trigger = error.spec.trigger.type if error.spec is not None else "?"
        print(f"{error.name}\t{trigger}\t[Error] {error.message}")
    return 0
