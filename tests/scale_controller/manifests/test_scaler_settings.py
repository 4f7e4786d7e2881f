"""The built-in controller's settings: exactly the names its trigger resolution and scalers look up, taken from the
generated settings Secret or from the one --secret-name names."""

from __future__ import annotations

from typing import Any

from funchost.metadata.app_settings import load_local_settings
from scale_controller.app_metadata import AppMetadata
from scale_controller.manifests import DeployOptions, build_manifests
from scale_controller.manifests.scaler_settings import scaler_settings
from tests.scale_controller.manifests.test_samples_golden import apps, one_cpu  # noqa: F401 (fixtures)
from tests.services_support import ROOT


def scaler_env(objects: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    (scaler,) = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "orders-scaler"]
    env: list[dict[str, Any]] = scaler["spec"]["template"]["spec"]["containers"][0]["env"]
    return env


def test_names_asked_for_but_not_in_the_secret_are_left_out(apps: dict[str, AppMetadata]) -> None:  # noqa: F811
    app = apps["queue-pipeline"]
    assert scaler_settings(app, {"AzureWebJobsStorage": "x", "ORDERS_QUEUE": "orders", "Unrelated": "y"}) == [
        "AzureWebJobsStorage",
        "ORDERS_QUEUE",
    ]


def test_an_existing_secret_is_referenced_by_name(apps: dict[str, AppMetadata]) -> None:  # noqa: F811
    options = DeployOptions(name="orders", image="registry.example/o:1", scaler="builtin", secret_name="shop-settings")
    values = load_local_settings(ROOT / "samples" / "queue-pipeline").values
    manifests = build_manifests(apps["queue-pipeline"], values, options)
    refs = [e["valueFrom"]["secretKeyRef"] for e in scaler_env(manifests.objects)]
    assert refs == [
        {"name": "shop-settings", "key": "AzureWebJobsStorage"},
        {"name": "shop-settings", "key": "ORDERS_QUEUE"},
    ]
