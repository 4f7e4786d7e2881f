"""`funchost scale status | run`: the scale controller, and what it measured, decided, and why.

`status [--script-root DIR | --status-file FILE] [--json]` reads the status document the running controller
rewrites after every tick (`scale_controller.status`, `<script_root>/.funchost/scale-status.json`) and never talks
to a broker itself, so it answers "why isn't it scaling?" without credentials. Exit code 1 when no controller is
running (no document, or a stale one).

`run --target kubernetes --deployment NAME` runs the controller (`ScaleLoop`) against a Deployment's scale
subresource (`KubernetesTarget`): in a pod with its service account (what `funchost kubernetes deploy --scaler
builtin` deploys), elsewhere with the kubeconfig. SIGTERM / Ctrl+C stop it after the current tick. With
`--http-pods SELECTOR` it scales an HTTP Deployment on its pods' requests in flight
(`scale_controller.scalers.http_pods`) instead, never below 1 replica.

`replay TRACE.csv` replays a load trace through the rule, offline (`funchost.cli.scale_replay`).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from funchost.cli.scale_policy import add_policy_options, policy_from_args
from funchost.cli.scale_replay import add_replay
from funchost.errors import ConfigurationError, StartupError
from funchost.logcontext import configure_logging
from funchost.metadata.app_loader import resolve_script_root
from scale_controller import status
from scale_controller.policy import KEDA

if TYPE_CHECKING:
    from scale_controller.app_metadata import AppMetadata
    from scale_controller.loop import ScaleLoop
    from scale_controller.policy import Policy
    from scale_controller.scalers.base import TriggerSource
    from scale_controller.targets.kubernetes import KubernetesTarget

START_HINT = (
    "start the scale controller in the app folder (`funchost up`, or `funchost scale run`; see docs/scaling.md)"
)
SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
TARGETS = ("kubernetes",)
COLUMNS = ("FUNCTION", "TRIGGER", "SCALER", "METRIC", "TARGET", "ACTIVE", "WANTS", "DETAIL")


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """Add `funchost scale` with its `status` action; returns the actions so other `scale` actions can be added."""
    parser = subparsers.add_parser("scale", help="the scale controller: scale the app on its event backlog")
    actions = parser.add_subparsers(dest="action", required=True)
    show = actions.add_parser("status", help="show each trigger's metric and the controller's last decision")
    show.add_argument("--script-root", help="the app folder (default: AzureWebJobsScriptRoot or the current folder)")
    show.add_argument("--status-file", help="the status document (default: <script root>/.funchost/scale-status.json)")
    show.add_argument("--json", action="store_true", help="print the status document as JSON")
    show.set_defaults(handler=run_status)
    _add_run(actions)
    add_replay(actions)
    return actions


def _add_run(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = actions.add_parser("run", help="run the scale controller against a target (a Kubernetes Deployment)")
    run.add_argument("--target", required=True, help="what to scale: kubernetes (a Deployment's scale subresource)")
    run.add_argument("--deployment", required=True, help="the Deployment running the event functions")
    run.add_argument("--namespace", help="default: the pod's namespace in a cluster, else the kubeconfig's")
    run.add_argument("--script-root", help="the app folder to index (default: AzureWebJobsScriptRoot or .)")
    run.add_argument("--metadata", help="the app's 'funchost functions list --json' document instead of indexing")
    run.add_argument("--strict", action="store_true", help="fail if any function is in error (default: skip it)")
    run.add_argument(
        "--http-pods",
        metavar="SELECTOR",
        help="scale the Deployment on the HTTP requests in flight on the pods SELECTOR selects (their /metrics, "
        "with FUNCHOST_MASTER_KEY) instead of on the event triggers; at least 1 replica",
    )
    add_policy_options(run, min_replicas=0, max_replicas=100, polling_interval=30.0, defaults=KEDA)
    run.add_argument("--status-file", help="where to write the status (default: <script root>/.funchost/...)")
    run.add_argument("--kubeconfig", help="kubeconfig file (default: in-cluster service account, else KUBECONFIG)")
    run.add_argument("--context", help="kubeconfig context")
    run.add_argument("--server", help="API server URL without credentials (e.g. kubectl proxy)")
    run.set_defaults(handler=run_controller)


def run_controller(args: argparse.Namespace) -> int:
    from scale_controller.app_metadata import load_app_metadata
    from scale_controller.controller import build_loop

    if args.target not in TARGETS:
        raise ConfigurationError(f"--target is {args.target!r}; expected one of {', '.join(TARGETS)}")
    policy = policy_from_args(args)
    root = resolve_script_root(args.script_root)
    source = Path(args.metadata) if args.metadata else root
    app = load_app_metadata(source, environ=os.environ, strict=True if args.strict else None)
    if args.http_pods:
        policy = _http_policy(app, policy)
    elif not app.event_functions:
        raise ConfigurationError(
            f"{app.origin}: no event-triggered functions to scale (HTTP and timer functions have no backlog). "
            "Fix: point --metadata / --script-root at the app with queue, RabbitMQ, Kafka or Service Bus functions, "
            "or pass --http-pods SELECTOR to scale an HTTP Deployment"
        )
    configure_logging(logging.INFO)  # the same secret-masking handler as the host
    target = _kubernetes_target(args)
    status_path = Path(args.status_file) if args.status_file else status.default_path(root)
    sources = _http_sources(app, target, args.http_pods) if args.http_pods else None
    loop = build_loop(app, target, policy, interval=args.polling_interval, status_path=status_path, sources=sources)
    scaled_on = f"HTTP in flight on pods {args.http_pods}" if args.http_pods else None
    print(
        f"Scaling {target.name} on {scaled_on or ', '.join(f.name for f in app.event_functions)}: replicas "
        f"{policy.min_replicas}..{policy.max_replicas}, poll every {args.polling_interval:g} s, cooldown "
        f"{args.cooldown_period:g} s; status in {status_path}",
        flush=True,
    )
    return asyncio.run(_serve(loop, target))


def _http_policy(app: AppMetadata, policy: Policy) -> Policy:
    """An HTTP Deployment scaled on its pods keeps 1 replica: nothing holds a request while there is none."""
    if not any(f.is_http for f in app.functions):
        raise ConfigurationError(
            f"{app.origin}: --http-pods, but the app has no HTTP functions. Fix: point --metadata / --script-root "
            "at the app with HTTP functions, or leave out --http-pods to scale on the event triggers"
        )
    return dataclasses.replace(policy, min_replicas=max(policy.min_replicas, 1))


def _http_sources(app: AppMetadata, target: KubernetesTarget, selector: str) -> list[TriggerSource]:
    from funchost.http.keys import MASTER_KEY_ENV
    from scale_controller.http_target import http_scale_target
    from scale_controller.scalers.http_pods import PodsQuery, http_pods_source

    query = PodsQuery(target.namespace, selector)
    key = os.environ.get(MASTER_KEY_ENV) or None
    return [http_pods_source(target.api, query, http_scale_target(app), master_key=key)]


def _kubernetes_target(args: argparse.Namespace) -> KubernetesTarget:
    from scale_controller import kube
    from scale_controller.targets.base import TargetError
    from scale_controller.targets.kubernetes import KubernetesTarget

    namespace = args.namespace or _pod_namespace() or "default"
    if args.server:
        return KubernetesTarget(namespace, args.deployment, kube.api_client(host=args.server), owns_client=True)
    try:
        return KubernetesTarget.from_config(
            namespace, args.deployment, kubeconfig=args.kubeconfig, context=args.context
        )
    except TargetError as exc:
        raise ConfigurationError(str(exc)) from None


def _pod_namespace() -> str | None:
    try:
        return SERVICE_ACCOUNT_NAMESPACE.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


async def _serve(loop: ScaleLoop, target: KubernetesTarget) -> int:
    from scale_controller.controller import run_until_signalled
    from scale_controller.targets.base import TargetError

    try:
        await target.current()  # fail fast on a missing Deployment or RBAC, with the target's explanation
    except TargetError as exc:
        await target.aclose()
        raise StartupError(str(exc)) from None
    await run_until_signalled(loop, target)
    print("Stopped.", flush=True)
    return 0


def run_status(args: argparse.Namespace) -> int:
    root = resolve_script_root(args.script_root)
    path = Path(args.status_file) if args.status_file else status.default_path(root)
    try:
        document = status.read(path)
    except status.StatusError as exc:
        print(f"error: {exc}: no scale controller is running for {root}. Fix: {START_HINT}", file=sys.stderr)
        return 1
    now = time.time()
    age, stale = status.age(document, now), status.is_stale(document, now)
    if args.json:
        json.dump(document | {"age_seconds": age, "stale": stale}, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render(document, now))
    if stale:
        print(
            f"error: {path} was last updated {_ago(age)} ago, but the controller rewrites it every "
            f"{_num(document['interval_seconds'])} s: no scale controller is running for {root}. Fix: {START_HINT}",
            file=sys.stderr,
        )
        return 1
    return 0


def render(document: dict[str, Any], now: float) -> str:
    loop, policy = document["loop"], document["policy"]
    current, desired = document["current"], document["desired"]
    replicas = "unknown" if current is None else f"{current} → {desired}" if desired != current else f"{current}"
    lines = [
        f"Scale controller for {document['target']} (pid {document['pid']}): updated {_ago(status.age(document, now))}"
        f" ago, polling every {_num(document['interval_seconds'])} s, loop lag {loop['lag_seconds'] * 1000:.1f} ms"
        f" (max {loop['max_lag_seconds'] * 1000:.1f} ms over {loop['ticks']} ticks)",
        f"Replicas:    {replicas}{' (active)' if document['active'] else ' (no trigger active)'}",
        f"Reason:      {document['reason'] or '-'}",
    ]
    if document["target_error"] and document["target_error"] != document["reason"]:
        lines.append(f"Target:      {document['target_error']}")
    change = document["last_change"]
    if change:
        lines.append(f"Last change: {_ago(now - change['at'])} ago, {change['from']} → {change['to']}")
    else:
        lines.append("Last change: none since the controller started")
    rule = policy.get("summary") or f"cooldown {_num(policy['cooldown_period'])} s"  # older documents: no summary
    lines.append(
        f"Policy:      min {policy['min_replicas']}, max {policy['max_replicas']}, {rule}"
        f"{', paused' if policy['paused'] else ''}"
    )
    rows = [_row(t) for t in document["triggers"]]
    return "\n".join(lines) + "\n\n" + _table([COLUMNS, *rows]) + "\n"


def _row(trigger: dict[str, Any]) -> tuple[str, ...]:
    failing = trigger["error"] is not None
    return (
        trigger["function"],
        trigger["trigger"],
        trigger["scaler"] or "-",
        "-" if trigger["value"] is None else _num(trigger["value"]),
        "-" if trigger["target"] is None else _num(trigger["target"]),
        "error" if failing else "yes" if trigger["active"] else "no",
        "-" if trigger["replicas"] is None else str(trigger["replicas"]),
        trigger["detail"] or "",
    )


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]]).rstrip() for row in rows
    )


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


def _ago(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.0f} h"
