"""RBAC for the built-in controller (`--scaler builtin`): a ServiceAccount and a Role that may only get and
patch the scale subresource of the one Deployment it scales (what `KubernetesTarget` calls), bound together.
The HTTP Deployment's controller may also list pods (the HTTP pods scaler reads their addresses)."""

from __future__ import annotations

from typing import Any

from scale_controller.manifests.names import metadata, scaler_name
from scale_controller.manifests.options import DeployOptions


def service_account(options: DeployOptions, name: str | None = None) -> dict[str, Any]:
    name = name or scaler_name(options)
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata(options, name, "scaler")}


def role(options: DeployOptions, target: str, name: str | None = None, *, list_pods: bool = False) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "apiGroups": ["apps"],
        "resources": ["deployments/scale"],
        "resourceNames": [target],
        "verbs": ["get", "patch"],
    }
    rules = [rule, {"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]}] if list_pods else [rule]
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": metadata(options, name or scaler_name(options), "scaler"),
        "rules": rules,
    }


def role_binding(options: DeployOptions, name: str | None = None) -> dict[str, Any]:
    name = name or scaler_name(options)
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": metadata(options, name, "scaler"),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
        "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": options.namespace}],
    }
