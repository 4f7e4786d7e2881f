"""The pod template shared by every generated Deployment: one container of the function image, unprivileged.

Security settings pass OpenShift's `restricted-v2` SCC and the Kubernetes `restricted` Pod Security Standard on
both platforms: runAsNonRoot with no fixed UID (OpenShift assigns one; the image runs as UID 10001 in group 0
elsewhere), all capabilities dropped, no privilege escalation, the RuntimeDefault seccomp profile, port 8080.
The root file system is read-only: an emptyDir at /tmp takes what the host writes (temp files; the image writes no
bytecode, and its FUNCHOST_STATE_DIR is under /tmp), and the keys come from the keys Secret, mounted read-only.
Probes use the host's own endpoints: `/healthz` (liveness, startup) and `/readyz` (readiness).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scale_controller.manifests.names import match_labels
from scale_controller.manifests.options import CONTAINER_PORT, DeployOptions

GRACE_SECONDS = 45  # `funchost start` drains for 30 s (--grace-period) after SIGTERM; a margin on top
TMP_DIR = "/tmp"  # the only writable path of a container (readOnlyRootFilesystem)
TMP_VOLUME = {"name": "tmp", "emptyDir": {}}
TMP_MOUNT = {"name": "tmp", "mountPath": TMP_DIR}


def pod_security_context() -> dict[str, Any]:
    return {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}


def container_security_context() -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
    }


def http_probe(path: str, period: int, failures: int) -> dict[str, Any]:
    return {"httpGet": {"path": path, "port": "http"}, "periodSeconds": period, "failureThreshold": failures}


def function_container(
    options: DeployOptions,
    env: Sequence[dict[str, Any]],
    volume_mounts: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The host container: the image's own command (`funchost start` on 8080), settings from the Secret, /tmp
    writable (add `TMP_VOLUME` to the pod's volumes)."""
    container: dict[str, Any] = {
        "name": "function",
        "image": options.image,
        "ports": [{"name": "http", "containerPort": CONTAINER_PORT, "protocol": "TCP"}],
        "env": list(env),
        "envFrom": [{"secretRef": {"name": options.settings_secret}}],
        "startupProbe": http_probe("/healthz", 2, 60),  # up to 2 min to import the app
        "readinessProbe": http_probe("/readyz", 10, 3),
        "livenessProbe": http_probe("/healthz", 30, 3),
        "securityContext": container_security_context(),
        "volumeMounts": [TMP_MOUNT, *volume_mounts],
    }
    if options.resources:
        container["resources"] = options.resources
    return container


def pod_template(
    options: DeployOptions,
    deployment: str,
    labels: dict[str, str],
    container: dict[str, Any],
    *,
    volumes: Sequence[dict[str, Any]] = (),
    service_account: str | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "automountServiceAccountToken": service_account is not None,  # only the controller talks to the API
        "securityContext": pod_security_context(),
        "terminationGracePeriodSeconds": GRACE_SECONDS,
        "containers": [container],
    }
    if service_account is not None:
        spec["serviceAccountName"] = service_account
    if volumes:
        spec["volumes"] = list(volumes)
    if options.pull_secret:
        spec["imagePullSecrets"] = [{"name": options.pull_secret}]
    return {"metadata": {"labels": labels | match_labels(options, deployment)}, "spec": spec}
