"""Per-function error state: a function that cannot load is recorded (name, cause, fix) and the rest load, as the
Functions host keeps `FunctionErrors`; strict mode restores all-or-nothing with the original message; an app where
nothing loads is broken."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from funchost.errors import AppLoadError, ConnectionSettingError, FunctionDefinitionError
from funchost.metadata.app_loader import load_app
from funchost.metadata.function_errors import FunctionError
from tests.support.apps import write_app

MIXED = """
import azure.functions as func
app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

@app.route(route="hello")
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("hi")

@app.route(route="extra")
def extra(req: func.HttpRequest, nope: str) -> func.HttpResponse:
    return func.HttpResponse("never")

@app.queue_trigger(arg_name="msg", queue_name="orders", connection="OrdersConn")
def orders(msg: func.QueueMessage) -> None:
    pass

@app.timer_trigger(arg_name="t", schedule="0 */5 * * * *")
def tick(t: func.TimerRequest) -> None:
    pass
"""


@pytest.fixture(autouse=True)
def _restore_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))


def errors_by_name(errors: tuple[FunctionError, ...]) -> dict[str, FunctionError]:
    return {error.name: error for error in errors}


def test_the_healthy_functions_load_and_each_error_says_cause_and_fix(tmp_path: Path) -> None:
    app = load_app(write_app(tmp_path, MIXED), apply_settings=False, strict=False)
    assert [f.spec.name for f in app.functions] == ["hello", "tick"]
    errors = errors_by_name(app.errors)
    assert set(errors) == {"extra", "orders"}
    assert "parameter 'nope' is declared in Python but not as a binding" in errors["extra"].cause
    assert errors["extra"].fix.startswith("remove the parameter")
    assert "'OrdersConn'" in errors["orders"].cause and "local.settings.json" in errors["orders"].fix
    assert errors["orders"].spec is not None and errors["orders"].spec.trigger.type == "queueTrigger"
    assert errors["orders"].log_line().startswith("The 'orders' function is in error: binding 'msg' (queueTrigger)")
    entry = errors["orders"].to_metadata()
    assert entry["name"] == "orders" and entry["bindings"][0]["queueName"] == "orders"
    assert "OrdersConn" in entry["error"]
    assert "orders" not in app.settings  # nothing half-parsed is kept for an errored function


def test_strict_raises_the_first_error_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_app(tmp_path, MIXED)
    with pytest.raises(FunctionDefinitionError, match="Function 'extra': parameter 'nope'"):
        load_app(root, apply_settings=False, strict=True)
    monkeypatch.setenv("FUNCHOST_STRICT", "true")  # the app-setting equivalent of --strict
    with pytest.raises(FunctionDefinitionError):
        load_app(root, apply_settings=False)
    assert load_app(root, apply_settings=False, strict=False).errors  # an explicit False beats the setting


def test_an_app_where_nothing_loads_is_broken(tmp_path: Path) -> None:
    only_bad = "\n".join(part for part in MIXED.split("\n\n") if "hello" not in part and "tick" not in part)
    with pytest.raises(AppLoadError) as caught:
        load_app(write_app(tmp_path, only_bad), apply_settings=False)
    text = str(caught.value)
    assert "no function of this app can load" in text
    assert "Function 'extra': parameter 'nope'" in text and "Function 'orders'" in text and "OrdersConn" in text


def test_the_function_subset_keeps_only_its_errors(tmp_path: Path) -> None:
    app = load_app(write_app(tmp_path, MIXED), apply_settings=False, only=["hello", "orders"])
    assert [f.spec.name for f in app.functions] == ["hello"] and [e.name for e in app.errors] == ["orders"]
    with pytest.raises(ConnectionSettingError):
        load_app(tmp_path, apply_settings=False, only=["orders"], strict=True)


def test_v1_folders_fail_one_by_one(tmp_path: Path) -> None:
    http = {"bindings": [{"type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "anonymous"}]}
    root = write_app(
        tmp_path,
        files={
            "Good/function.json": json.dumps(http),
            "Good/__init__.py": "def main(req):\n    return 'ok'\n",
            "BadJson/function.json": '{"bindings": [,]}',
            "BadImport/function.json": json.dumps(http),
            "BadImport/__init__.py": "raise RuntimeError('boom while importing')\n",
            "NoEntry/function.json": json.dumps(http | {"entryPoint": "run"}),
            "NoEntry/__init__.py": "def main(req):\n    return 'ok'\n",
        },
    )
    app = load_app(root, apply_settings=False)
    assert [f.spec.name for f in app.functions] == ["Good"]
    errors = errors_by_name(app.errors)
    assert "not valid JSON: line 1" in errors["BadJson"].cause and errors["BadJson"].spec is None
    bad_import = errors["BadImport"].cause
    assert "boom while importing" in bad_import and "BadImport/__init__.py:1" in bad_import
    assert errors["BadImport"].spec is not None and errors["BadImport"].spec.trigger.type == "httpTrigger"
    assert "entryPoint 'run'" in errors["NoEntry"].cause and "def run" in errors["NoEntry"].fix
