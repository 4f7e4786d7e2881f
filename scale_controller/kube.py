"""The only module that imports the official `kubernetes` client (import-linter keeps it so).

Owns building an API client (kubeconfig, in-cluster, or an explicit URL), the two calls on a Deployment's
`/scale` subresource and listing a Deployment's pods (address, port, readiness: what the HTTP pods scaler
polls), with the client's exceptions turned into `KubeError` (status, reason, the API's message).
The client is synchronous: callers run these functions in a thread.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import urllib3
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from funchost.errors import FunchostError

ApiClient = k8s.ApiClient


class KubeError(FunchostError):
    """The API answered with an error status (`status` 0: it could not be reached)."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class DeploymentScale:
    replicas: int  # spec.replicas: what the Deployment is asked to run
    ready: int  # status.replicas: pods that exist now
    resource_version: str | None


@dataclass(frozen=True)
class PodEndpoint:
    name: str
    ip: str | None  # status.podIP (None until scheduled)
    port: int | None  # the containerPort named as asked (None: no such port)
    ready: bool  # condition Ready is True and the pod is not being deleted


def api_client(*, host: str | None = None, kubeconfig: str | None = None, context: str | None = None) -> ApiClient:
    """A client for `host` (no credentials: tests, `kubectl proxy`), else in-cluster service-account settings when
    running in a pod, else the kubeconfig (KUBECONFIG or ~/.kube/config, `context` or its current one)."""
    configuration = k8s.Configuration()
    if host is not None:
        configuration.host = host
        return ApiClient(configuration)
    try:
        if kubeconfig is None and context is None:
            try:
                k8s_config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
                return ApiClient(configuration)
            except ConfigException:
                pass  # not in a pod
        k8s_config.load_kube_config(config_file=kubeconfig, context=context, client_configuration=configuration)  # type: ignore[no-untyped-call]
    except (ConfigException, OSError) as exc:
        raise KubeError(0, "NoConfiguration", f"cannot load the Kubernetes configuration: {exc}") from exc
    return ApiClient(configuration)


def api_host(api: ApiClient) -> str:
    return str(api.configuration.host)


def read_deployment_scale(api: ApiClient, namespace: str, name: str) -> DeploymentScale:
    """GET /apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale."""
    try:
        scale = k8s.AppsV1Api(api).read_namespaced_deployment_scale(name, namespace)
    except ApiException as exc:
        raise _error(exc) from exc
    except urllib3.exceptions.HTTPError as exc:
        raise KubeError(0, "Unreachable", f"cannot reach the Kubernetes API at {api_host(api)}: {exc}") from exc
    return _scale(scale)


def patch_deployment_scale(
    api: ApiClient, namespace: str, name: str, replicas: int, resource_version: str | None
) -> DeploymentScale:
    """PATCH …/deployments/{name}/scale with a JSON merge patch of spec.replicas. With `resource_version`, the
    API server applies it only if the Scale is still at that version, else 409 Conflict (optimistic locking)."""
    body: dict[str, object] = {"spec": {"replicas": replicas}}
    if resource_version is not None:
        body["metadata"] = {"resourceVersion": resource_version}
    try:
        scale = k8s.AppsV1Api(api).patch_namespaced_deployment_scale(
            name, namespace, body, _content_type="application/merge-patch+json"
        )
    except ApiException as exc:
        raise _error(exc) from exc
    except urllib3.exceptions.HTTPError as exc:
        raise KubeError(0, "Unreachable", f"cannot reach the Kubernetes API at {api_host(api)}: {exc}") from exc
    return _scale(scale)


def list_pod_endpoints(api: ApiClient, namespace: str, selector: str, port_name: str) -> list[PodEndpoint]:
    """GET /api/v1/namespaces/{namespace}/pods?labelSelector={selector}, each with its port named `port_name`."""
    try:
        pods = k8s.CoreV1Api(api).list_namespaced_pod(namespace, label_selector=selector)
    except ApiException as exc:
        raise _error(exc) from exc
    except urllib3.exceptions.HTTPError as exc:
        raise KubeError(0, "Unreachable", f"cannot reach the Kubernetes API at {api_host(api)}: {exc}") from exc
    return [_endpoint(pod, port_name) for pod in pods.items or []]


def _endpoint(pod: k8s.V1Pod, port_name: str) -> PodEndpoint:
    meta, spec, status = pod.metadata, pod.spec, pod.status
    ports = [p for c in (spec.containers if spec else None) or [] for p in c.ports or [] if p.name == port_name]
    conditions = (status.conditions if status else None) or []
    ready = any(c.type == "Ready" and c.status == "True" for c in conditions)
    return PodEndpoint(
        name=str(meta.name if meta else ""),
        ip=status.pod_ip if status else None,
        port=int(ports[0].container_port) if ports else None,
        ready=ready and not (meta and meta.deletion_timestamp),
    )


def _scale(scale: k8s.V1Scale) -> DeploymentScale:
    spec, status, meta = scale.spec, scale.status, scale.metadata
    return DeploymentScale(
        replicas=int(spec.replicas or 0) if spec is not None else 0,
        ready=int(status.replicas or 0) if status is not None else 0,
        resource_version=meta.resource_version if meta is not None else None,
    )


def _error(exc: ApiException) -> KubeError:
    """The Status object's reason and message when the body is one, else the HTTP reason."""
    reason, message = str(exc.reason or ""), str(exc.body or "")
    try:
        status = json.loads(exc.body or "")
        if isinstance(status, dict):
            reason = str(status.get("reason") or reason)
            message = str(status.get("message") or message)
    except ValueError:
        pass
    return KubeError(int(exc.status or 0), reason, message)
