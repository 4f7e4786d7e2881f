"""v1 apps import from the app root as under the Python worker (script root on sys.path, `__app__` for the
function folders' parent), and a missing module gets the advice that fits where it is."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from funchost.errors import AppLoadError
from funchost.metadata.app_loader import load_app
from tests.support.apps import write_app

HTTP = json.dumps(
    {
        "scriptFile": "__init__.py",
        "bindings": [
            {"authLevel": "anonymous", "type": "httpTrigger", "direction": "in", "name": "req", "route": "{*route}"},
            {"type": "http", "direction": "out", "name": "$return"},
        ],
    }
)


@pytest.fixture(autouse=True)
def _restore_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    for name in [m for m in sys.modules if m.split(".")[0] in ("FlaskApp", "helpers_pkg")]:
        monkeypatch.delitem(sys.modules, name)


def test_a_v1_function_imports_a_package_beside_the_function_folders(tmp_path: Path) -> None:
    """Microsoft's Flask-on-Functions pattern: HandleApproach/__init__.py does `from FlaskApp import app`."""
    root = write_app(
        tmp_path / "flaskv1",
        files={
            "HandleApproach/function.json": HTTP,
            "HandleApproach/__init__.py": """
                import azure.functions as func
                from FlaskApp import app

                def main(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
                    return func.WsgiMiddleware(app.wsgi_app).handle(req, context)
                """,
            "FlaskApp/__init__.py": """
                from flask import Flask
                app = Flask(__name__)

                @app.route("/")
                def index():
                    return "flask root"
                """,
        },
    )
    app = load_app(root, apply_settings=False, strict=True)
    assert [f.spec.name for f in app.functions] == ["HandleApproach"]
    assert sys.path.index(str(root.resolve())) > 0  # appended after the installed packages, as the worker does


def v1_error(tmp_path: Path, code: str, files: dict[str, str] | None = None) -> str:
    root = write_app(tmp_path / "app", files={"Fn/function.json": HTTP, "Fn/__init__.py": code, **(files or {})})
    with pytest.raises(AppLoadError) as caught:
        load_app(root, apply_settings=False, strict=True)
    return str(caught.value)


def test_a_missing_submodule_of_the_apps_own_package_is_not_a_requirements_problem(tmp_path: Path) -> None:
    text = v1_error(tmp_path, "import FlaskApp.views\n", {"FlaskApp/__init__.py": ""})
    assert "'FlaskApp' is the app's own package" in text and "has no module 'views'" in text
    assert "requirements.txt" not in text


def test_a_module_in_the_function_folder_is_imported_relatively(tmp_path: Path) -> None:
    text = v1_error(tmp_path, "import helpers\n", {"Fn/helpers.py": "X = 1\n"})
    assert "'helpers' is a module inside the function folder Fn/" in text and "from . import helpers" in text
    assert "requirements.txt" not in text


def test_an_uninstalled_package_still_points_at_requirements(tmp_path: Path) -> None:
    text = v1_error(tmp_path, "import not_installed_anywhere_xyz\n")
    assert "Fn/__init__.py:1" in text and "add the package that provides 'not_installed_anywhere_xyz'" in text


def test_durable_functions_is_named_as_not_hosted(tmp_path: Path) -> None:
    root = write_app(tmp_path / "df", "import azure.functions as func\nimport azure.durable_functions as df\n")
    with pytest.raises(AppLoadError) as caught:
        load_app(root, apply_settings=False)
    assert "Durable Functions (the orchestration model) is not hosted by funchost" in str(caught.value)
