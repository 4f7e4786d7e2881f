"""Tests for ``funchost init`` (funchost.scaffold.project): the files written, their content, and never overwriting."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from funchost.errors import ConfigurationError
from funchost.scaffold.project import DOCKER_FILES, PROJECT_FILES, init_project
from funchost.scaffold.resources import template_path

BASE_FILES = ["function_app.py", "host.json", "local.settings.json", "requirements.txt", ".gitignore", ".funcignore"]
IndexApp = Callable[..., dict[str, dict[str, Any]]]


def _names(paths: list[Path]) -> list[str]:
    return [path.name for path in paths]


@pytest.mark.parametrize("relative", [*PROJECT_FILES.values(), *DOCKER_FILES.values()])
def test_every_project_template_file_exists(relative: str) -> None:
    assert template_path(relative).is_file()


@pytest.mark.parametrize(
    ("docker", "expected"),
    [
        (False, BASE_FILES),
        (True, [*BASE_FILES, "Dockerfile", ".dockerignore"]),
    ],
)
def test_init_writes_the_project_files(tmp_path: Path, docker: bool, expected: list[str]) -> None:
    result = init_project(tmp_path, docker=docker)

    assert _names(result.written) == expected
    assert result.skipped == []
    assert result.directory == tmp_path
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(expected)


def test_init_creates_a_missing_directory(tmp_path: Path) -> None:
    target = tmp_path / "apps" / "orders"

    result = init_project(target, docker=False)

    assert _names(result.written) == BASE_FILES
    assert (target / "function_app.py").is_file()


def test_init_refuses_a_file_as_directory(tmp_path: Path) -> None:
    target = tmp_path / "not-a-dir"
    target.write_text("x", encoding="utf-8")

    with pytest.raises(ConfigurationError, match="exists and is not a directory"):
        init_project(target, docker=False)


def test_init_never_overwrites_existing_files(tmp_path: Path) -> None:
    (tmp_path / "function_app.py").write_text("# mine\n", encoding="utf-8")
    (tmp_path / "host.json").write_text('{"version": "2.0"}', encoding="utf-8")

    result = init_project(tmp_path, docker=False)

    assert _names(result.skipped) == ["function_app.py", "host.json"]
    assert _names(result.written) == ["local.settings.json", "requirements.txt", ".gitignore", ".funcignore"]
    assert (tmp_path / "function_app.py").read_text(encoding="utf-8") == "# mine\n"
    assert (tmp_path / "host.json").read_text(encoding="utf-8") == '{"version": "2.0"}'


def test_init_again_with_docker_adds_only_the_docker_files(tmp_path: Path) -> None:
    init_project(tmp_path, docker=False)

    result = init_project(tmp_path, docker=True)

    assert _names(result.written) == ["Dockerfile", ".dockerignore"]
    assert _names(result.skipped) == BASE_FILES


def test_host_json(tmp_path: Path) -> None:
    init_project(tmp_path, docker=False)

    host = json.loads((tmp_path / "host.json").read_text(encoding="utf-8"))

    assert host["version"] == "2.0"
    assert host["logging"]["logLevel"]["default"] == "Information"
    assert host["extensionBundle"]["id"] == "Microsoft.Azure.Functions.ExtensionBundle"


def test_local_settings_json(tmp_path: Path) -> None:
    init_project(tmp_path, docker=False)

    settings = json.loads((tmp_path / "local.settings.json").read_text(encoding="utf-8"))

    assert settings == {
        "IsEncrypted": False,
        "Values": {"FUNCTIONS_WORKER_RUNTIME": "python", "AzureWebJobsStorage": "UseDevelopmentStorage=true"},
    }


def test_requirements_txt(tmp_path: Path) -> None:
    init_project(tmp_path, docker=False)

    lines = (tmp_path / "requirements.txt").read_text(encoding="utf-8").splitlines()

    assert lines[0].startswith("#")
    assert [line for line in lines if line and not line.startswith("#")] == ["azure-functions"]


@pytest.mark.parametrize(
    ("file", "entries"),
    [
        (".gitignore", ["local.settings.json", ".python_packages/", ".venv", "venv/", "__pycache__/"]),
        (".funcignore", [".git*", ".vscode", "local.settings.json", "test", ".venv", "__pycache__"]),
        (".dockerignore", ["local.settings.json", ".funchost", ".venv", ".git", "**/__pycache__"]),
    ],
)
def test_ignore_files_list(tmp_path: Path, file: str, entries: list[str]) -> None:
    init_project(tmp_path, docker=True)

    lines = (tmp_path / file).read_text(encoding="utf-8").splitlines()

    assert set(entries) <= set(lines)


@pytest.mark.parametrize("kept", ["wheels", "wheels/", "requirements.txt", "function_app.py", "host.json"])
def test_dockerignore_keeps_what_the_build_needs(tmp_path: Path, kept: str) -> None:
    init_project(tmp_path, docker=True)

    assert kept not in (tmp_path / ".dockerignore").read_text(encoding="utf-8").splitlines()


def test_function_app_is_an_empty_app_with_function_auth_level(tmp_path: Path, index_app: IndexApp) -> None:
    init_project(tmp_path, docker=False)
    assert index_app(tmp_path) == {}

    # A probe route without its own auth level shows the app-wide default.
    with (tmp_path / "function_app.py").open("a", encoding="utf-8") as handle:
        handle.write('\n\n@app.route(route="probe")\ndef probe(req: func.HttpRequest) -> str:\n    return "ok"\n')
    (binding,) = [b for b in index_app(tmp_path)["probe"]["bindings"] if b["type"] == "httpTrigger"]
    assert binding["authLevel"] == "FUNCTION"


def _instructions(dockerfile: str) -> list[str]:
    """The Dockerfile's instructions with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@pytest.fixture
def dockerfile(tmp_path: Path) -> list[str]:
    init_project(tmp_path, docker=True)
    return _instructions((tmp_path / "Dockerfile").read_text(encoding="utf-8"))


def test_dockerfile_builds_on_the_funchost_image(dockerfile: list[str]) -> None:
    assert dockerfile[:2] == ["ARG FUNCHOST_IMAGE=funchost/host:latest", "FROM ${FUNCHOST_IMAGE} AS app"]
    assert [line for line in dockerfile if line.startswith("FROM ")][-1] == "FROM ${FUNCHOST_IMAGE}"
    assert "ARG FUNCHOST_UID=10001" in dockerfile


def test_the_image_stage_only_copies_so_it_stays_the_base_images_non_root_user(dockerfile: list[str]) -> None:
    last = dockerfile[len(dockerfile) - dockerfile[::-1].index("FROM ${FUNCHOST_IMAGE}") :]
    assert last == [
        "ARG FUNCHOST_UID=10001",
        "COPY --from=packages /tmp/funchost-install/ /",
        "COPY --from=app --chown=${FUNCHOST_UID}:0 /tmp/app /home/site/wwwroot",
    ]  # no USER (the base image's 10001 stays), no wheels: they are in the discarded stages only


def test_the_app_stage_leaves_wheels_behind_and_makes_files_group_0_writable(dockerfile: list[str]) -> None:
    """OpenShift runs the image under an arbitrary UID in group 0: the app's files must be group-accessible."""
    stage = dockerfile[
        dockerfile.index("FROM ${FUNCHOST_IMAGE} AS app") : dockerfile.index("FROM ${FUNCHOST_IMAGE} AS packages")
    ]
    assert stage[1:3] == ["USER root", "COPY . /tmp/app"]
    (prepare,) = [line for line in stage if line.startswith("RUN ")]
    assert "rm -rf /tmp/app/wheels /tmp/app/Dockerfile /tmp/app/.dockerignore" in prepare
    assert "chmod -R g=u /tmp/app" in prepare


@pytest.mark.parametrize("keyword", ["ENV", "WORKDIR", "CMD", "ENTRYPOINT", "EXPOSE"])
def test_dockerfile_sets_nothing_the_base_image_sets(dockerfile: list[str], keyword: str) -> None:
    assert not [line for line in dockerfile if line.split()[0] == keyword]


def _fake_pip(bin_dir: Path, log: Path) -> None:
    bin_dir.mkdir()
    pip = bin_dir / "pip"
    pip.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\n', encoding="utf-8")
    pip.chmod(pip.stat().st_mode | stat.S_IXUSR)


@pytest.mark.parametrize(
    ("wheels", "expected_pip_args"),
    [
        (True, "install --no-cache-dir --no-index --find-links {build} --root {root} -r {build}/requirements.txt"),
        (False, "install --no-cache-dir --root {root} -r {build}/requirements.txt"),
    ],
)
def test_dockerfile_installs_from_wheels_when_present(
    tmp_path: Path, dockerfile: list[str], wheels: bool, expected_pip_args: str
) -> None:
    """Run the Dockerfile's install step with sh and a fake pip, after doing what its COPY does."""
    build = tmp_path / "funchost-build"
    build.mkdir()
    (build / "requirements.txt").write_text("azure-functions\n", encoding="utf-8")
    if wheels:  # `COPY requirements.txt wheels* <dir>/` puts the folder's contents next to requirements.txt
        (build / "azure_functions-1.26.0-py3-none-any.whl").write_bytes(b"")
    (copy,) = [line for line in dockerfile if line.startswith("COPY requirements.txt")]
    assert copy == "COPY requirements.txt wheels* /tmp/funchost-build/"
    (run,) = [line for line in dockerfile if line.startswith("RUN ") and "pip install" in line]
    log = tmp_path / "pip.log"
    _fake_pip(tmp_path / "bin", log)

    root = tmp_path / "funchost-install"
    command = run.removeprefix("RUN ").replace("/tmp/funchost-build", str(build))
    completed = subprocess.run(
        ["sh", "-c", command.replace("/tmp/funchost-install", str(root))],
        env={**os.environ, "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert log.read_text(encoding="utf-8").split() == expected_pip_args.format(build=build, root=root).split()
    assert root.is_dir()  # what the image stage copies, even when nothing was installed
