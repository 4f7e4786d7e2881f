"""A Kubernetes Deployment, scaled through its `/scale` subresource as KEDA's executor does.

Owns reading and setting `spec.replicas` of one Deployment, retrying on write conflicts, and turning the API's
errors into `TargetError`s that name the Deployment, the verb and the fix (missing Deployment, RBAC).
KEDA reads the target's Scale and writes it back with the resourceVersion it read
(kedacore/keda pkg/scaling/executor/scale_scaledobjects.go, getScaleTargetScale / updateScaleOnScaleTarget):
we do the same with a merge patch carrying that resourceVersion, so a concurrent change (an HPA, `kubectl
scale`) makes the write fail with 409 instead of being overwritten; we then re-read and decide again.
"""

from __future__ import annotations

import asyncio
import logging

from scale_controller import kube
from scale_controller.targets.base import TargetError

logger = logging.getLogger("scale_controller.targets.kubernetes")

MAX_CONFLICT_RETRIES = 5
RBAC_RULE = 'apiGroups: ["apps"], resources: ["deployments/scale"], verbs: ["get", "patch"]'


class KubernetesTarget:
    """`current()` is the Deployment's spec.replicas; `scale_to(n)` sets it. The API client is synchronous, so
    every call runs in a thread; `aclose()` closes the client only if this target created it."""

    def __init__(self, namespace: str, name: str, api_client: kube.ApiClient, *, owns_client: bool = False) -> None:
        self.namespace = namespace
        self.deployment = name
        self.api = api_client
        self.owns_client = owns_client
        self.name = f"deployment/{namespace}/{name}"

    @classmethod
    def from_config(
        cls, namespace: str, name: str, *, kubeconfig: str | None = None, context: str | None = None
    ) -> KubernetesTarget:
        """With the in-cluster service account when running in a pod, else the kubeconfig."""
        try:
            api = kube.api_client(kubeconfig=kubeconfig, context=context)
        except kube.KubeError as exc:
            raise TargetError(
                f"{exc.message}. Fix: run inside the cluster with a service account, or point KUBECONFIG "
                "(or --kubeconfig/--context) at a kubeconfig for the cluster"
            ) from exc
        return cls(namespace, name, api, owns_client=True)

    async def current(self) -> int:
        return (await self._read()).replicas

    async def scale_to(self, replicas: int) -> None:
        if replicas < 0:
            raise ValueError(f"replicas must be 0 or more, got {replicas}")
        for _ in range(MAX_CONFLICT_RETRIES):
            scale = await self._read()
            if scale.replicas == replicas:
                return
            try:
                await asyncio.to_thread(
                    kube.patch_deployment_scale, self.api, self.namespace, self.deployment, replicas,
                    scale.resource_version,
                )  # fmt: skip
            except kube.KubeError as exc:
                if exc.status == 409:
                    logger.info("%s: changed by someone else since we read it (%s); reading again", self.name, exc)
                    continue
                raise self._target_error("patch", exc) from exc
            logger.info("%s: replicas %d -> %d", self.name, scale.replicas, replicas)
            return
        raise TargetError(
            f"{self.name}: scaling to {replicas} conflicted {MAX_CONFLICT_RETRIES} times in a row (409: another "
            "writer keeps changing the Deployment's scale). Fix: make sure only one controller scales it (remove "
            "a KEDA ScaledObject or HPA that targets it, or stop the other funchost scale controller)"
        )

    async def aclose(self) -> None:
        if self.owns_client:
            await asyncio.to_thread(self.api.close)

    async def _read(self) -> kube.DeploymentScale:
        try:
            return await asyncio.to_thread(kube.read_deployment_scale, self.api, self.namespace, self.deployment)
        except kube.KubeError as exc:
            raise self._target_error("get", exc) from exc

    def _target_error(self, verb: str, exc: kube.KubeError) -> TargetError:
        where = f"Deployment {self.deployment!r} in namespace {self.namespace!r}"
        said = f"the API server said: {exc.status} {exc.reason}: {exc.message}"
        if exc.status == 404:
            return TargetError(
                f"{where} does not exist ({verb} deployments/scale; {said}). Fix: deploy the app first (kubectl "
                "apply the generated manifests) or give the namespace and name of the existing Deployment"
            )
        if exc.status == 403:
            return TargetError(
                f"not allowed to {verb} deployments/scale of {where} ({said}). Fix: give the scale controller's "
                f"service account a Role in namespace {self.namespace!r} with the rule {{{RBAC_RULE}}} and a "
                "RoleBinding to it"
            )
        if exc.status == 401:
            return TargetError(
                f"the Kubernetes API at {kube.api_host(self.api)} rejected our credentials ({verb} deployments/scale "
                f"of {where}; {said}). Fix: refresh the kubeconfig's token or the service account's token"
            )
        if exc.status == 0:
            return TargetError(f"{exc.message} ({verb} deployments/scale of {where}). Fix: check the API address")
        return TargetError(f"{verb} deployments/scale of {where} failed: {said}")
