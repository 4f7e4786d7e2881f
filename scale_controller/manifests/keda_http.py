"""The KEDA HTTP add-on's HTTPScaledObject (`http.keda.sh/v1alpha1`) for the HTTP Deployment (`--scaler keda`).

The add-on's interceptor is a reverse proxy that routes by host and path prefix, counts the requests in flight
per route and holds requests while the Deployment is at zero; its external-push scaler feeds that count to KEDA
(reference/keda.md §4). So the HTTP Deployment scales from `--min-replicas` (0 by default, unlike without the
add-on) on concurrency, with the per-worker target `http_concurrency(host_config).scale_target` — the same
target the built-in controller uses — and the add-on's `desired = ceil(in flight / target)`.

The operator creates the ScaledObject itself, named as the HTTPScaledObject (`<name>-http`). No other
ScaledObject targets that Deployment: funchost splits HTTP and event functions into two Deployments (as
`func kubernetes deploy` does), and the event Deployment's ScaledObject is `<name>`. So the annotation
`httpscaledobject.keda.sh/skip-scaledobject-creation` (for one Deployment scaled on HTTP and events together,
with a hand-written ScaledObject holding the event triggers and an `external-push` trigger) is not needed.

Routing: `hosts` are `--http-host` values, else `<name>.<namespace>` (the interceptor serves every namespace, so
the default host is unique in the cluster); `pathPrefixes` is `/<routePrefix>` (all functions sit under it;
none with an empty prefix: every path). The target is the Service's port 80, by number, as the CRD requires
exactly one of `port` and `portName`.
"""

from __future__ import annotations

from typing import Any

from scale_controller.manifests.names import metadata
from scale_controller.manifests.options import DeployOptions

ADDON_API = "http.keda.sh/v1alpha1"
SERVICE_PORT = 80  # network.service's port
INTERCEPTOR = "keda-add-ons-http-interceptor-proxy"  # the Service clients call, in the add-on's namespace, :8080


def hosts(options: DeployOptions) -> list[str]:
    return list(options.http_hosts) or [f"{options.name}.{options.namespace}"]


def http_scaled_object(options: DeployOptions, deployment: str, target: int, prefix: str) -> dict[str, Any]:
    """`deployment` is also the Service's name (network.service)."""
    spec: dict[str, Any] = {"hosts": hosts(options)}
    if prefix:
        spec["pathPrefixes"] = [f"/{prefix}"]
    spec |= {
        "scaleTargetRef": {
            "name": deployment,
            "kind": "Deployment",
            "apiVersion": "apps/v1",
            "service": deployment,
            "port": SERVICE_PORT,
        },
        "replicas": {"min": options.min_replicas, "max": options.max_replicas},
        "scalingMetric": {"concurrency": {"targetValue": target}},
        "scaledownPeriod": options.cooldown_period,
    }
    return {
        "apiVersion": ADDON_API,
        "kind": "HTTPScaledObject",
        "metadata": metadata(options, deployment, "keda"),
        "spec": spec,
    }


def note(options: DeployOptions, deployment: str) -> str:
    host = hosts(options)[0]
    return (
        f"Deployment {deployment} is scaled from zero by KEDA's HTTP add-on: call it through the interceptor "
        f"(http://{INTERCEPTOR}.keda:8080 with 'Host: {host}'), not the Service, or requests at zero replicas fail; "
        "install the add-on with: helm install http-add-on kedacore/keda-add-ons-http --namespace keda"
    )
