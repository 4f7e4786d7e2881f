"""RBAC for the built-in controller (`--scaler builtin`): a ServiceAccount and a Role that may only get and
patch the scale subresource of the one Deployment it scales (what `KubernetesTarget` calls), bound together."""

from __future__ import annotations

from typing import Any

from scale_controller.manifests.names import metadata, scaler_name
from scale_controller.manifests.options import DeployOptions


def service_account(options: DeployOptions) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata(options, scaler_name(options), "scaler")}


def role(options: DeployOptions, target: str) -> dict[str, Any]:
    rule = {
        "apiGroups": ["apps"],
        "resources": ["deployments/scale"],
        "resourceNames": [target],
        "verbs": ["get", "patch"],
    }
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": metadata(options, scaler_name(options), "scaler"),
        "rules": [rule],
    }


def role_binding(options: DeployOptions) -> dict[str, Any]:
    name = scaler_name(options)
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": metadata(options, name, "scaler"),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
        "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": options.namespace}],
    }
