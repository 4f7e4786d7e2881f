"""Bad input through the real CLI (`funchost start` as a subprocess): a clear message naming the
file / function / setting and the fix, and a non-zero exit code, before anything listens."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.support.apps import write_app
from tests.support.hostproc import free_port, run_cli

HEADER = "import azure.functions as func\napp = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)\n"
HTTP_OK = (
    "@app.route(route='ok')\ndef ok(req: func.HttpRequest) -> func.HttpResponse:\n    return func.HttpResponse('ok')\n"
)

CASES = {
    "syntax-error": (HEADER + "def broken(:\n", None, {}, ["function_app.py:3", "syntax error"]),
    "import-error": (
        HEADER + "import requests_that_do_not_exist\n",
        None,
        {},
        ["function_app.py:3", "ModuleNotFoundError", "requirements.txt"],
    ),
    "no-app": ("import azure.functions as func\n", None, {}, ["no function app found", "app = func.FunctionApp()"]),
    "two-apps": (
        HEADER + "other = func.FunctionApp()\n" + HTTP_OK,
        None,
        {},
        ["more than one function app is defined (app, other)", "Blueprint"],
    ),
    "duplicate-names": (
        HEADER + HTTP_OK + "@app.function_name('ok')\n@app.route(route='ok2')\n"
        "def ok2(req: func.HttpRequest) -> func.HttpResponse: ...\n",
        None,
        {},
        ["ok", "unique"],
    ),
    "clashing-routes": (
        HEADER + HTTP_OK + "@app.route(route='OK')\ndef ok_again(req: func.HttpRequest) -> func.HttpResponse: ...\n",
        None,
        {},
        ["ok", "ok_again"],
    ),
    "parameter-mismatch": (
        HEADER + "@app.route(route='x')\ndef f(request: func.HttpRequest) -> func.HttpResponse: ...\n",
        None,
        {},
        ["Function 'f'", "binding 'req'", "Fix:"],
    ),
    "host-json": (HEADER + HTTP_OK, '{"version": "2.0",\n "functionTimeout": 00:05:00}', {}, ["host.json", "line 2"]),
    "unknown-trigger": (
        HEADER + "@app.generic_trigger(arg_name='m', type='smokeSignalTrigger')\ndef f(m: str) -> None: ...\n",
        None,
        {},
        ["smokeSignalTrigger", "httpTrigger", "timerTrigger"],
    ),
    "missing-connection": (
        HEADER + "@app.queue_trigger(arg_name='msg', queue_name='orders', connection='OrdersConn')\n"
        "def f(msg: func.QueueMessage) -> None: ...\n",
        None,
        {},
        ["OrdersConn", "local.settings.json"],
    ),
    "bad-cron": (
        HEADER + "@app.schedule(schedule='0 61 * * * *', arg_name='t')\ndef tick(t: func.TimerRequest) -> None: ...\n",
        None,
        {},
        ["Function 'tick'", "'0 61 * * * *'", "minute"],
    ),
    "encrypted-settings": (HEADER + HTTP_OK, None, {"IsEncrypted": True, "Values": {}}, ["IsEncrypted"]),
}


# Cases where a healthy function remains: the app starts without the one in error unless --strict is given.
STRICT_ONLY = {"clashing-routes"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_reported_and_exits_2(tmp_path: Path, case: str) -> None:
    source, host_json, settings_doc, expected = CASES[case]
    root = write_app(tmp_path / "app", source, host_json=host_json)
    if settings_doc:
        (root / "local.settings.json").write_text(json.dumps(settings_doc))
    strict = ["--strict"] if case in STRICT_ONLY else []
    result = run_cli(["start", "--port", str(free_port()), *strict], cwd=root, env={"AzureWebJobsStorage": ""})
    assert result.returncode == 2, result.stdout + result.stderr
    for fragment in expected:
        assert fragment in result.stderr, f"{fragment!r} not in:\n{result.stderr}"
    assert "Traceback" not in result.stderr


def test_port_in_use_is_reported_and_exits_1(tmp_path: Path) -> None:
    root = write_app(tmp_path / "app", HEADER + HTTP_OK)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli(["start", "--host", "127.0.0.1", "--port", str(port)], cwd=root)
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr and "--port" in result.stderr
