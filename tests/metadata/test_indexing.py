"""Indexing v2 apps (FunctionApp, Blueprint, ASGI/WSGI) and v1 function.json apps into FunctionSpecs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import azure.functions as func
import pytest

from funchost.errors import AppLoadError, ConfigurationError
from funchost.metadata.app_loader import load_app
from funchost.metadata.indexing import parameter_annotations
from funchost.metadata.spec import Direction, FunctionSpec
from tests.support.apps import write_app

V2_APP = """
import azure.functions as func
app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
bp = func.Blueprint()

@app.route(route="hello", methods=["GET", "POST"])
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("hi")

@app.function_name("Every5")
@app.schedule(schedule="0 */5 * * * *", arg_name="timer", run_on_startup=True)
@app.retry(strategy="exponential_backoff", max_retry_count="5", minimum_interval="00:00:10",
           maximum_interval="00:15:00")
def tick(timer: func.TimerRequest) -> None:
    pass

@bp.route(route="bp/{id:int}")
async def from_blueprint(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("bp")

app.register_functions(bp)
"""


def test_v2_app_is_indexed_with_bindings_retry_and_blueprints(tmp_path: Path) -> None:
    app = load_app(write_app(tmp_path / "v2app", V2_APP))
    names = [f.spec.name for f in app.functions]
    assert names == ["hello", "Every5", "from_blueprint"]
    tick = app.function("every5").spec  # names are case-insensitive
    assert tick.trigger.type == "timerTrigger" and tick.trigger.direction is Direction.IN
    assert tick.trigger.get("runonstartup") is True  # keys compared case-insensitively
    assert tick.retry is not None and tick.retry.strategy == "exponential_backoff"
    assert tick.retry.max_retry_count == 5 and tick.retry.minimum_interval == 10 and tick.retry.maximum_interval == 900
    assert [tick.retry.delay_before(n) for n in (1, 2, 7)] == [10, 20, 640]
    hello = app.function("hello").spec
    assert hello.is_http and [b.name for b in hello.outputs()] == ["$return"]


def test_annotations_are_resolved_once_at_indexing(tmp_path: Path) -> None:
    app = load_app(write_app(tmp_path / "ann", V2_APP))
    tick = app.function("every5")
    assert tick.annotations == {"timer": func.TimerRequest, "return": type(None)}
    assert app.function("hello").annotations["req"] is func.HttpRequest  # resolved under `from __future__` too


def test_unresolvable_forward_references_fall_back_to_the_raw_annotations() -> None:
    namespace: dict[str, Any] = {}
    source = 'def handler(msg: "NotDefinedAnywhere", plain, other: str) -> "AlsoMissing": pass'
    exec(compile(source, "handler", "exec", dont_inherit=True), {}, namespace)  # not this module's __future__
    handler = namespace["handler"]
    assert parameter_annotations(handler) == {"msg": "NotDefinedAnywhere", "other": str, "return": "AlsoMissing"}
    assert parameter_annotations(len) == {}  # a builtin: nothing to resolve (the signature check reports it)


def test_metadata_round_trips_through_json(tmp_path: Path) -> None:
    app = load_app(write_app(tmp_path / "rt", V2_APP))
    for indexed in app.functions:
        doc = indexed.spec.to_metadata()
        again = FunctionSpec.from_metadata(doc)
        assert again == indexed.spec
        assert again.to_metadata() == doc


def test_python_script_file_name_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_app(tmp_path / "custom", files={"main_app.py": V2_APP})
    monkeypatch.setenv("PYTHON_SCRIPT_FILE_NAME", "main_app.py")
    assert len(load_app(root).functions) == 3


def test_asgi_function_app_exposes_the_wrapped_app(tmp_path: Path) -> None:
    source = """
    import azure.functions as func
    from fastapi import FastAPI
    api = FastAPI()
    @api.get("/api/items/{item_id}")
    def item(item_id: int) -> dict:
        return {"id": item_id}
    app = func.AsgiFunctionApp(app=api, http_auth_level=func.AuthLevel.ANONYMOUS)
    """
    app = load_app(write_app(tmp_path / "asgi", source))
    (indexed,) = app.functions
    assert indexed.spec.http_type == "asgi"
    assert indexed.native_app is not None and type(indexed.native_app).__name__ == "FastAPI"


def test_v1_function_json_layout(tmp_path: Path) -> None:
    root = write_app(
        tmp_path / "v1app",
        files={
            "HttpHello/function.json": """
                {"scriptFile": "__init__.py", "bindings": [
                  {"authLevel": "anonymous", "type": "httpTrigger", "direction": "in", "name": "req",
                   "methods": ["get"]},
                  {"type": "http", "direction": "out", "name": "$return"}]}""",
            "HttpHello/__init__.py": """
                import azure.functions as func
                from ..shared import greeting
                def main(req: func.HttpRequest) -> func.HttpResponse:
                    return func.HttpResponse(greeting())""",
            "shared/__init__.py": "def greeting():\n    return 'hi'\n",
            "Custom/function.json": """
                {"scriptFile": "handler.py", "entryPoint": "run", "bindings": [
                  {"type": "timerTrigger", "direction": "in", "name": "t", "schedule": "0 0 * * * *"}]}""",
            "Custom/handler.py": "def run(t):\n    pass\n",
            "Off/function.json": '{"disabled": true, "bindings": [{"type": "httpTrigger", "direction": "in", '
            '"name": "req"}, {"type": "http", "direction": "out", "name": "$return"}]}',
            "Off/__init__.py": "def main(req):\n    return 'off'\n",
        },
    )
    app = load_app(root)
    assert [f.spec.name for f in app.functions] == ["Custom", "HttpHello", "Off"]
    assert app.function("Off").spec.disabled_by == 'function.json "disabled": true'  # loaded, as on Azure, but off
    assert not app.function("Custom").spec.disabled and not app.errors
    custom = app.function("Custom")
    assert custom.spec.model == "v1" and custom.spec.entry_point == "run" and custom.callable.__name__ == "run"
    assert app.function("HttpHello").callable(None).get_body() == b"hi"  # relative import via __app__ works


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import azure.functions as func\nx = 1\n", "no function app found"),
        (
            "import azure.functions as func\napp = func.FunctionApp()\napp2 = func.FunctionApp()\n",
            "more than one function app is defined (app, app2)",
        ),
        ("import azure.functions as func\napp = func.FunctionApp()\n", "has no functions"),
        (
            "import azure.functions as func\napp = func.FunctionApp()\n"
            "@app.route(route='a')\ndef f(req):\n    pass\n"
            "@app.function_name('f')\n@app.route(route='b')\ndef g(req):\n    pass\n",
            "unique",
        ),
        ("def broken(:\n    pass\n", "function_app.py:1"),
        ("import azure.functions as func\nimport not_a_real_package_xyz\n", "requirements.txt"),
        ("import azure.functions as func\nraise RuntimeError('boom at import')\n", "function_app.py:2"),
    ],
    ids=["no-app", "two-apps", "no-functions", "duplicate-names", "syntax-error", "missing-package", "raises"],
)
def test_bad_apps_fail_with_a_clear_message(tmp_path: Path, source: str, expected: str) -> None:
    with pytest.raises(AppLoadError) as info:
        load_app(write_app(tmp_path / "bad", source))
    assert expected in str(info.value)


def test_no_app_at_all(tmp_path: Path) -> None:
    tmp_path.joinpath("empty").mkdir()
    with pytest.raises(AppLoadError, match="no function_app.py and no <FunctionName>/function.json"):
        load_app(tmp_path / "empty")


def test_function_subset_from_env_and_unknown_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_app(tmp_path / "subset", V2_APP)
    monkeypatch.setenv("AzureFunctionsJobHost__functions__0", "hello")
    monkeypatch.setenv("AzureFunctionsJobHost__functions__1", "Every5")
    assert [f.spec.name for f in load_app(root).functions] == ["hello", "Every5"]
    assert [f.spec.name for f in load_app(root, only=["from_blueprint"]).functions] == ["from_blueprint"]
    with pytest.raises(ConfigurationError, match=r"names \['nope'\].*functions: hello, Every5, from_blueprint"):
        load_app(root, only=["nope"])


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("sys.exit(3)", "function_app.py exited during indexing (sys.exit(3) at "),
        ("sys.exit()", "function_app.py exited during indexing (sys.exit() at "),
        ("sys.exit('bye')", "(sys.exit('bye') at "),
        ("raise KeyboardInterrupt", "function_app.py exited during indexing (KeyboardInterrupt at "),
    ],
)
def test_an_app_that_exits_at_import_is_reported_with_its_code(tmp_path: Path, statement: str, expected: str) -> None:
    source = f"import sys\nimport azure.functions as func\napp = func.FunctionApp()\n{statement}\n"
    with pytest.raises(AppLoadError) as info:
        load_app(write_app(tmp_path / "exits", source))
    assert expected in str(info.value) and "function_app.py:4)" in str(info.value)
    assert "if __name__ ==" in str(info.value)


def test_a_v1_function_that_exits_at_import_is_reported(tmp_path: Path) -> None:
    root = write_app(
        tmp_path / "v1exit",
        files={
            "Tick/function.json": '{"bindings": [{"type": "timerTrigger", "direction": "in", "name": "t", '
            '"schedule": "0 0 * * * *"}]}',
            "Tick/__init__.py": "import sys\nsys.exit(4)\n",
        },
    )
    with pytest.raises(AppLoadError, match=r"__init__.py exited during indexing \(sys.exit\(4\) at .*__init__.py:2\)"):
        load_app(root)


def test_function_json_with_comments_and_trailing_commas_is_read_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = write_app(
        tmp_path / "lenient",
        files={
            "Tick/function.json": """
                {
                  // as in the Python worker's own e2e apps
                  "scriptFile": "__init__.py",
                  "bindings": [
                    {"type": "timerTrigger", "direction": "in", "name": "t", "schedule": "0 0 * * * *",},
                  ],
                }""",
            "Tick/__init__.py": "def main(t):\n    pass\n",
        },
    )
    with caplog.at_level("WARNING", "funchost.config"):
        app = load_app(root)
    assert [f.spec.name for f in app.functions] == ["Tick"]
    [warning] = [r.getMessage() for r in caplog.records if r.name == "funchost.config"]
    assert "function.json has 1 comment (line 3) and 3 trailing commas (lines 6, 7)" in warning


def test_function_json_that_is_not_an_object_is_reported(tmp_path: Path) -> None:
    root = write_app(tmp_path / "notobj", files={"Tick/function.json": "[1]", "Tick/__init__.py": ""})
    with pytest.raises(AppLoadError, match=r"function.json: the top level must be a JSON object"):
        load_app(root)
