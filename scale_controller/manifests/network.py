"""How HTTP reaches the HTTP Deployment: a Service (port 80 → the container's `http` port 8080; ClusterIP unless
`--service-type` asks for more) and, on OpenShift, a Route with edge TLS (plain HTTP redirected). `/metrics` is on
the same port but needs the master key from anywhere but the pod itself (funchost.http.health)."""

from __future__ import annotations

from typing import Any

from scale_controller.manifests.names import match_labels, metadata
from scale_controller.manifests.options import DeployOptions


def service(options: DeployOptions, deployment: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(options, deployment, "http"),
        "spec": {
            "type": options.service_type,
            "selector": match_labels(options, deployment),
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def route(options: DeployOptions, service_name: str) -> dict[str, Any]:
    return {
        "apiVersion": "route.openshift.io/v1",
        "kind": "Route",
        "metadata": metadata(options, service_name, "http"),
        "spec": {
            "to": {"kind": "Service", "name": service_name, "weight": 100},
            "port": {"targetPort": "http"},
            "tls": {"termination": "edge", "insecureEdgeTerminationPolicy": "Redirect"},
            "wildcardPolicy": "None",
        },
    }
