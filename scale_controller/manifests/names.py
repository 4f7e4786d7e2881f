"""Object names and the labels every generated object carries.

`app.kubernetes.io/managed-by: funchost` plus `app.kubernetes.io/instance: <name>` select everything one
`funchost kubernetes deploy --name <name>` created; `funchost kubernetes delete` deletes by that selector.
"""

from __future__ import annotations

import re
from typing import Any

from scale_controller.manifests.options import DeployOptions

MANAGED_BY = "app.kubernetes.io/managed-by"
INSTANCE = "app.kubernetes.io/instance"
NAME = "app.kubernetes.io/name"
COMPONENT = "app.kubernetes.io/component"
MANAGER = "funchost"
PRESERVE_DATA = "funchost.io/preserve-data"  # apply keeps the live Secret's values (generated keys survive)


def selector(app: str) -> str:
    """The label selector of every object of one deployed app."""
    return f"{MANAGED_BY}={MANAGER},{INSTANCE}={app}"


def labels(options: DeployOptions, component: str, name: str | None = None) -> dict[str, str]:
    result = {NAME: name or options.name, INSTANCE: options.name, COMPONENT: component, MANAGED_BY: MANAGER}
    return result


def match_labels(options: DeployOptions, deployment: str) -> dict[str, str]:
    """A Deployment's selector (immutable once created: only stable labels)."""
    return {NAME: deployment, INSTANCE: options.name}


def metadata(options: DeployOptions, name: str, component: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": options.namespace, "labels": labels(options, component, name), **extra}


def http_deployment(options: DeployOptions) -> str:
    return f"{options.name}-http"


def events_deployment(options: DeployOptions) -> str:
    return options.name  # as Core Tools: the ScaledObject and the non-HTTP Deployment share the app's name


def scaler_name(options: DeployOptions) -> str:
    return f"{options.name}-scaler"


def http_scaler_name(options: DeployOptions) -> str:
    return f"{options.name}-http-scaler"


def pod_selector(options: DeployOptions, deployment: str) -> str:
    """The label selector of a Deployment's pods (its matchLabels), as the API's labelSelector parameter."""
    return ",".join(f"{key}={value}" for key, value in match_labels(options, deployment).items())


def dns_label(text: str) -> str:
    """`process_order` → `process-order`: a function or setting name as part of an object name."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"
