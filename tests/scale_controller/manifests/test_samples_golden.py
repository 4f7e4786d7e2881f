"""Golden files: the manifests of every sample, for Kubernetes with KEDA and for OpenShift with the built-in
controller, compared with tests/data/manifests/<sample>/*.yaml — and every object validated (validation.py).

Regenerate after an intended change, then review the diff:

    FUNCHOST_REGENERATE_GOLDEN=1 .venv/bin/pytest tests/scale_controller/manifests/test_samples_golden.py

Indexing runs pinned to one CPU, because the queue target's default (newBatchThreshold = batchSize / 2 × CPUs)
depends on the CPU count; keys come from a counter instead of the random generator.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from funchost.metadata.app_settings import load_local_settings
from scale_controller.app_metadata import AppMetadata, load_app_metadata
from scale_controller.manifests import DeployOptions, build_manifests, to_yaml
from tests.scale_controller.manifests.validation import validate
from tests.services_support import ROOT

SAMPLES = sorted(p.name for p in (ROOT / "samples").iterdir() if (p / "host.json").exists())
GOLDEN = ROOT / "tests" / "data" / "manifests"
REGENERATE = os.environ.get("FUNCHOST_REGENERATE_GOLDEN") == "1"
VARIANTS = {
    "kubernetes-keda": {"platform": "kubernetes", "scaler": "keda"},
    "openshift-builtin": {"platform": "openshift", "scaler": "builtin", "namespace": "apps", "min_replicas": 1},
}


@pytest.fixture(scope="module")
def one_cpu() -> Iterator[None]:
    """The indexing subprocesses inherit this affinity, so the CPU-dependent queue default is that of 1 CPU."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


@pytest.fixture(scope="module")
def apps(one_cpu: None) -> dict[str, AppMetadata]:
    return {sample: load_app_metadata(ROOT / "samples" / sample, environ=dict(os.environ)) for sample in SAMPLES}


def keys() -> Iterator[str]:
    return (f"test-key-{i}" for i in itertools.count(1))


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("sample", SAMPLES)
def test_sample_manifests_match_the_golden_file(apps: dict[str, AppMetadata], sample: str, variant: str) -> None:
    options = DeployOptions(name=sample, image=f"registry.example/{sample}:1.0", **VARIANTS[variant])  # type: ignore[arg-type]
    values = load_local_settings(ROOT / "samples" / sample).values
    manifests = build_manifests(apps[sample], values, options, key_generator=keys().__next__)
    for obj in manifests.objects:
        validate(obj)
    text = to_yaml(manifests.objects)
    assert list(yaml.safe_load_all(text)) == list(manifests.objects)  # the YAML says exactly what was built
    path = GOLDEN / sample / f"{variant}.yaml"
    if REGENERATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; create it with FUNCHOST_REGENERATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{path} differs; regenerate if the change is intended"


def test_every_sample_has_golden_files() -> None:
    found = {p.parent.name for p in GOLDEN.glob("*/*.yaml")}
    assert found == set(SAMPLES)


def golden(sample: str, variant: str) -> list[dict[str, object]]:
    return list(yaml.safe_load_all(Path(GOLDEN / sample / f"{variant}.yaml").read_text(encoding="utf-8")))
