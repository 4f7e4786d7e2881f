"""Apply and delete generated manifests through the official client (one of the `kube*` modules allowed to
import `kubernetes`).

Apply is server-side apply (PATCH `application/apply-patch+yaml`, field manager `funchost`, force): it creates
what is missing, updates what changed, removes fields funchost set before and no longer sets, and re-applying
the same objects changes nothing. Core objects go through the typed APIs, KEDA's (and its HTTP add-on's) and
OpenShift's custom resources through `CustomObjectsApi`. A Secret annotated `funchost.io/preserve-data: "true"`
keeps the live values of keys it already has (the generated function keys survive a redeploy). Delete lists every kind a
deploy creates by label selector and deletes what it finds. API errors become `DeployError`s that name the
object, the verb, what the API server said and the fix.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import urllib3
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from funchost.errors import FunchostError
from scale_controller.kube import ApiClient

FIELD_MANAGER = "funchost"
PRESERVE_DATA = "funchost.io/preserve-data"
APPLY = "application/apply-patch+yaml"


class DeployError(FunchostError):
    """The cluster refused or could not be reached; the message names the object and the fix."""


@dataclass(frozen=True)
class Kind:
    api_version: str
    kind: str
    plural: str
    typed: tuple[type[Any], str] | None  # (typed API class, method suffix); None: a custom resource

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    @property
    def version(self) -> str:
        return self.api_version.rpartition("/")[2]


# Every kind a deploy creates, in apply order (delete goes in reverse: ScaledObjects first, so KEDA lets go).
KINDS: tuple[Kind, ...] = (
    Kind("v1", "Secret", "secrets", (k8s.CoreV1Api, "secret")),
    Kind("v1", "ServiceAccount", "serviceaccounts", (k8s.CoreV1Api, "service_account")),
    Kind("rbac.authorization.k8s.io/v1", "Role", "roles", (k8s.RbacAuthorizationV1Api, "role")),
    Kind("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings", (k8s.RbacAuthorizationV1Api, "role_binding")),
    Kind("keda.sh/v1alpha1", "TriggerAuthentication", "triggerauthentications", None),
    Kind("apps/v1", "Deployment", "deployments", (k8s.AppsV1Api, "deployment")),
    Kind("v1", "Service", "services", (k8s.CoreV1Api, "service")),
    Kind("route.openshift.io/v1", "Route", "routes", None),
    Kind("http.keda.sh/v1alpha1", "HTTPScaledObject", "httpscaledobjects", None),
    Kind("keda.sh/v1alpha1", "ScaledObject", "scaledobjects", None),
)
_BY_KIND = {(k.api_version, k.kind): k for k in KINDS}
MISSING_API = {
    "keda.sh": "KEDA is not installed in the cluster. Fix: install KEDA (helm install keda kedacore/keda "
    "--namespace keda --create-namespace), or deploy with --scaler builtin",
    "http.keda.sh": "KEDA's HTTP add-on is not installed in the cluster. Fix: install it (helm install http-add-on "
    "kedacore/keda-add-ons-http --namespace keda), or deploy with --scaler builtin",
    "route.openshift.io": "this is not an OpenShift cluster. Fix: deploy with --platform kubernetes",
}


def close(api: ApiClient) -> None:
    api.close()  # type: ignore[no-untyped-call]


def current_namespace(kubeconfig: str | None = None, context: str | None = None) -> str | None:
    """The namespace of the kubeconfig's (current) context, None when there is none or no kubeconfig."""
    try:
        contexts, active = k8s_config.list_kube_config_contexts(config_file=kubeconfig)  # type: ignore[no-untyped-call]
    except (ConfigException, OSError):
        return None
    chosen = next((c for c in contexts if c.get("name") == context), None) if context else active
    namespace = ((chosen or {}).get("context") or {}).get("namespace")
    return str(namespace) if namespace else None


def apply(api: ApiClient, objects: Iterable[dict[str, Any]]) -> list[str]:
    """Server-side apply each object in order (creating its namespace first if needed); returns `Kind/name`s."""
    applied: list[str] = []
    namespaces: set[str] = set()
    for obj in objects:
        kind, meta = _kind(obj), obj["metadata"]
        if meta["namespace"] not in namespaces:
            ensure_namespace(api, meta["namespace"])
            namespaces.add(meta["namespace"])
        body = _preserving(api, kind, obj) if obj.get("metadata", {}).get("annotations", {}).get(PRESERVE_DATA) else obj
        _call(api, kind, "patch", meta["namespace"], meta["name"], body=body)
        applied.append(f"{kind.kind}/{meta['name']}")
    return applied


def delete(api: ApiClient, namespace: str, selector: str) -> list[str]:
    """Delete every object of the deploy's kinds matching `selector`; kinds the cluster lacks are skipped."""
    deleted: list[str] = []
    for kind in reversed(KINDS):
        found = _call(api, kind, "list", namespace, None, label_selector=selector, missing_ok=True)
        for item in (found or {}).get("items", []):
            name = item["metadata"]["name"]
            _call(api, kind, "delete", namespace, name, propagation_policy="Background", missing_ok=True)
            deleted.append(f"{kind.kind}/{name}")
    return deleted


def ensure_namespace(api: ApiClient, namespace: str) -> None:
    """Create the namespace when it does not exist (never labelled as ours: delete leaves it)."""
    core = k8s.CoreV1Api(api)
    try:
        core.read_namespace(namespace, _preload_content=False)
        return
    except ApiException as exc:
        if exc.status == 403:
            return  # may not read namespaces: the applies below say what is wrong, if anything
        if exc.status != 404:
            raise _error(exc, "get", f"Namespace {namespace}", namespace) from exc
    except urllib3.exceptions.HTTPError as exc:
        raise _unreachable(api, exc) from exc
    try:
        namespace_object = k8s.V1Namespace(
            api_version="v1", kind="Namespace", metadata=k8s.V1ObjectMeta(name=namespace)
        )
        core.create_namespace(namespace_object, _preload_content=False)
    except ApiException as exc:
        if exc.status != 409:  # created meanwhile
            raise _error(exc, "create", f"Namespace {namespace}", namespace) from exc


def _preserving(api: ApiClient, kind: Kind, obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj["metadata"]
    live = _call(api, kind, "read", meta["namespace"], meta["name"], missing_ok=True)
    if not live:
        return obj
    return obj | {"data": dict(obj.get("data") or {}) | dict(live.get("data") or {})}


def _kind(obj: dict[str, Any]) -> Kind:
    try:
        return _BY_KIND[(obj["apiVersion"], obj["kind"])]
    except KeyError:
        what = f"{obj.get('apiVersion')} {obj.get('kind')}"
        raise DeployError(f"cannot apply {what}: not a kind funchost deploys") from None


def _call(
    api: ApiClient, kind: Kind, verb: str, namespace: str, name: str | None, *, missing_ok: bool = False, **extra: Any
) -> dict[str, Any] | None:
    """One typed or custom-objects call; the JSON answer as a dict (None: 404 with `missing_ok`)."""
    args: Sequence[Any]
    if verb == "patch":
        extra |= {"field_manager": FIELD_MANAGER, "force": True, "_content_type": APPLY}
    if kind.typed is None:
        method = getattr(k8s.CustomObjectsApi(api), f"{verb}_namespaced_custom_object")
        args = (kind.group, kind.version, namespace, kind.plural, *([name] if name else []))
    else:
        cls, suffix = kind.typed
        method = getattr(cls(api), f"{verb}_namespaced_{suffix}")
        args = (*([name] if name else []), namespace)
    if verb == "patch":
        args = (*args, extra.pop("body"))
    try:
        response = method(*args, _preload_content=False, **extra)
    except ApiException as exc:
        if exc.status == 404 and missing_ok:
            return None
        raise _error(exc, verb, f"{kind.kind} {name}" if name else kind.plural, namespace, kind) from exc
    except urllib3.exceptions.HTTPError as exc:
        raise _unreachable(api, exc) from exc
    data = json.loads(response.data or b"{}")
    return data if isinstance(data, dict) else None


def _error(exc: ApiException, verb: str, what: str, namespace: str, kind: Kind | None = None) -> DeployError:
    status, reason, message = int(exc.status or 0), str(exc.reason or ""), str(exc.body or "")
    try:
        body = json.loads(exc.body or "")
        reason, message = str(body.get("reason") or reason), str(body.get("message") or message)
    except (ValueError, AttributeError):
        pass
    said = f"the API server said: {status} {reason}: {message}"
    where = f"{verb} {what} in namespace {namespace!r}"
    if status == 403:
        resource = f"{kind.plural} (apiGroup {kind.group or 'core'!r})" if kind else "namespaces"
        return DeployError(
            f"not allowed to {where} ({said}). Fix: use a kubeconfig context allowed to {verb} {resource} there, "
            "or ask a cluster admin for a Role that grants it"
        )
    if status == 401:
        return DeployError(f"the cluster rejected our credentials ({where}; {said}). Fix: log in again")
    if status == 404 and message.startswith("namespaces "):
        return DeployError(f"namespace {namespace!r} does not exist ({said}). Fix: create it or pass --namespace")
    if status == 404 and kind is not None and kind.group in MISSING_API:
        return DeployError(f"cannot {where}: {MISSING_API[kind.group]} ({said})")
    if status == 409:
        return DeployError(f"conflict on {where} ({said}). Fix: run the command again; if it persists, another "
                           "controller keeps changing the object")  # fmt: skip
    if status == 422:
        return DeployError(f"the API server rejected {what} as invalid ({said}). Fix: correct the deploy options")
    return DeployError(f"{where} failed ({said})")


def _unreachable(api: ApiClient, exc: Exception) -> DeployError:
    return DeployError(
        f"cannot reach the Kubernetes API at {api.configuration.host}: {exc}. Fix: check the kubeconfig context "
        "(kubectl cluster-info) or --server"
    )
