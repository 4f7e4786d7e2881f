"""Apply / re-apply / delete through the official client against a stand-in API server
(tests/support/kube_standin.py: kmock's emulator over real HTTP, plus server-side apply's create-if-missing and
label selectors). It is not a Kubernetes API server: schema validation is tested in tests/scale_controller/
manifests, and field ownership of server-side apply is not modelled."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest
from kmock import KubernetesEmulator, KubernetesError, resource

from scale_controller import kube, kube_apply
from scale_controller.manifests import selector
from tests.scale_controller.manifests.test_samples_golden import golden
from tests.support.kube_standin import APPLY, ApplyingEmulator, serve_namespace

pytestmark = pytest.mark.kmock(cls=ApplyingEmulator)
NS = "apps"
SECRETS = resource("v1/secrets")


def objects(sample: str = "queue-pipeline") -> list[dict[str, Any]]:
    return [o | {"metadata": o["metadata"] | {"namespace": NS}} for o in golden(sample, "kubernetes-keda")]


def stored(kmock: KubernetesEmulator) -> dict[tuple[str, str], Any]:
    return {(key[0].plural, key[2]): obj for key, obj in kmock.objects.items() if not obj.deleted}


async def call(function: Any, *args: Any) -> Any:
    return await asyncio.to_thread(function, *args)


@pytest.fixture
def api(kmock: KubernetesEmulator) -> Any:
    serve_namespace(kmock, NS)
    client = kube.api_client(host=str(kmock.url).rstrip("/"))
    yield client
    kube_apply.close(client)


async def test_apply_creates_everything_with_server_side_apply(kmock: KubernetesEmulator, api: Any) -> None:
    applied = await call(kube_apply.apply, api, objects())
    assert applied[0] == "Secret/queue-pipeline" and applied[-1] == "ScaledObject/queue-pipeline"
    found = stored(kmock)
    assert [r.url.path for r in list(kmock)][0] == f"/api/v1/namespaces/{NS}"  # checked first (created if missing)
    assert ("scaledobjects", "queue-pipeline") in found
    assert ("triggerauthentications", "queue-pipeline-azure-queue-azurewebjobsstorage") in found
    patches = [r for r in list(kmock) if r.method == "PATCH"]
    assert len(patches) == len(applied)
    assert all(APPLY in r.headers["Content-Type"] for r in patches)
    assert all(r.params["fieldManager"] == "funchost" and r.params["force"] == "true" for r in patches)
    assert found[("scaledobjects", "queue-pipeline")]["spec"]["triggers"][0]["type"] == "azure-queue"


async def test_reapply_is_idempotent_and_keeps_the_live_function_keys(kmock: KubernetesEmulator, api: Any) -> None:
    first = await call(kube_apply.apply, api, objects())
    keys_name = "func-keys-kube-secret-queue-pipeline"
    live = dict(stored(kmock)[("secrets", keys_name)]["data"])
    again = objects()
    secret = next(o for o in again if o["metadata"]["name"] == keys_name)
    secret["data"] = {name: base64.b64encode(b"rotated").decode() for name in secret["data"]}
    assert await call(kube_apply.apply, api, again) == first
    assert stored(kmock)[("secrets", keys_name)]["data"] == live  # a redeploy never rotates keys
    assert len(stored(kmock)) == len(first)  # nothing duplicated


async def test_delete_removes_only_what_the_deploy_created(kmock: KubernetesEmulator, api: Any) -> None:
    await call(kube_apply.apply, api, objects())
    other = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "other", "namespace": NS}, "data": {}}
    kmock.objects[SECRETS, NS, "other"] = other
    deleted = await call(kube_apply.delete, api, NS, selector("queue-pipeline"))
    assert deleted[0] == "ScaledObject/queue-pipeline"  # KEDA lets go of the Deployment first
    assert set(stored(kmock)) == {("secrets", "other")}
    deletes = [r for r in list(kmock) if r.method == "DELETE"]
    assert all(r.params.get("propagationPolicy") == "Background" for r in deletes)
    assert await call(kube_apply.delete, api, NS, selector("queue-pipeline")) == []


async def test_missing_keda_names_the_fix(kmock: KubernetesEmulator, api: Any) -> None:
    kmock["patch", resource("keda.sh/v1alpha1/triggerauthentications")] << KubernetesError(
        404, "NotFound", "the server could not find the requested resource"
    )
    with pytest.raises(kube_apply.DeployError) as caught:
        await call(kube_apply.apply, api, objects())
    assert "KEDA is not installed in the cluster" in str(caught.value)
    assert "--scaler builtin" in str(caught.value)


async def test_forbidden_names_the_verb_the_resource_and_the_namespace(kmock: KubernetesEmulator, api: Any) -> None:
    said = 'deployments.apps "queue-pipeline" is forbidden: User "dev" cannot patch resource "deployments"'
    kmock["patch", resource("apps/v1/deployments")] << KubernetesError(403, "Forbidden", said)
    with pytest.raises(kube_apply.DeployError) as caught:
        await call(kube_apply.apply, api, objects())
    message = str(caught.value)
    assert "not allowed to patch Deployment queue-pipeline-http in namespace 'apps'" in message
    assert said in message and "deployments (apiGroup 'apps')" in message
