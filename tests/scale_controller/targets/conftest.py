"""Fixtures for the target tests: podman's Docker-compatible API (scripts/services/podman) and a function image
built once from a wheel of this checkout (cached by a hash of the sources; rebuilt when they change)."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker  # type: ignore[import-untyped]
import pytest

from scale_controller.targets.docker import LABEL
from tests.scale_controller.targets.queue_app import write_queue_app
from tests.services_support import ROOT

TEST_PREFIX = "fht-"  # name_prefix of every container these tests make; the session starts by removing them
IMAGE_REPOSITORY = "localhost/funchost-target-test"
DOCKERFILE = """\
FROM python:3.11-slim
COPY wheels /tmp/wheels
RUN pip install --no-cache-dir --no-index --find-links /tmp/wheels funchost && rm -rf /tmp/wheels
COPY app /home/site/wwwroot
WORKDIR /home/site/wwwroot
CMD ["funchost", "start"]
"""


@pytest.fixture(scope="session")
def podman(podman: str) -> Iterator[str]:
    """The shared podman fixture (tests/conftest.py), after removing containers left by an interrupted run."""
    base_url = podman
    client = docker.DockerClient(base_url=base_url)
    try:
        for container in client.containers.list(all=True, filters={"label": LABEL}):
            if container.labels.get(LABEL, "").startswith(TEST_PREFIX):  # ours from an earlier, interrupted run
                container.remove(force=True)
    finally:
        client.close()
    yield base_url


@pytest.fixture(scope="session")
def function_image(podman: str) -> str:
    """`funchost` installed from a wheel of this checkout (no registry inside the build) plus the queue app."""
    with tempfile.TemporaryDirectory() as tmp:
        context = Path(tmp)
        write_queue_app(context / "app")
        (context / "Dockerfile").write_text(DOCKERFILE)
        tag = f"{IMAGE_REPOSITORY}:{_sources_hash(context)}"
        client = docker.DockerClient(base_url=podman)
        try:
            if not client.images.list(name=tag):
                _build(client, context, tag)
            for image in client.images.list(name=IMAGE_REPOSITORY):  # older builds of these tests
                if tag not in image.tags:
                    client.images.remove(image.id, force=True)
        finally:
            client.close()
    return tag


def _sources_hash(context: Path) -> str:
    digest = hashlib.sha256()
    files = [ROOT / "pyproject.toml", *sorted((ROOT / "funchost").rglob("*.py")), *sorted(context.rglob("*"))]
    for path in files:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _build(client: Any, context: Path, tag: str) -> None:
    wheels = context / "wheels"
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(wheels), str(ROOT)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"pip wheel of {ROOT} failed:\n{done.stdout}\n{done.stderr}")
    log = io.StringIO()
    try:
        for chunk in client.api.build(path=str(context), tag=tag, rm=True, decode=True):
            log.write(str(chunk.get("stream", chunk.get("error", ""))))
            if "error" in chunk:
                raise RuntimeError(f"building {tag} failed:\n{log.getvalue()}")
    except docker.errors.APIError as exc:
        raise RuntimeError(f"building {tag} failed: {exc}\n{log.getvalue()}") from exc
