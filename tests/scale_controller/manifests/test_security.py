"""What OpenShift's restricted-v2 SCC (and the Kubernetes `restricted` Pod Security Standard) demand of every
generated pod, and that settings' values appear only in the settings Secret. Checked on the golden manifests of
every sample (test_samples_golden.py keeps them current)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from funchost.metadata.app_settings import load_local_settings
from tests.scale_controller.manifests.test_samples_golden import SAMPLES, VARIANTS, golden
from tests.scale_controller.manifests.validation import validate
from tests.services_support import ROOT

CASES = [(sample, variant) for sample in SAMPLES for variant in VARIANTS]


def pod_specs(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o["spec"]["template"]["spec"] for o in objects if o["kind"] == "Deployment"]


@pytest.mark.parametrize(("sample", "variant"), CASES)
def test_pods_pass_restricted_v2(sample: str, variant: str) -> None:
    specs = pod_specs(golden(sample, variant))
    assert specs
    for spec in specs:
        assert spec["securityContext"] == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"] == {"drop": ["ALL"]}
            assert "runAsUser" not in context and "runAsUser" not in spec["securityContext"]  # OpenShift assigns it
            assert all(port["containerPort"] >= 1024 for port in container.get("ports", []))
        assert not any("hostPath" in volume for volume in spec.get("volumes", []))


@pytest.mark.parametrize(("sample", "variant"), CASES)
def test_every_container_has_a_read_only_root_with_an_empty_dir_at_tmp_and_resources(sample: str, variant: str) -> None:
    for spec in pod_specs(golden(sample, variant)):
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        assert volumes["tmp"] == {"name": "tmp", "emptyDir": {}}
        for container in spec["containers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            writable = [m for m in container["volumeMounts"] if not m.get("readOnly")]
            assert writable == [{"name": "tmp", "mountPath": "/tmp"}]  # the only writable path
            assert set(container["resources"]["requests"]) == {"cpu", "memory"}
            assert set(container["resources"]["limits"]) == {"memory"}  # no CPU limit by default


@pytest.mark.parametrize(("sample", "variant"), CASES)
def test_function_pods_read_their_keys_from_the_keys_secret(sample: str, variant: str) -> None:
    """A read-only root cannot hold generated keys, and every replica must accept the same keys."""
    objects = golden(sample, variant)
    (keys,) = [o for o in objects if o["kind"] == "Secret" and o["metadata"]["name"].startswith("func-keys-")]
    assert {"host.master", "host.function.default"} <= set(keys["data"])
    for deployment in [
        o for o in objects if o["kind"] == "Deployment" and not o["metadata"]["name"].endswith("-scaler")
    ]:
        spec = deployment["spec"]["template"]["spec"]
        (container,) = spec["containers"]
        assert {"name": "AzureWebJobsSecretStorageType", "value": "kubernetes"} in container["env"]
        assert {"name": "function-keys", "mountPath": "/run/secrets/functions-keys", "readOnly": True} in container[
            "volumeMounts"
        ]
        assert {"name": "function-keys", "secret": {"secretName": keys["metadata"]["name"], "optional": False}} in spec[
            "volumes"
        ]


SCALER_SETTINGS = {  # the triggers' connection and %expression% settings; not outputs' (ClickCountsTopic...)
    "blob-uploads": ["AzureWebJobsStorage", "UPLOADS_CONTAINER"],
    "blob-transform": ["AzureWebJobsStorage", "UPLOADS_CONTAINER"],
    "kafka-clicks": ["ClicksConsumerGroup", "ClicksTopic", "KafkaBrokerList"],
    "queue-pipeline": ["AzureWebJobsStorage", "ORDERS_QUEUE"],
    "rabbitmq-orders": ["OrdersQueue", "RabbitMQConnection"],
    "scale-demo": ["AzureWebJobsStorage", "WORK_QUEUE"],
    "servicebus-orders": ["OrdersQueue", "ServiceBusConnection"],
    "servicebus-settlement": ["OrdersQueue", "ServiceBusConnection"],
}


@pytest.mark.parametrize("sample", SAMPLES)
def test_the_scaler_gets_only_the_settings_its_triggers_read(sample: str) -> None:
    objects = golden(sample, "openshift-builtin")
    scalers = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == f"{sample}-scaler"]
    assert len(scalers) == (1 if sample in SCALER_SETTINGS else 0)
    for scaler in scalers:
        (container,) = scaler["spec"]["template"]["spec"]["containers"]
        assert "envFrom" not in container
        expected = [
            {"name": name, "valueFrom": {"secretKeyRef": {"name": sample, "key": name}}}
            for name in SCALER_SETTINGS[sample]
        ]
        assert container["env"] == expected


@pytest.mark.parametrize("sample", SAMPLES)
def test_the_http_scaler_gets_only_the_master_key(sample: str) -> None:
    """It reads the HTTP pods' /metrics, which behind the pod's own loopback needs the master key, and no setting."""
    objects = golden(sample, "openshift-builtin")
    scalers = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == f"{sample}-http-scaler"]
    has_http = any(o["kind"] == "Deployment" and o["metadata"]["name"] == f"{sample}-http" for o in objects)
    assert len(scalers) == (1 if has_http else 0)
    for scaler in scalers:
        (container,) = scaler["spec"]["template"]["spec"]["containers"]
        keys = f"func-keys-kube-secret-{sample}"
        assert container["env"] == [
            {"name": "FUNCHOST_MASTER_KEY", "valueFrom": {"secretKeyRef": {"name": keys, "key": "host.master"}}}
        ]
        assert container["args"][-2:] == [
            "--http-pods",
            f"app.kubernetes.io/name={sample}-http,app.kubernetes.io/instance={sample}",
        ]
        assert container["args"][container["args"].index("--min-replicas") + 1] == "1"


@pytest.mark.parametrize(("sample", "variant"), CASES)
def test_setting_values_appear_only_in_the_settings_secret(sample: str, variant: str) -> None:
    values = load_local_settings(ROOT / "samples" / sample).values
    secret_values = {v for v in values.values() if len(v) > 8 and ("://" in v or "=" in v or ":" in v)}
    for obj in golden(sample, variant):
        if obj["kind"] == "Secret" and obj["metadata"]["name"] == sample:
            assert {base64.b64decode(v).decode() for v in obj["data"].values()} >= set(values.values())
            continue
        text = json.dumps(obj)
        assert not [v for v in secret_values if v in text], f"{obj['kind']} {obj['metadata']['name']} leaks a value"


def test_openshift_exposes_http_through_an_edge_route_and_a_cluster_ip_service() -> None:
    objects = {o["kind"]: o for o in golden("http-hello", "openshift-builtin")}
    assert objects["Service"]["spec"]["type"] == "ClusterIP"
    assert objects["Route"]["spec"]["tls"]["termination"] == "edge"
    assert objects["Route"]["spec"]["to"]["name"] == objects["Service"]["metadata"]["name"]


def test_validation_rejects_what_the_api_server_would() -> None:
    deployment = golden("scale-demo", "kubernetes-keda")[-2]
    assert deployment["kind"] == "Deployment"
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolice"] = "Always"  # misspelt
    with pytest.raises(Exception, match="imagePullPolice"):
        validate(deployment)
    scaled = golden("scale-demo", "kubernetes-keda")[-1]
    scaled["spec"]["pollingInterval"] = "30"  # a string where the CRD wants an integer
    with pytest.raises(Exception, match="is not of type 'integer'"):
        validate(scaled)
