"""When an app is in HTTP-streams mode, and the worker's load-time checks of its HTTP functions' annotations.

The extension is registered for each test (tests/support/http_streams.py) and the setting is set with monkeypatch, so
nothing leaks into other tests.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from funchost.errors import FunctionDefinitionError
from funchost.metadata.app_loader import LoadedApp, load_app
from funchost.metadata.http_streams import INIT_INDEXING, extension_imported, streams_enabled
from tests.support.apps import write_app
from tests.support.hostproc import run_cli
from tests.support.http_streams import fastapi_extension  # noqa: F401  (fixture)

BEFORE_313 = pytest.mark.skipif(sys.version_info >= (3, 13), reason="from Python 3.13 the setting is not needed")
HEADER = """
import azure.functions as func
from azurefunctions.extensions.http.fastapi import JSONResponse, Request, StreamingResponse
app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
"""


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[None]:
    request.getfixturevalue("fastapi_extension")
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delenv(INIT_INDEXING, raising=False)
    yield
    sys.modules.pop("function_app", None)


def load(tmp_path: Path, body: str) -> LoadedApp:
    return load_app(write_app(tmp_path / "app", HEADER + body), apply_settings=False, strict=True)


@pytest.mark.parametrize(("value", "on"), [("1", True), ("true", True), ("Yes", True), ("0", False), ("", False)])
def test_stream_mode_needs_the_extension_and_the_setting(value: str, on: bool) -> None:
    assert extension_imported()
    assert streams_enabled({INIT_INDEXING: value}, (3, 11)) is on
    assert streams_enabled({}, (3, 12)) is False


@pytest.mark.parametrize(("python", "on"), [((3, 12), False), ((3, 13), True), ((3, 14), True)])
def test_from_python_3_13_the_import_alone_turns_streams_on(python: tuple[int, int], on: bool) -> None:
    assert streams_enabled({}, python) is on
    assert streams_enabled({INIT_INDEXING: "1"}, python) is True


def test_stream_functions_load_in_stream_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(INIT_INDEXING, "1")
    monkeypatch.setenv("AzureWebJobsStorage", "UseDevelopmentStorage=true")
    app = load(
        tmp_path,
        """
@app.route(route="s")
async def s(req: Request) -> StreamingResponse: ...

@app.route(route="j")
def j(req: Request) -> JSONResponse: ...

@app.route(route="d")
def d(req) -> dict: ...

@app.queue_trigger(arg_name="msg", queue_name="orders", connection="AzureWebJobsStorage")
def q(msg: func.QueueMessage) -> None: ...
""",
    )
    assert {f.spec.name: f.http_stream for f in app.functions} == {"s": True, "j": True, "d": True, "q": False}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "@app.route(route='a')\ndef f(req: func.HttpRequest) -> JSONResponse: ...\n",
            "its HTTP trigger parameter 'req' is annotated HttpRequest, but this app uses HTTP streams",
        ),
        (
            "@app.route(route='a')\ndef f(req: Request) -> func.HttpResponse: ...\n",
            "its return annotation HttpResponse is not a response type of HTTP streams",
        ),
        (
            "@app.function_name('f')\n@app.http_type('function')\n"
            "@app.generic_trigger(arg_name='req', type='httpTrigger', route='a')\n"
            "@app.generic_output_binding(arg_name='res', type='http')\n"
            "def f(req: Request, res: func.Out[func.HttpResponse]) -> None: ...\n",
            "its HTTP output 'res' is a func.Out parameter, but with HTTP streams the response is the function's",
        ),
    ],
    ids=["plain-request-beside-streams", "plain-response", "out-http-output"],
)
def test_plain_http_types_do_not_load_in_stream_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, message: str
) -> None:
    monkeypatch.setenv(INIT_INDEXING, "1")
    with pytest.raises(FunctionDefinitionError) as info:
        load(tmp_path, body)
    assert str(info.value).startswith("Function 'f': ") and message in str(info.value) and "Fix:" in str(info.value)


@BEFORE_313
@pytest.mark.parametrize("setting", [None, "0"])
def test_stream_types_without_the_setting_name_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str | None
) -> None:
    if setting is not None:
        monkeypatch.setenv(INIT_INDEXING, setting)
    with pytest.raises(FunctionDefinitionError) as info:
        load(tmp_path, "@app.route(route='a')\nasync def f(req: Request) -> StreamingResponse: ...\n")
    text = str(info.value)
    assert "parameter 'req' is annotated Request, an HTTP-streams type, but HTTP streams are off" in text
    assert f"({INIT_INDEXING} is not set to true)" in text
    assert f'Fix: add "{INIT_INDEXING}": "1" to Values in local.settings.json' in text


@BEFORE_313
def test_plain_functions_are_untouched_when_the_setting_is_off(tmp_path: Path) -> None:
    app = load(tmp_path, "@app.route(route='a')\ndef f(req: func.HttpRequest) -> func.HttpResponse: ...\n")
    assert [f.http_stream for f in app.functions] == [False]


def test_fastapi_types_without_the_extension_do_not_load(tmp_path: Path) -> None:
    """In a fresh process (the extension is imported in this one): FastAPI's own Request, no extension."""
    source = """
import azure.functions as func
from fastapi import Request
from fastapi.responses import StreamingResponse
app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

@app.route(route="a")
async def f(req: Request) -> StreamingResponse: ...
"""
    root = write_app(tmp_path / "noext", source, settings={INIT_INDEXING: "1"})
    listed = run_cli(["functions", "list"], cwd=root)
    assert listed.returncode == 2, listed.stdout + listed.stderr
    assert "Function 'f': its parameter 'req' is annotated Request, an HTTP-streams type" in listed.stderr
    assert "function_app.py does not import azurefunctions.extensions.http.fastapi" in listed.stderr
    assert "Fix: import Request from azurefunctions.extensions.http.fastapi" in listed.stderr
