"""The KEDA HTTP add-on's HTTPScaledObject for the HTTP Deployment (`--scaler keda`), validated against the
add-on's CRD (tests/data/keda-crds): routing, the concurrency target from host.json, replicas from zero, and a
mixed app whose event Deployment keeps its own ScaledObject. No cluster: objects are built and validated."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scale_controller.app_metadata import AppMetadata, from_document
from scale_controller.manifests import DeployOptions, ManifestError, build_manifests
from tests.scale_controller.manifests.validation import crd_schema, validate

STORAGE = "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=a2V5;EndpointSuffix=core.windows.net"
HTTP = {"type": "httpTrigger", "direction": "in", "name": "req", "route": "hello", "authLevel": "anonymous"}
QUEUE = {"type": "queueTrigger", "direction": "in", "name": "msg", "queueName": "work", "connection": "Storage"}
SCALE = {"target": 16, "activationThreshold": 0, "source": "concurrency", "options": {}}


def app(
    root: Path, host_json: dict[str, Any] | None = None, *, queue: bool = False, prefix: str = "api"
) -> AppMetadata:
    root.mkdir(exist_ok=True)
    if host_json is not None:
        (root / "host.json").write_text(json.dumps({"version": "2.0", **host_json}))
    functions: list[dict[str, Any]] = [{"name": "hello", "scriptFile": "function_app.py", "bindings": [HTTP]}]
    if queue:
        functions.append({"name": "work", "scriptFile": "function_app.py", "bindings": [QUEUE], "scale": SCALE})
    document = {"scriptRoot": str(root), "routePrefix": prefix, "functions": functions}
    return from_document(document, origin="test.json", environ={"Storage": STORAGE})


def objects(app: AppMetadata, **options: Any) -> list[dict[str, Any]]:
    built = build_manifests(
        app, {"Storage": STORAGE}, DeployOptions(name="shop", image="reg.example/shop:1", **options)
    )
    for obj in built.objects:
        validate(obj)
    return list(built.objects)


def of_kind(found: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in found if o["kind"] == kind]


def test_the_http_deployment_scales_from_zero_on_concurrency_through_its_service(tmp_path: Path) -> None:
    found = objects(app(tmp_path / "app"), namespace="shop-ns", cooldown_period=120, max_replicas=7)
    (httpso,) = of_kind(found, "HTTPScaledObject")
    assert httpso["apiVersion"] == "http.keda.sh/v1alpha1"
    assert httpso["metadata"]["name"] == "shop-http"
    assert httpso["spec"] == {
        "hosts": ["shop.shop-ns"],
        "pathPrefixes": ["/api"],
        "scaleTargetRef": {
            "name": "shop-http",
            "kind": "Deployment",
            "apiVersion": "apps/v1",
            "service": "shop-http",
            "port": 80,
        },
        "replicas": {"min": 0, "max": 7},
        "scalingMetric": {"concurrency": {"targetValue": 16}},  # DEFAULT_HTTP_TARGET: host.json sets nothing
        "scaledownPeriod": 120,
    }
    (service,) = of_kind(found, "Service")
    assert service["metadata"]["name"] == "shop-http" and service["spec"]["ports"][0]["port"] == 80
    (deployment,) = of_kind(found, "Deployment")
    assert "replicas" not in deployment["spec"]  # the add-on owns the count
    assert of_kind(found, "ScaledObject") == []  # the add-on's operator creates the one for shop-http


def test_the_target_is_max_concurrent_requests_and_an_env_override_wins(tmp_path: Path) -> None:
    host_json = {"extensions": {"http": {"maxConcurrentRequests": 5}}}
    (httpso,) = of_kind(objects(app(tmp_path / "a", host_json)), "HTTPScaledObject")
    assert httpso["spec"]["scalingMetric"] == {"concurrency": {"targetValue": 5}}
    overridden = app(tmp_path / "b", host_json)
    environ = {**overridden.environ, "AzureFunctionsJobHost__extensions__http__maxConcurrentRequests": "3"}
    overridden = from_document(overridden.document, origin="test.json", environ=environ)
    (httpso,) = of_kind(objects(overridden), "HTTPScaledObject")
    assert httpso["spec"]["scalingMetric"]["concurrency"]["targetValue"] == 3


def test_the_apps_own_scale_http_target_wins_over_the_concurrency(tmp_path: Path) -> None:
    host_json = {"scale": {"http": {"target": 40}}, "extensions": {"http": {"maxConcurrentRequests": 5}}}
    (httpso,) = of_kind(objects(app(tmp_path / "a", host_json)), "HTTPScaledObject")
    assert httpso["spec"]["scalingMetric"] == {"concurrency": {"targetValue": 40}}


def test_hosts_come_from_http_host_and_an_empty_route_prefix_routes_every_path(tmp_path: Path) -> None:
    found = objects(app(tmp_path / "app", prefix=""), http_hosts=("shop.example.com", "*.shop.example.com"))
    (httpso,) = of_kind(found, "HTTPScaledObject")
    assert httpso["spec"]["hosts"] == ["shop.example.com", "*.shop.example.com"]
    assert "pathPrefixes" not in httpso["spec"]


def test_a_bad_http_host_is_refused_with_the_fix() -> None:
    with pytest.raises(ManifestError, match=r"--http-host is 'Shop_1'; expected a host name.*Fix"):
        DeployOptions(name="shop", image="reg.example/shop:1", http_hosts=("Shop_1",))


def test_a_mixed_app_has_one_scaler_per_deployment(tmp_path: Path) -> None:
    """HTTP and event functions run in two Deployments, so the add-on's ScaledObject (shop-http) and funchost's
    (shop) never target the same one, as KEDA requires."""
    found = objects(app(tmp_path / "app", queue=True))
    (httpso,) = of_kind(found, "HTTPScaledObject")
    (scaled,) = of_kind(found, "ScaledObject")
    assert httpso["spec"]["scaleTargetRef"]["name"] == "shop-http"
    assert scaled["spec"]["scaleTargetRef"]["name"] == "shop"
    assert [t["type"] for t in scaled["spec"]["triggers"]] == ["azure-queue"]
    assert "annotations" not in httpso["metadata"]  # the operator creates its ScaledObject: no skip annotation
    kinds = [o["kind"] for o in found]
    assert kinds.index("Service") < kinds.index("HTTPScaledObject")  # the route exists before KEDA asks for it


def test_builtin_scales_http_with_its_own_controller_from_one_replica(tmp_path: Path) -> None:
    found = objects(app(tmp_path / "app"), scaler="builtin")
    assert of_kind(found, "HTTPScaledObject") == [] and of_kind(found, "ScaledObject") == []
    deployments = {o["metadata"]["name"]: o for o in of_kind(found, "Deployment")}
    assert set(deployments) == {"shop-http", "shop-http-scaler"}
    assert "replicas" not in deployments["shop-http"]["spec"]  # the controller owns the count
    args = deployments["shop-http-scaler"]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[args.index("--deployment") + 1] == "shop-http" and args[args.index("--min-replicas") + 1] == "1"
    (role,) = of_kind(found, "Role")
    assert role["rules"][1] == {"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]}


def test_the_crd_schema_refuses_what_the_add_on_would_refuse(tmp_path: Path) -> None:
    (httpso,) = of_kind(objects(app(tmp_path / "app")), "HTTPScaledObject")
    schema = crd_schema("HTTPScaledObject")
    broken = json.loads(json.dumps(httpso))
    broken["spec"]["scalingMetric"]["concurrency"]["targetValue"] = "16"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)
    del broken["spec"]["scaleTargetRef"]["service"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)
    both = json.loads(json.dumps(httpso))
    both["spec"]["scaleTargetRef"]["portName"] = "http"
    with pytest.raises(AssertionError):
        validate(both)  # the CRD's CEL rule: port or portName, not both
