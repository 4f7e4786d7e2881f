"""The runtime-table checks per function (route, listener, output sender): a function failing one is in error and
the rest stay, as ScriptHost.ValidateFunction does; strict raises the original error."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from funchost.errors import ConfigurationError
from funchost.function_checks import check_functions
from funchost.metadata.app_loader import load_app
from tests.support.apps import write_app

SOURCE = """
import azure.functions as func
app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

@app.route(route="items/{id}")
def first(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("first")

@app.route(route="items/{name}")
def second(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("second")

@app.route(route="runtime/status")
def reserved(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("reserved")

@app.route(route="bad/{x")
def unbalanced(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("bad")

@app.timer_trigger(arg_name="t", schedule="0 */5 * * * *")
def tick(t: func.TimerRequest) -> None:
    pass
"""


@pytest.fixture(autouse=True)
def _restore_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))


def test_route_failures_put_only_their_function_in_error(tmp_path: Path) -> None:
    app = check_functions(load_app(write_app(tmp_path, SOURCE), apply_settings=False))
    assert [f.spec.name for f in app.functions] == ["first", "tick"]
    errors = {e.name: e for e in app.errors}
    assert set(errors) == {"second", "reserved", "unbalanced"}
    assert "Functions 'first' (route 'items/{id}') and 'second'" in errors["second"].cause  # the later one
    assert "reserves for its own APIs" in errors["reserved"].cause
    assert "route 'bad/{x' is invalid" in errors["unbalanced"].cause and errors["unbalanced"].fix
    assert all(e.spec is not None for e in errors.values())
    assert check_functions(app) == app  # idempotent: the host checks again what `start` already checked


def test_strict_raises_the_first_failure_unchanged(tmp_path: Path) -> None:
    loaded = load_app(write_app(tmp_path, SOURCE), apply_settings=False, strict=True)
    with pytest.raises(ConfigurationError, match="Functions 'first' .* and 'second'"):
        check_functions(loaded)
