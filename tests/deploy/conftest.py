"""Images of the samples built through the real `funchost build` CLI on podman, once per test session.

The base host image (funchost/host:<version>) is rebuilt only when this checkout's sources changed (its
io.funchost.source label holds their digest); app builds reuse the engine's layer cache, so an unchanged sample
builds in a few seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import docker  # type: ignore[import-untyped]
import pytest

from funchost.deploy.base_image import DEFAULT_BASE_IMAGE, SOURCE_LABEL
from tests.support.hostproc import SAMPLES, run_cli

IMAGE_REPOSITORY = "localhost/funchost-build-test"
BUILD_TIMEOUT = 900  # seconds: a fresh machine builds the base image's wheelhouse from the package index


@dataclass(frozen=True)
class Build:
    reference: str
    sample: Path
    output: str
    seconds: float


def funchost_build(podman: str, sample: Path, *args: str) -> tuple[int, str, str, float]:
    """`funchost build` of `sample` as a subprocess against podman: exit code, stdout, stderr, seconds."""
    started = time.monotonic()
    done = run_cli(
        ["build", "--script-root", str(sample), *args], cwd=sample, env={"DOCKER_HOST": podman}, timeout=BUILD_TIMEOUT
    )
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


def _build(podman: str, name: str) -> Build:
    reference = f"{IMAGE_REPOSITORY}:{name}"
    code, out, err, seconds = funchost_build(podman, SAMPLES / name, "--tag", reference)
    assert code == 0, f"funchost build of {name} failed ({code}):\n{out[-4000:]}\n{err}"
    return Build(reference, SAMPLES / name, out, seconds)


@pytest.fixture(scope="session")
def http_hello_image(podman: str) -> Build:
    build = _build(podman, "http-hello")
    _prune_stale(podman)
    return build


def _prune_stale(podman: str) -> None:
    """Remove untagged images left by builds on an older base (each source change leaves one set behind)."""
    client = docker.DockerClient(base_url=podman)
    try:
        current = client.images.get(DEFAULT_BASE_IMAGE).labels[SOURCE_LABEL]
        stale = {"dangling": True, "label": SOURCE_LABEL, "label!": f"{SOURCE_LABEL}={current}"}
        client.images.prune(filters=stale)
    finally:
        client.close()


@pytest.fixture(scope="session")
def queue_pipeline_image(podman: str, http_hello_image: Build) -> Build:  # after it: the base image exists
    return _build(podman, "queue-pipeline")
