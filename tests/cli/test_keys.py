"""`funchost keys list`: the keys a real `funchost start` enforces, where they come from, and URLs that work."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from tests.support.apps import write_app
from tests.support.hostproc import HostProcess, run_cli

APP = """
import azure.functions as func

app = func.FunctionApp()


@app.route(route="hello")
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("hi " + req.params.get("name", "world"))


@app.route(route="open", auth_level=func.AuthLevel.ANONYMOUS)
def open_one(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("open")


@app.route(route="ops", auth_level=func.AuthLevel.ADMIN)
def ops(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("ops")
"""


def _json(root: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    done = run_cli(["keys", "list", "--json", *args], cwd=root, env=env)
    assert done.returncode == 0, done.stderr
    doc: dict[str, Any] = json.loads(done.stdout)
    return doc


def test_the_listed_urls_and_keys_are_the_ones_the_host_enforces(tmp_path: Path) -> None:
    root = write_app(tmp_path / "app", APP)
    with HostProcess(root) as host:
        host.wait_ready()
        doc = _json(root, "--port", str(host.port))
        text = run_cli(["keys", "list", "--port", str(host.port)], cwd=root)
        by_name = {f["name"]: f for f in doc["functions"]}
        stored = json.loads((root / ".funchost" / "keys.json").read_text(encoding="utf-8"))
        assert doc["sources"] == [str(root / ".funchost" / "keys.json")]
        assert doc["masterKey"] == stored["masterKey"] and doc["hostKeys"] == stored["hostKeys"]
        assert by_name["hello"]["key"] == stored["functionKeys"]["hello"]["default"]
        assert by_name["ops"]["key"] == stored["masterKey"] and by_name["open_one"]["key"] is None
        assert [f["authLevel"] for f in doc["functions"]] == ["function", "anonymous", "admin"]
        for function in doc["functions"]:
            url = function["url"]
            params = {"code": function["key"]} if function["key"] else {}
            assert httpx.get(url, params=params, timeout=10).status_code == 200, function
            assert f"{function['url']}?code={function['key']}" in text.stdout or function["key"] is None
    assert text.returncode == 0 and f"Keys of {root} (from {root / '.funchost' / 'keys.json'})" in text.stdout
    assert "(anonymous: no key needed)" in text.stdout


def test_keys_from_the_environment_are_listed_with_their_source(tmp_path: Path) -> None:
    root = write_app(tmp_path / "app", APP)
    env = {"FUNCHOST_MASTER_KEY": "m-key", "FUNCHOST_FUNCTION_KEY_HELLO": "hello-key"}

    doc = _json(root, "--function", "hello", env=env)

    assert doc["sources"][0] == "environment (FUNCHOST_FUNCTION_KEY_HELLO, FUNCHOST_MASTER_KEY)"
    assert doc["masterKey"] == "m-key" and doc["functions"][0]["key"] == "hello-key"
    assert doc["functions"][0]["url"] == "http://127.0.0.1:7071/api/hello"


def test_value_prints_only_the_key_to_call_one_function_with(tmp_path: Path) -> None:
    root = write_app(tmp_path / "app", APP)

    done = run_cli(["keys", "list", "--function", "HELLO", "--value"], cwd=root, env={"FUNCHOST_HOST_KEY": "h"})

    stored = json.loads((root / ".funchost" / "keys.json").read_text(encoding="utf-8"))
    assert done.returncode == 0 and done.stdout == stored["functionKeys"]["hello"]["default"] + "\n"


def test_mistakes_are_named_with_the_fix(tmp_path: Path) -> None:
    root = write_app(tmp_path / "app", APP)

    no_function = run_cli(["keys", "list", "--value"], cwd=root)
    unknown = run_cli(["keys", "list", "--function", "nope"], cwd=root)
    anonymous = run_cli(["keys", "list", "--function", "open_one", "--value"], cwd=root)

    assert no_function.returncode == 2 and "Fix: add --function NAME" in no_function.stderr
    assert (
        unknown.returncode == 2
        and "no HTTP function 'nope'. Its HTTP functions: hello, open_one, ops" in unknown.stderr
    )
    assert anonymous.returncode == 2 and "auth level 'anonymous': it needs no key" in anonymous.stderr
