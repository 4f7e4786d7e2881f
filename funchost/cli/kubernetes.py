"""`funchost kubernetes deploy | delete`: the app on Kubernetes or OpenShift, scaled from zero by KEDA
(generated ScaledObjects) or by funchost's own controller running in the cluster (`--scaler builtin`).

Reads the app's metadata (indexing the project in a subprocess, or `--metadata FILE`) and local.settings.json,
builds the objects (`scale_controller.manifests`), then prints them (`--dry-run`), writes them
(`--write-configs FILE`) or applies them with server-side apply (`scale_controller.kube_apply`). `delete`
removes everything a deploy of that `--name` created, found by label. Exit codes as every command: 2 for bad
input (options, app, settings), 1 when the cluster refuses.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from funchost.errors import ConfigurationError
from funchost.metadata.app_loader import resolve_script_root
from funchost.metadata.app_settings import load_local_settings

if TYPE_CHECKING:  # the client is imported only when a command talks to a cluster
    from scale_controller.kube import ApiClient
    from scale_controller.manifests import DeployOptions

DEFAULT_TAG = "latest"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("kubernetes", help="deploy the app to Kubernetes or OpenShift, scaled from zero")
    actions = parser.add_subparsers(dest="action", required=True)
    deploy = actions.add_parser("deploy", help="build the manifests and apply them (or print / write them)")
    deploy.add_argument("--name", required=True, help="name of the Deployments, Secret and ScaledObject")
    image = deploy.add_mutually_exclusive_group(required=True)
    image.add_argument("--image-name", help="the app image, e.g. registry.example/orders:1.0")
    image.add_argument("--registry", help="use the image REGISTRY/NAME:latest (funchost build --tag NAME --registry)")
    deploy.add_argument("--script-root", help="the app folder (default: AzureWebJobsScriptRoot or the current folder)")
    deploy.add_argument("--metadata", help="the app's 'funchost functions list --json' document instead of indexing")
    deploy.add_argument("--platform", default="kubernetes", help="kubernetes (default) or openshift (adds a Route)")
    deploy.add_argument("--scaler", default="keda", help="keda (default: ScaledObjects) or builtin (funchost's own)")
    deploy.add_argument("--min-replicas", type=int, default=0, help="minReplicaCount (default 0)")
    deploy.add_argument("--max-replicas", type=int, default=100, help="maxReplicaCount (default 100)")
    deploy.add_argument("--polling-interval", type=int, default=30, help="seconds between polls (default 30)")
    deploy.add_argument("--cooldown-period", type=int, default=300, help="seconds idle before → 0 (default 300)")
    deploy.add_argument(
        "--service-type", default="ClusterIP", help="ClusterIP (default: in-cluster only), NodePort or LoadBalancer"
    )
    deploy.add_argument(
        "--http-host",
        action="append",
        default=[],
        metavar="HOST",
        help="with --scaler keda: a Host the HTTP add-on's interceptor routes to the app (repeatable; default "
        "NAME.NAMESPACE)",
    )
    _resource_options(deploy)
    deploy.add_argument("--secret-name", help="use this existing Secret for the app settings instead of generating one")
    deploy.add_argument("--keys-secret-name", help="the function keys Secret (default func-keys-kube-secret-NAME)")
    deploy.add_argument("--pull-secret", help="imagePullSecret for the image")
    deploy.add_argument("--dry-run", action="store_true", help="print the YAML instead of applying it")
    deploy.add_argument(
        "--strict", action="store_true", help="fail if any function is in error (default: skip it with a warning)"
    )
    deploy.add_argument("--write-configs", metavar="FILE", help="write the YAML to FILE instead of applying it")
    _cluster_options(deploy)
    deploy.set_defaults(handler=run_deploy)
    delete = actions.add_parser("delete", help="delete everything 'kubernetes deploy --name NAME' created")
    delete.add_argument("--name", required=True, help="the --name given to deploy")
    _cluster_options(delete)
    delete.set_defaults(handler=run_delete)


RESOURCE_DEFAULTS = {"cpu_request": "100m", "memory_request": "128Mi", "cpu_limit": None, "memory_limit": "512Mi"}
"""scale_controller.manifests.options.DEFAULT_RESOURCES, restated so that building the parser imports no manifests
code (a test keeps the two equal)."""


def _resource_options(parser: argparse.ArgumentParser) -> None:
    for field, default in RESOURCE_DEFAULTS.items():
        parser.add_argument(
            f"--{field.replace('_', '-')}",
            metavar="QUANTITY",
            help=f"the function containers' {field.replace('_', ' ').replace('cpu', 'CPU')} (default "
            f"{default or 'none'}; 'none' leaves it out)",
        )


def _resources(args: argparse.Namespace) -> dict[str, str | None]:
    """The resource options given (None for 'none'); the others keep DeployOptions' defaults."""
    given = {field: getattr(args, field) for field in RESOURCE_DEFAULTS if getattr(args, field) is not None}
    return {field: None if value.strip().lower() == "none" else value.strip() for field, value in given.items()}


def _cluster_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--namespace", help="default: the kubeconfig context's namespace, else 'default'")
    parser.add_argument("--kubeconfig", help="kubeconfig file (default: KUBECONFIG or ~/.kube/config)")
    parser.add_argument("--context", help="kubeconfig context (default: the current one)")
    parser.add_argument("--server", help="API server URL without credentials, e.g. 'kubectl proxy' at :8001")


def run_deploy(args: argparse.Namespace) -> int:
    from scale_controller import kube_apply
    from scale_controller.app_metadata import load_app_metadata
    from scale_controller.manifests import DeployOptions, build_manifests, to_yaml

    root = resolve_script_root(args.script_root)
    values = load_local_settings(root).values
    image = args.image_name or f"{args.registry.strip().rstrip('/')}/{args.name}:{DEFAULT_TAG}"
    options = DeployOptions(
        name=args.name,
        image=image,
        namespace=_namespace(args),
        platform=args.platform,
        scaler=args.scaler,
        min_replicas=args.min_replicas,
        max_replicas=args.max_replicas,
        polling_interval=args.polling_interval,
        cooldown_period=args.cooldown_period,
        service_type=args.service_type,
        **_resources(args),
        secret_name=args.secret_name,
        keys_secret_name=args.keys_secret_name,
        pull_secret=args.pull_secret,
        http_hosts=tuple(host.strip() for host in args.http_host),
    )  # validated first: a typo in an option fails before the app is indexed
    source = Path(args.metadata) if args.metadata else root
    app = load_app_metadata(source, environ=dict(os.environ), strict=True if args.strict else None)
    for name, why in app.skipped.items():
        print(f"warning: function '{name}' is in error and is not deployed: {why}", file=sys.stderr)
    manifests = build_manifests(app, values, options)
    for note in manifests.notes:
        print(f"note: {note}", file=sys.stderr)
    text = to_yaml(manifests.objects)
    if args.dry_run:
        sys.stdout.write(text)
        return 0
    if args.write_configs:
        Path(args.write_configs).write_text(text, encoding="utf-8")
        print(f"Wrote {len(manifests.objects)} objects to {args.write_configs} (apply with kubectl apply -f).")
        return 0
    api = _client(args)
    try:
        applied = kube_apply.apply(api, manifests.objects)
    finally:
        kube_apply.close(api)
    for item in applied:
        print(f"applied {item} (namespace {options.namespace})")
    print(_summary(options, manifests.objects))
    return 0


def run_delete(args: argparse.Namespace) -> int:
    from scale_controller import kube_apply
    from scale_controller.manifests import selector

    namespace = _namespace(args)
    api = _client(args)
    try:
        deleted = kube_apply.delete(api, namespace, selector(args.name))
    finally:
        kube_apply.close(api)
    for item in deleted:
        print(f"deleted {item} (namespace {namespace})")
    if not deleted:
        print(f"nothing to delete: no objects labelled {selector(args.name)} in namespace {namespace}")
    return 0


def _namespace(args: argparse.Namespace) -> str:
    from scale_controller import kube_apply

    if args.namespace:
        return str(args.namespace)
    if args.server:
        return "default"
    return kube_apply.current_namespace(args.kubeconfig, args.context) or "default"


def _client(args: argparse.Namespace) -> ApiClient:
    from scale_controller import kube

    try:
        return kube.api_client(host=args.server, kubeconfig=args.kubeconfig, context=args.context)
    except kube.KubeError as exc:
        raise ConfigurationError(
            f"{exc.message}. Fix: point KUBECONFIG (or --kubeconfig / --context) at the cluster, or use --dry-run"
        ) from exc


def _summary(options: DeployOptions, objects: tuple[dict[str, Any], ...]) -> str:
    """What was deployed and the commands to look at it."""
    ns = f"-n {options.namespace}"
    names = {(str(o["kind"]), str(o["metadata"]["name"])) for o in objects}
    lines = [f"Deployed {options.name}: {len(objects)} objects. Next:"]
    if ("ScaledObject", options.name) in names:
        lines.append(f"  kubectl get scaledobject {options.name} {ns}     # READY / ACTIVE, as KEDA sees the triggers")
    if ("Deployment", f"{options.name}-scaler") in names:
        lines.append(f"  kubectl exec deploy/{options.name}-scaler {ns} -- funchost scale status --status-file "
                     "/tmp/funchost/scale-status.json")  # fmt: skip
    if ("HTTPScaledObject", f"{options.name}-http") in names:
        lines.append(
            f"  kubectl get httpscaledobject {options.name}-http {ns}     # the HTTP add-on's route and replicas"
        )
    if ("Deployment", f"{options.name}-http-scaler") in names:
        lines.append(f"  kubectl exec deploy/{options.name}-http-scaler {ns} -- funchost scale status --status-file "
                     "/tmp/funchost/scale-status.json")  # fmt: skip
    if ("Service", f"{options.name}-http") in names:
        where = "route" if ("Route", f"{options.name}-http") in names else "service"
        lines.append(f"  kubectl get {where} {options.name}-http {ns}     # the HTTP address")
        if where == "service" and options.service_type == "ClusterIP":
            lines.append(f"  kubectl port-forward svc/{options.name}-http 8080:80 {ns}     # reach it from here")
        lines.append(
            f"  kubectl get secret {options.keys_secret} {ns} -o jsonpath='{{.data.host\\.master}}' | base64 -d"
            "     # the master key"
        )
    lines.append(f"  funchost kubernetes delete --name {options.name} --namespace {options.namespace}     # remove it")
    return "\n".join(lines)
