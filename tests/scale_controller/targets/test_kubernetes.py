"""KubernetesTarget against kmock's KubernetesEmulator: a local fake Kubernetes API server that the official client
talks to over HTTP (no Kubernetes API server can be installed here; the client is never monkeypatched).

The emulator stores the Deployment and merges a PATCH of `…/deployments/NAME/scale` into it, but it does not model
the subresource's protocol, so the reactions below add the smallest stand-in for it: GET and PATCH answer with an
autoscaling/v1 Scale, a PATCH is applied only if its metadata.resourceVersion is still current (else 409, state
restored), and each applied write bumps resourceVersion, as the real API server does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from kmock import KubernetesEmulator, KubernetesError, Request, method, resource, subresource

from scale_controller import kube
from scale_controller.targets.base import TargetError
from scale_controller.targets.kubernetes import KubernetesTarget
from tests.support.hostproc import free_port

NS, NAME = "apps-ns", "orders"
DEPLOYMENTS = resource("apps/v1/deployments")
KEY = (DEPLOYMENTS, NS, NAME)
CONFLICT = "the object has been modified; please apply your changes to the latest version and try again"


def scale_of(obj: Any) -> dict[str, Any]:
    meta = obj["metadata"]
    return {
        "apiVersion": "autoscaling/v1",
        "kind": "Scale",
        "metadata": {"name": meta["name"], "namespace": meta["namespace"], "resourceVersion": meta["resourceVersion"]},
        "spec": {"replicas": obj["spec"]["replicas"]},
        "status": {"replicas": obj["status"]["replicas"], "selector": "app=orders"},
    }


def serve_scale(emulator: KubernetesEmulator, request: Request) -> dict[str, Any]:
    key = (DEPLOYMENTS, request.namespace, request.name)
    if key not in emulator.objects or emulator.objects[key].deleted:
        raise KubernetesError(404, "NotFound", f'deployments.apps "{request.name}" not found')
    obj = emulator.objects[key]
    if request.method == method.PATCH:  # the emulator has merged the patch already: check, then commit or undo
        before = obj.history[-2]
        sent = (request.data.get("metadata") or {}).get("resourceVersion")
        if sent is not None and sent != before["metadata"]["resourceVersion"]:
            restore(obj, before)
            raise KubernetesError(
                409, "Conflict", f'Operation cannot be fulfilled on deployments.apps "{NAME}": {CONFLICT}'
            )
        obj.patch({"metadata": {"resourceVersion": str(int(before["metadata"]["resourceVersion"]) + 1)}})
    return scale_of(obj)


def restore(obj: Any, before: Any) -> None:
    obj.patch(
        {
            "spec": {"replicas": before["spec"]["replicas"]},
            "metadata": {"resourceVersion": before["metadata"]["resourceVersion"]},
        }
    )


@pytest.fixture
async def target(kmock: KubernetesEmulator) -> AsyncIterator[KubernetesTarget]:
    kmock.objects[KEY] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": NAME, "namespace": NS, "resourceVersion": "1"},
        "spec": {"replicas": 0, "selector": {"matchLabels": {"app": NAME}}},
        "status": {"replicas": 0},
    }
    kmock[DEPLOYMENTS, subresource("scale")] << (lambda request: serve_scale(kmock, request))
    api = kube.api_client(host=str(kmock.url).rstrip("/"))
    k8s_target = KubernetesTarget(NS, NAME, api)
    yield k8s_target
    await k8s_target.aclose()
    api.close()


def scale_requests(emulator: KubernetesEmulator, method: str) -> list[Request]:
    return list(emulator[method, DEPLOYMENTS, subresource("scale")])


async def test_reads_and_patches_land_on_the_deployment(kmock: KubernetesEmulator, target: KubernetesTarget) -> None:
    assert await target.current() == 0
    await target.scale_to(3)
    assert kmock.objects[KEY]["spec"]["replicas"] == 3
    assert await target.current() == 3
    (patch,) = scale_requests(kmock, "patch")
    assert patch.headers["Content-Type"] == "application/merge-patch+json"
    assert patch.data == {"spec": {"replicas": 3}, "metadata": {"resourceVersion": "1"}}  # written as read
    await target.scale_to(3)  # already there: read, no write
    assert len(scale_requests(kmock, "patch")) == 1
    await target.scale_to(0)
    assert kmock.objects[KEY]["spec"]["replicas"] == 0
    assert [p.data["spec"]["replicas"] for p in scale_requests(kmock, "patch")] == [3, 0]


async def test_a_conflict_is_read_again_and_retried(kmock: KubernetesEmulator, target: KubernetesTarget) -> None:
    fired = False

    def read_then_someone_scales(request: Request) -> Any:
        """Answer the first read, then act as `kubectl scale --replicas=5` landing before our write."""
        nonlocal fired
        if fired:
            return NotImplemented  # from now on the ordinary stand-in answers
        fired = True
        answer = scale_of(kmock.objects[KEY])
        kmock.objects[KEY].patch({"spec": {"replicas": 5}, "metadata": {"resourceVersion": "2"}})
        return answer

    kmock["get", DEPLOYMENTS, subresource("scale")] ** 1 << read_then_someone_scales
    await target.scale_to(2)
    assert kmock.objects[KEY]["spec"]["replicas"] == 2
    assert [p.data["metadata"]["resourceVersion"] for p in scale_requests(kmock, "patch")] == ["1", "2"]
    assert len(scale_requests(kmock, "get")) == 2  # read, 409, read again, write
    assert kmock.objects[KEY]["metadata"]["resourceVersion"] == "3"


async def test_a_missing_deployment_names_it_and_the_fix(kmock: KubernetesEmulator) -> None:
    kmock[DEPLOYMENTS, subresource("scale")] << (lambda request: serve_scale(kmock, request))
    api = kube.api_client(host=str(kmock.url).rstrip("/"))
    try:
        with pytest.raises(TargetError) as caught:
            await KubernetesTarget(NS, "nope", api).scale_to(1)
    finally:
        api.close()
    message = str(caught.value)
    assert "Deployment 'nope' in namespace 'apps-ns' does not exist" in message
    assert 'deployments.apps "nope" not found' in message and "Fix: deploy the app first" in message


@pytest.mark.parametrize("verb", ["get", "patch"])
async def test_rbac_forbidden_names_the_verb_and_the_role_rule(
    kmock: KubernetesEmulator, target: KubernetesTarget, verb: str
) -> None:
    said = (
        f'deployments.apps "{NAME}" is forbidden: User "system:serviceaccount:{NS}:funchost-scaler" cannot {verb} '
        f'resource "deployments/scale" in API group "apps" in the namespace "{NS}"'
    )

    def forbid(request: Request) -> Any:
        if request.method == method.PATCH:
            restore(kmock.objects[KEY], kmock.objects[KEY].history[-2])
        raise KubernetesError(403, "Forbidden", said)

    kmock[verb, DEPLOYMENTS, subresource("scale")] ** 1 << forbid
    with pytest.raises(TargetError) as caught:
        await target.scale_to(4)
    message = str(caught.value)
    assert f"not allowed to {verb} deployments/scale of Deployment 'orders' in namespace 'apps-ns'" in message
    assert said in message
    assert (
        'Role in namespace \'apps-ns\' with the rule {apiGroups: ["apps"], resources: ["deployments/scale"], '
        in message
    )
    assert 'verbs: ["get", "patch"]}' in message
    assert kmock.objects[KEY]["spec"]["replicas"] == 0


async def test_an_unreachable_api_server_is_a_target_error() -> None:
    api = kube.api_client(host=f"http://127.0.0.1:{free_port()}")  # nothing listens there
    try:
        with pytest.raises(TargetError, match=r"cannot reach the Kubernetes API at http://127\.0\.0\.1:\d+"):
            await KubernetesTarget(NS, NAME, api).current()
    finally:
        api.close()
