"""`funchost build` input errors through the real CLI (a subprocess): exit code 2 for bad input, 1 when no engine
answers, each with a message naming the fix, before anything slow runs. Real builds: tests/deploy/test_image.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.apps import write_app
from tests.support.hostproc import SAMPLES, run_cli

NO_ENGINE = {"DOCKER_HOST": "unix:///nonexistent/funchost-test/docker.sock"}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--push"], "error: --push needs a registry to push to. Fix: add --registry REGISTRY"),
        (["--tag", "Orders:v1"], "error: 'Orders:v1' is not a valid image reference. Fix: use lowercase"),
        (["--registry", "bad registry"], "error: 'bad registry/http-hello:latest' is not a valid image reference."),
        (["--base-image-digest", "sha256:abc"], "error: --base-image-digest is 'sha256:abc'; expected sha256: and 64"),
        (["--base-image-digest", "4f" * 32], "error: --base-image-digest is '4f4f"),
    ],
)
def test_bad_options_exit_2_before_the_engine_is_asked(args: list[str], expected: str) -> None:
    done = run_cli(["build", "--script-root", str(SAMPLES / "http-hello"), *args], cwd=SAMPLES, env=NO_ENGINE)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(expected)


def test_a_folder_without_host_json_is_not_a_project(tmp_path: Path) -> None:
    done = run_cli(["build"], cwd=tmp_path, env=NO_ENGINE)
    assert done.returncode == 2
    assert f"error: {tmp_path} is not a function project (no host.json). Fix:" in done.stderr


def test_no_engine_exits_1_and_says_how_to_point_at_one(tmp_path: Path) -> None:
    write_app(tmp_path / "app", "import azure.functions as func\napp = func.FunctionApp()\n")
    done = run_cli(["build"], cwd=tmp_path / "app", env=NO_ENGINE)
    assert done.returncode == 1
    assert done.stderr.startswith(f"error: no container engine answers at {NO_ENGINE['DOCKER_HOST']}: ")
    assert "Fix: start Docker (or podman: 'podman system service" in done.stderr
    assert "DOCKER_HOST=unix:///path/podman.sock" in done.stderr
    assert done.stdout == ""  # nothing was built


def test_build_is_listed_in_the_help(tmp_path: Path) -> None:
    done = run_cli(["build", "--help"], cwd=tmp_path)
    assert done.returncode == 0
    for option in ("--tag", "--registry", "--push", "--base-image", "--offline", "--docker-host"):
        assert option in done.stdout
