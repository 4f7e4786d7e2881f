"""The build context of an app image: what .dockerignore keeps, what funchost supplies, a reproducible tar."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from funchost.deploy.baked_metadata import METADATA_PATH
from funchost.deploy.context import app_entries, ignore_patterns, project_entries, wheel_entries, write_tar
from funchost.scaffold.project import init_project
from funchost.scaffold.resources import read_template


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "orders"
    init_project(root, docker=True)
    (root / "lib").mkdir()
    (root / "lib" / "prices.py").write_text("RATE = 2\n")
    (root / "lib" / "__pycache__").mkdir()
    (root / "lib" / "__pycache__" / "prices.cpython-311.pyc").write_bytes(b"\0")
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".funchost").mkdir()
    (root / ".funchost" / "keys.json").write_text('{"masterKey": "secret"}')
    (root / "wheels").mkdir()
    (root / "wheels" / "own-1.0-py3-none-any.whl").write_bytes(b"PK")
    return root


def names(entries: list[tuple[str, object]]) -> list[str]:
    return [name for name, _ in entries]


def test_project_files_are_those_dockerignore_keeps_minus_what_funchost_supplies(project: Path) -> None:
    assert names(project_entries(project)) == [
        ".funcignore",
        "function_app.py",
        "host.json",
        "lib",
        "lib/prices.py",
        "requirements.txt",
    ]  # no local.settings.json, .venv, __pycache__, .git*, keys, the project's wheels, Dockerfile, .dockerignore


def test_without_a_dockerignore_the_init_defaults_apply(project: Path) -> None:
    custom = ignore_patterns(project)
    (project / ".dockerignore").unlink()

    assert ignore_patterns(project) == custom  # init wrote the template unchanged
    assert "local.settings.json" in ignore_patterns(project)
    assert "local.settings.json" not in names(project_entries(project))


def test_a_projects_own_dockerignore_is_honoured(project: Path) -> None:
    (project / ".dockerignore").write_text("lib\n# comment\n")
    kept = names(project_entries(project))
    assert "lib/prices.py" not in kept
    assert "function_app.py" in kept


@pytest.mark.parametrize("dockerignore", ["", "lib\n", "!local.settings.json\n!.env\n!.git\n!.venv\n!**/.env\n"])
def test_secrets_history_and_venvs_never_reach_the_context_whatever_the_dockerignore(
    project: Path, dockerignore: str
) -> None:
    (project / ".dockerignore").write_text(dockerignore)
    (project / ".env").write_text("TOKEN=secret\n")
    (project / ".git" / "objects").mkdir(parents=True)
    (project / ".git" / "config").write_text("[core]\n")
    (project / ".venv" / "bin" / "python").write_text("")
    (project / "lib" / ".env").write_text("TOKEN=nested\n")
    (project / "lib" / "local.settings.json").write_text("{}")
    (project / "lib" / ".venv").mkdir()
    (project / "lib" / ".venv" / "pyvenv.cfg").write_text("")
    kept = names(project_entries(project))
    leaked = [n for n in kept if {"local.settings.json", ".env", ".git", ".venv"} & set(n.split("/"))]
    assert leaked == []
    assert "function_app.py" in kept  # the rest of the project is still there


def test_app_context_adds_dockerfile_wheels_and_metadata(project: Path, tmp_path: Path) -> None:
    wheel = tmp_path / "azure_functions-1.26.0-py3-none-any.whl"
    wheel.write_bytes(b"PK wheel")
    (project / "Dockerfile").unlink()

    entries = dict(app_entries(project, [wheel], '{"functions": []}\n'))

    assert entries["Dockerfile"] == read_template("project/Dockerfile.tmpl").encode()
    assert entries["wheels"] is None and entries[f"wheels/{wheel.name}"] == wheel
    assert entries[".funchost"] is None and entries[METADATA_PATH] == b'{"functions": []}\n'
    assert not [name for name in entries if name.startswith(".funchost/keys") or "own-1.0" in name]


def test_the_projects_dockerfile_wins_and_a_missing_requirements_file_is_made(project: Path) -> None:
    (project / "Dockerfile").write_text("FROM scratch\n")
    (project / "requirements.txt").unlink()

    entries = dict(app_entries(project, [], "{}"))

    assert entries["Dockerfile"] == b"FROM scratch\n"
    assert entries["requirements.txt"] == b""


def test_the_tar_is_owned_by_root_with_disk_modes_and_is_reproducible(project: Path) -> None:
    (project / "lib" / "prices.py").chmod(0o600)
    entries = app_entries(project, [], "{}")
    first, second = io.BytesIO(), io.BytesIO()

    size = write_tar(first, entries)

    assert size == len(first.getvalue()) and first.tell() == 0
    write_tar(second, entries)
    assert first.getvalue() == second.getvalue()  # same inputs, same context: the engine's layer cache applies
    with tarfile.open(fileobj=first) as archive:
        members = {member.name: member for member in archive.getmembers()}
        assert {(m.uid, m.gid, m.uname) for m in members.values()} == {(0, 0, "root")}
        assert members["lib/prices.py"].mode == 0o600  # the Dockerfile's `chmod -R g=u` makes it group-readable
        assert members["lib"].isdir() and members[".funchost"].isdir() and members["wheels"].isdir()
        assert archive.extractfile("lib/prices.py").read() == b"RATE = 2\n"  # type: ignore[union-attr]


def test_wheel_entries_keep_file_names(tmp_path: Path) -> None:
    wheel = tmp_path / "a-1-py3-none-any.whl"
    assert wheel_entries([wheel]) == [("wheels", None), ("wheels/a-1-py3-none-any.whl", wheel)]
