"""Schema validation of generated objects: Kubernetes kinds with `kubernetes-validate` (the official OpenAPI
schemas of a current Kubernetes release, strict: unknown fields fail), KEDA's custom resources with `jsonschema`
against the `openAPIV3Schema` of the vendored CRDs (tests/data/keda-crds, Apache-2.0, see its README): KEDA's
ScaledObject and TriggerAuthentication, and the HTTP add-on's HTTPScaledObject. jsonschema does not evaluate the
CRDs' CEL rules (`x-kubernetes-validations`), so `validate` checks the one rule generated objects meet by hand:
a scaleTargetRef names exactly one of `port` and `portName`."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

KUBERNETES_VERSION = "1.35.0"  # a current release (kubernetes-validate ships its schemas)
CRDS = Path(__file__).resolve().parents[2] / "data" / "keda-crds"
KEDA_CRDS = {
    "ScaledObject": ("keda.sh/v1alpha1", "keda.sh_scaledobjects.yaml"),
    "TriggerAuthentication": ("keda.sh/v1alpha1", "keda.sh_triggerauthentications.yaml"),
    "HTTPScaledObject": ("http.keda.sh/v1alpha1", "http.keda.sh_httpscaledobjects.yaml"),
}


@functools.cache
def crd_schema(kind: str) -> dict[str, Any]:
    crd = yaml.safe_load((CRDS / KEDA_CRDS[kind][1]).read_text(encoding="utf-8"))
    (version,) = [v for v in crd["spec"]["versions"] if v.get("served") and v["name"] == "v1alpha1"]
    schema: dict[str, Any] = version["schema"]["openAPIV3Schema"]
    return schema


def validate(obj: dict[str, Any]) -> None:
    """Raise when `obj` does not validate; Route (OpenShift, not a Kubernetes kind) is checked by shape only."""
    kind = obj["kind"]
    if kind in KEDA_CRDS:
        assert obj["apiVersion"] == KEDA_CRDS[kind][0]
        jsonschema.validate(obj, crd_schema(kind))
        if kind == "HTTPScaledObject":  # the CRD's CEL rule: has(self.portName) != has(self.port)
            ref = obj["spec"]["scaleTargetRef"]
            assert ("port" in ref) != ("portName" in ref), ref
    elif kind == "Route":
        assert obj["apiVersion"] == "route.openshift.io/v1"
        assert set(obj["spec"]) <= {"host", "path", "to", "port", "tls", "wildcardPolicy", "alternateBackends"}
        assert obj["spec"]["to"]["kind"] == "Service"
    else:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
