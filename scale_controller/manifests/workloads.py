"""The Deployments: one per function group (HTTP, events), as `func kubernetes deploy` splits them, and the
built-in scale controller's (`--scaler builtin`).

Each function Deployment runs only its group: `AzureFunctionsJobHost__functions__<i>` (host.json `functions`
through the environment, as Core Tools sets it), and reads its keys from the keys Secret (mounted read-only; a
read-only root file system has nowhere to keep generated keys, and every replica must accept the same ones).
The controller gets only the app settings its scalers read, one `secretKeyRef` each, not the whole Secret.
A Deployment that a scaler owns has no `spec.replicas`: the Kubernetes HPA docs advise leaving it out of
manifests, so re-applying never resets what the scaler chose (a new Deployment starts at 1 and the scaler takes it
from there).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from funchost.metadata.warmup import WARMUP_ENV, WARMUP_FUNCTION
from scale_controller.manifests.names import labels, match_labels, metadata, scaler_name
from scale_controller.manifests.options import METADATA_PATH, DeployOptions
from scale_controller.manifests.pods import (
    TMP_MOUNT,
    TMP_VOLUME,
    container_security_context,
    function_container,
    pod_template,
)
from scale_controller.manifests.secrets import KEYS_MOUNT

STATUS_FILE = "/tmp/funchost/scale-status.json"  # the controller's status document, in the /tmp emptyDir
MASTER_KEY = "host.master"  # the keys Secret's master key (secrets.keys_secret)
MASTER_KEY_ENV = "FUNCHOST_MASTER_KEY"  # funchost.http.keys.MASTER_KEY_ENV (the controller may not import it)
SCALER_RESOURCES = {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}


def function_deployment(
    options: DeployOptions,
    name: str,
    component: str,
    functions: Sequence[str],
    *,
    replicas: int | None,
) -> dict[str, Any]:
    """`replicas` None: a scaler owns the count."""
    env: list[dict[str, Any]] = [
        {"name": f"AzureFunctionsJobHost__functions__{i}", "value": function} for i, function in enumerate(functions)
    ]
    env.append({"name": "AzureWebJobsSecretStorageType", "value": "kubernetes"})
    if warmup_function_listed(functions):
        # A pod of an autoscaled Deployment is almost always an added instance; restarts are warmed too.
        env.append({"name": WARMUP_ENV, "value": "1"})
    mounts = [{"name": "function-keys", "mountPath": KEYS_MOUNT, "readOnly": True}]
    # optional: false is the default, spelled out: podman 4.3's kube play dereferences it without a nil check.
    volumes = [TMP_VOLUME, {"name": "function-keys", "secret": {"secretName": options.keys_secret, "optional": False}}]
    container = function_container(options, env, mounts)
    spec: dict[str, Any] = {
        "selector": {"matchLabels": match_labels(options, name)},
        "template": pod_template(options, name, labels(options, component, name), container, volumes=volumes),
    }
    if replicas is not None:
        spec = {"replicas": replicas, **spec}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata(options, name, component), "spec": spec}


def scaler_command(options: DeployOptions, target: str, min_replicas: int, http_pods: str | None = None) -> list[str]:
    """`funchost scale run` against the event Deployment, with the same policy a ScaledObject would carry; with
    `http_pods` (the HTTP Deployment's pod selector) against the HTTP Deployment, on its pods' requests in flight."""
    http = ["--http-pods", http_pods] if http_pods else []
    return [
        "funchost", "scale", "run", "--target", "kubernetes",
        "--deployment", target, "--namespace", options.namespace,
        "--metadata", METADATA_PATH,
        "--min-replicas", str(min_replicas), "--max-replicas", str(options.max_replicas),
        "--polling-interval", str(options.polling_interval), "--cooldown-period", str(options.cooldown_period),
        "--status-file", STATUS_FILE, *http,
    ]  # fmt: skip


def scaler_deployment(
    options: DeployOptions,
    target: str,
    min_replicas: int,
    settings: Sequence[str],
    *,
    name: str | None = None,
    http_pods: str | None = None,
) -> dict[str, Any]:
    """One controller pod (Recreate: never two controllers scaling the same Deployment during a rollout), with
    the app `settings` it reads to reach the brokers and a service account allowed to scale `target` only.
    With `http_pods` it scales the HTTP Deployment and reads the master key (for the pods' /metrics) instead."""
    name = name or scaler_name(options)
    env = [
        {"name": setting, "valueFrom": {"secretKeyRef": {"name": options.settings_secret, "key": setting}}}
        for setting in settings
    ]
    if http_pods:
        env.append(
            {"name": MASTER_KEY_ENV, "valueFrom": {"secretKeyRef": {"name": options.keys_secret, "key": MASTER_KEY}}}
        )
    container: dict[str, Any] = {
        "name": "scaler",
        "image": options.image,
        "args": scaler_command(
            options, target, min_replicas, http_pods
        ),  # args: the image's init (PID 1) stays the entrypoint
        "env": env,
        "livenessProbe": {  # `scale status` exits 1 when the status document is stale: the loop is stuck
            "exec": {"command": ["funchost", "scale", "status", "--status-file", STATUS_FILE]},
            "initialDelaySeconds": options.polling_interval + 60,
            "periodSeconds": 60,
            "failureThreshold": 3,
        },
        "resources": SCALER_RESOURCES,
        "volumeMounts": [TMP_MOUNT],
        "securityContext": container_security_context(),
    }
    template = pod_template(
        options, name, labels(options, "scaler", name), container, volumes=[TMP_VOLUME], service_account=name
    )
    spec = {
        "replicas": 1,
        "strategy": {"type": "Recreate"},
        "selector": {"matchLabels": match_labels(options, name)},
        "template": template,
    }
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata(options, name, "scaler"), "spec": spec}


def warmup_function_listed(functions: Sequence[str]) -> bool:
    return any(name.casefold() == WARMUP_FUNCTION for name in functions)
