"""`funchost init`, `funchost new` and `funchost templates` through the CLI: the lines they print."""

from __future__ import annotations

from pathlib import Path

import pytest

from funchost.cli.main import main
from funchost.cli.scaffolding import runnable
from funchost.scaffold.catalog import TEMPLATES


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    out: str = capsys.readouterr().out
    return out


def test_new_names_the_template_not_its_repr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "init", str(tmp_path))

    out = _run(capsys, "new", "--script-root", str(tmp_path), "-t", "http", "-n", "hello")

    first = out.splitlines()[0]
    assert first == f'The function "hello" was created from "HTTP trigger" in {tmp_path / "function_app.py"}'
    assert "TemplateInfo" not in out


def test_init_suggests_a_first_function_in_a_new_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _run(capsys, "init", str(tmp_path / "orders"))

    assert out.rstrip().endswith(
        f'Next: cd {tmp_path / "orders"} && funchost new --template "HTTP trigger" --name hello && funchost start'
    )


@pytest.mark.parametrize(("docker", "expected"), [(True, "Next: funchost build"), (False, "Next: funchost start")])
def test_init_again_in_a_project_with_functions_suggests_no_new_function(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, docker: bool, expected: str
) -> None:
    _run(capsys, "init", str(tmp_path))
    _run(capsys, "new", "--script-root", str(tmp_path), "-t", "http", "-n", "hello")
    monkeypatch.chdir(tmp_path)

    out = _run(capsys, "init", *(["--docker"] if docker else []))

    assert out.rstrip().splitlines()[-1] == expected
    assert "funchost new" not in out


def test_init_in_a_project_whose_app_has_no_function_yet_still_suggests_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys, "init", str(tmp_path))

    out = _run(capsys, "init", "--docker", str(tmp_path))

    assert 'funchost new --template "HTTP trigger" --name hello' in out.splitlines()[-1]


def test_templates_marks_the_ones_this_host_cannot_run(capsys: pytest.CaptureFixture[str]) -> None:
    out = _run(capsys, "templates")

    headings = [line for line in out.splitlines() if line and not line.startswith(" ")]
    assert len(headings) == len(TEMPLATES)
    for heading in headings:
        name = heading.split("  [", 1)[0]
        marked = heading.endswith(f"[cannot run yet: funchost has no {TEMPLATES[name].trigger} listener]")
        assert not marked, heading  # every template's trigger has a listener (the Service Bus ones since issue 14)
        assert runnable(TEMPLATES[name])


def test_new_from_a_service_bus_template_no_longer_says_it_cannot_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(capsys, "init", str(tmp_path))

    out = _run(capsys, "new", "--script-root", str(tmp_path), "-t", "servicebus-queue", "-n", "orders")

    assert "refuses an app with this function" not in out and "orders" in out


def test_new_http_function_with_a_key_says_how_to_call_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "init", str(tmp_path))

    guarded = _run(capsys, "new", "--script-root", str(tmp_path), "-t", "http", "-n", "hello", "-p", "route=greet")
    anonymous = _run(
        capsys, "new", "--script-root", str(tmp_path), "-t", "http", "-n", "open", "-p", "auth_level=anonymous"
    )

    assert (
        'It needs a function key, also locally. After `funchost start`: curl "http://127.0.0.1:7071/api/greet'
        '?code=$(funchost keys list --function hello --value)"'
    ) in guarded
    assert "key" not in anonymous
