"""Dockerfile.host (the funchost host image) and how `funchost build` finds the checkout to build it from."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from funchost.deploy.base_image import DEFAULT_BASE_IMAGE, DOCKERFILE, SOURCE_ROOT, source_checkout, source_digest
from tests.services_support import ROOT


def instructions(path: Path) -> list[str]:
    """The Dockerfile's instructions with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", path.read_text(encoding="utf-8"))
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@pytest.fixture(scope="module")
def dockerfile() -> list[str]:
    return instructions(ROOT / DOCKERFILE)


def image_stage(dockerfile: list[str]) -> list[str]:
    return dockerfile[dockerfile.index("FROM ${BASE_IMAGE}") :]


def test_the_python_base_is_a_build_arg(dockerfile: list[str]) -> None:
    assert dockerfile[:2] == ["ARG BASE_IMAGE=python:3.11-slim", "FROM ${BASE_IMAGE} AS install"]
    assert [line for line in dockerfile if line.startswith("FROM ")] == [
        "FROM ${BASE_IMAGE} AS install",
        "FROM ${BASE_IMAGE}",
    ]


def test_funchost_comes_from_the_wheelhouse_without_an_index_in_a_discarded_stage(dockerfile: list[str]) -> None:
    install = dockerfile[: dockerfile.index("FROM ${BASE_IMAGE}")]
    assert "COPY wheels /tmp/funchost-wheels" in install
    (pip,) = [line for line in install if line.startswith("RUN ")]
    assert (
        "python -m pip install --no-index --find-links /tmp/funchost-wheels --root /tmp/funchost-install funchost"
        in pip
    )
    image = image_stage(dockerfile)
    assert [line for line in image if line.startswith("COPY ")] == ["COPY --from=install /tmp/funchost-install/ /"]
    assert not [line for line in image if "wheel" in line]


def test_it_runs_as_uid_10001_in_group_0_with_group_writable_paths(dockerfile: list[str]) -> None:
    assert "ARG FUNCHOST_UID=10001" in dockerfile
    assert dockerfile.index("USER ${FUNCHOST_UID}") > dockerfile.index("WORKDIR /home/site/wwwroot")
    (setup,) = [line for line in image_stage(dockerfile) if line.startswith("RUN ")]
    assert 'chown -R "${FUNCHOST_UID}:0" /home/site "${HOME}"' in setup
    assert 'chmod -R g=u /home/site "${HOME}"' in setup


def test_the_host_writes_only_under_tmp(dockerfile: list[str]) -> None:
    """readOnlyRootFilesystem: the generated keys go to FUNCHOST_STATE_DIR under /tmp, and no bytecode is written."""
    env = next(line for line in image_stage(dockerfile) if line.startswith("ENV "))
    assert "FUNCHOST_STATE_DIR=/tmp/funchost" in env and "PYTHONDONTWRITEBYTECODE=1" in env


def test_environment_port_health_check_and_init(dockerfile: list[str]) -> None:
    env = next(line for line in image_stage(dockerfile) if line.startswith("ENV "))
    assert "AzureWebJobsScriptRoot=/home/site/wwwroot" in env and "HOME=/home/funchost" in env
    assert "EXPOSE 8080" in dockerfile
    (check,) = [line for line in dockerfile if line.startswith("HEALTHCHECK ")]
    assert "urllib.request.urlopen('http://127.0.0.1:8080/healthz'" in check  # no curl in python:3.11-slim
    assert dockerfile[-2:] == [
        'ENTRYPOINT ["python", "-m", "funchost.deploy.pid1"]',
        'CMD ["funchost", "start", "--host", "0.0.0.0", "--port", "8080"]',
    ]


def test_this_checkout_is_found_and_the_default_base_is_versioned() -> None:
    assert source_checkout() == SOURCE_ROOT == ROOT
    assert DEFAULT_BASE_IMAGE == "funchost/host:0.1.0"


def test_a_folder_without_the_sources_is_no_checkout(tmp_path: Path) -> None:
    assert source_checkout(tmp_path) is None


def test_the_source_digest_follows_the_sources_but_not_bytecode(tmp_path: Path) -> None:
    for name in ("pyproject.toml", DOCKERFILE, "funchost/__init__.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    first = source_digest(tmp_path)
    (tmp_path / "funchost" / "__pycache__").mkdir()
    (tmp_path / "funchost" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert source_digest(tmp_path) == first
    (tmp_path / "funchost" / "new.py").write_text("")
    assert source_digest(tmp_path) != first
