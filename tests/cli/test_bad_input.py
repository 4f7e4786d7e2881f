"""Every bad input through the real CLI (`python -m funchost.cli.main` as a subprocess): an `error:` line naming
the file or setting and the fix, exit code 2, and never a Python traceback."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.apps import write_app
from tests.support.hostproc import free_port, run_cli

HEADER = "import azure.functions as func\napp = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)\n"
HTTP_OK = (
    "@app.route(route='ok')\ndef ok(req: func.HttpRequest) -> func.HttpResponse:\n    return func.HttpResponse('ok')\n"
)


def assert_refused(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    stdout, stderr, code = result.stdout, result.stderr, result.returncode
    assert code == 2, f"exit {code}\n{stdout}\n{stderr}"
    assert "Traceback" not in stderr, stderr
    assert "error:" in stderr, stderr
    for fragment in fragments:
        assert fragment in stderr, f"{fragment!r} not in:\n{stderr}"


def app(tmp_path: Path, source: str = HEADER + HTTP_OK) -> Path:
    return write_app(tmp_path / "app", source)


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["start", "--port", "99999"], ["argument --port/-p: '99999' is not a port number", "1 to 65535"]),
        (["start", "--port", "-5"], ["'-5' is not a port number"]),
        (["start", "--port", "abc"], ["'abc' is not a port number"]),
        (["start", "--grace-period", "abc"], ["argument --grace-period: 'abc' is not a number of seconds"]),
        (["start", "--grace-period", "-1"], ["'-1' is not a number of seconds"]),
        (["start", "--grace-period", "inf"], ["'inf' is not a number of seconds"]),
        (["up", "--port", "70000"], ["'70000' is not a port number"]),
        (["up", "--grace-period", "nan"], ["'nan' is not a number of seconds"]),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) and v and v[0] in ("start", "up") else "",
)
def test_bad_options_are_usage_errors(tmp_path: Path, args: list[str], fragments: list[str]) -> None:
    assert_refused(run_cli(args, cwd=app(tmp_path)), *fragments)


@pytest.mark.parametrize("port", [99999, "abc", 0])
def test_a_bad_local_http_port_names_the_setting(tmp_path: Path, port: object) -> None:
    root = app(tmp_path)
    (root / "local.settings.json").write_text(json.dumps({"Values": {}, "Host": {"LocalHttpPort": port}}))
    assert_refused(
        run_cli(["start"], cwd=root), "local.settings.json: Host.LocalHttpPort is", "1 to 65535", "Fix:", "--port"
    )


def test_a_bad_grace_period_variable_breaks_only_the_command_that_reads_it(tmp_path: Path) -> None:
    root = app(tmp_path)
    env = {"FUNCHOST_GRACE_PERIOD": "abc"}
    version = run_cli(["--version"], cwd=root, env=env)
    assert version.returncode == 0 and "funchost" in version.stdout, version.stderr
    assert run_cli(["functions", "list"], cwd=root, env=env).returncode == 0
    assert_refused(
        run_cli(["start", "--port", str(free_port())], cwd=root, env=env),
        "FUNCHOST_GRACE_PERIOD is 'abc', not a number of seconds",
        "Fix:",
    )


def test_a_bad_indexing_timeout_variable_names_itself(tmp_path: Path) -> None:
    result = run_cli(["functions", "list"], cwd=app(tmp_path), env={"FUNCHOST_INDEXING_TIMEOUT": "soon"})
    assert_refused(result, "FUNCHOST_INDEXING_TIMEOUT is 'soon'")


def _write(name: str, content: str | bytes) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        path = root / name
        if path.is_file():
            path.unlink()
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    return make


def _folder(name: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        (root / name).unlink(missing_ok=True)
        (root / name).mkdir()

    return make


PROJECT_FILES: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "host.json nested 100k deep": (
        _write("host.json", '{"version": "2.0", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        ["host.json: line 1 nests objects/arrays more than 64 levels deep", "Fix:"],
    ),
    "host.json extensions is a string": (
        _write("host.json", '{"version": "2.0", "extensions": "http"}'),
        ["host.json: 'extensions' must be an object, not a string", "Fix: write it as"],
    ),
    "host.json extensions.http is an array": (
        _write("host.json", '{"version": "2.0", "extensions": {"http": [1]}}'),
        ["host.json: 'extensions.http' must be an object, not an array", 'Fix: write it as {"routePrefix": "api"}'],
    ),
    "host.json logging is a string": (
        _write("host.json", '{"version": "2.0", "logging": "Debug"}'),
        ["host.json: 'logging' must be an object", 'Fix: write it as {"logLevel": {"default": "Information"}}'],
    ),
    "host.json is a folder": (_folder("host.json"), ["host.json is a folder, not a file", "Fix:"]),
    "host.json has Infinity": (
        _write("host.json", '{"version": "2.0",\n "extensions": {"queues": {"batchSize": Infinity}}}'),
        ["host.json: line 2 has Infinity, which is not a JSON number", "Fix:"],
    ),
    "host.json is not UTF-8": (
        _write("host.json", b'{"version": "2.0", "x": "\xff"}'),
        ["host.json is not UTF-8 text", "Fix: save the file as UTF-8"],
    ),
    "local.settings.json is not UTF-8": (
        _write("local.settings.json", b'{"Values": {"A": "caf\xe9"}}'),
        ["local.settings.json is not UTF-8 text", "Fix: save the file as UTF-8"],
    ),
    "local.settings.json has a NUL in a value": (
        _write("local.settings.json", '{"Values": {"A": "a\\u0000b"}}'),
        ["local.settings.json: Values.A contains a NUL character", "Fix: remove it"],
    ),
    "local.settings.json ConnectionStrings is a string": (
        _write("local.settings.json", '{"Values": {}, "ConnectionStrings": "x"}'),
        ["local.settings.json: 'ConnectionStrings' must be an object", "Fix: write it as"],
    ),
    "local.settings.json is a folder": (_folder("local.settings.json"), ["local.settings.json is a folder"]),
    ".funchost is a file, so the keys cannot be written": (
        _write(".funchost", "not a folder"),
        [".funchost: cannot read or write the function keys", "Fix: make it writable"],
    ),
}


@pytest.mark.parametrize("case", sorted(PROJECT_FILES))
def test_bad_project_files_are_refused_by_start(tmp_path: Path, case: str) -> None:
    make, fragments = PROJECT_FILES[case]
    root = app(tmp_path)
    make(root)
    assert_refused(run_cli(["start", "--host", "127.0.0.1", "--port", str(free_port())], cwd=root), *fragments)


@pytest.mark.skipif(os.geteuid() == 0, reason="file permissions do not stop root; the file case above covers it")
def test_a_read_only_funchost_folder_is_reported(tmp_path: Path) -> None:
    root = app(tmp_path)
    (root / ".funchost").mkdir(mode=0o500)
    result = run_cli(["start", "--host", "127.0.0.1", "--port", str(free_port())], cwd=root)
    assert_refused(result, ".funchost", "cannot read or write the function keys (Permission denied)")


@pytest.mark.parametrize(
    ("statement", "shown"),
    [("sys.exit(3)", "sys.exit(3)"), ("raise KeyboardInterrupt", "KeyboardInterrupt")],
)
def test_an_app_exiting_at_import_is_an_error_not_a_silent_exit(tmp_path: Path, statement: str, shown: str) -> None:
    root = app(tmp_path, "import sys\n" + HEADER + HTTP_OK + statement + "\n")
    result = run_cli(["start", "--port", str(free_port())], cwd=root)
    assert_refused(result, f"error: function_app.py exited during indexing ({shown} at ", "function_app.py:7", "Fix:")


def test_a_blocking_import_fails_after_the_indexing_timeout_naming_the_file(tmp_path: Path) -> None:
    root = app(tmp_path, "import threading\n" + HEADER + HTTP_OK + "threading.Event().wait()\n")
    result = run_cli(["start", "--port", str(free_port())], cwd=root, env={"FUNCHOST_INDEXING_TIMEOUT": "1"})
    assert_refused(
        result,
        "did not finish within 1 s",
        f"blocked at {root.resolve() / 'function_app.py'}:7 (in <module>)",
        "FUNCHOST_INDEXING_TIMEOUT",
    )


def test_a_lenient_host_json_is_accepted_with_a_warning(tmp_path: Path) -> None:
    root = app(tmp_path)
    (root / "host.json").write_text('{\n  "version": "2.0", // schema\n  "functions": ["ok",],\n}\n')
    result = run_cli(["functions", "list"], cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok\thttpTrigger")
    assert "host.json has 1 comment (line 2) and 2 trailing commas (line 3)" in result.stderr
