"""Auth levels end to end: anonymous, function and admin functions × key sources × header vs query."""

from __future__ import annotations

import pytest

from tests.http.conftest import HOST_KEY, MASTER, BuildApp, serve

APP = """
import azure.functions as func

app = func.FunctionApp()


@app.route(route="open", auth_level=func.AuthLevel.ANONYMOUS)
def open_to_all(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("open")


@app.route(route="guarded")
def guarded(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("guarded")


@app.route(route="other", auth_level="function")
def other(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("other")


@app.route(route="ops", auth_level=func.AuthLevel.ADMIN)
def ops(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("ops")
"""

GUARDED_KEY = "guarded-function-key"
OTHER_KEY = "other-function-key"
KEYS_ENV = {
    "FUNCHOST_MASTER_KEY": MASTER,
    "FUNCHOST_HOST_KEY": HOST_KEY,
    "FUNCHOST_FUNCTION_KEY_GUARDED": GUARDED_KEY,
    "FUNCHOST_FUNCTION_KEY_other": OTHER_KEY,
}


@pytest.mark.parametrize(
    ("path", "key", "status"),
    [
        # anonymous: no key needed, a wrong key is ignored
        ("/api/open", None, 200),
        ("/api/open", "wrong", 200),
        # function: the function's own keys, any host key, or the master key
        ("/api/guarded", None, 401),
        ("/api/guarded", "wrong", 401),
        ("/api/guarded", GUARDED_KEY, 200),
        ("/api/guarded", HOST_KEY, 200),
        ("/api/guarded", MASTER, 200),
        ("/api/guarded", OTHER_KEY, 401),  # another function's key
        ("/api/other", OTHER_KEY, 200),
        # admin: the master key only
        ("/api/ops", None, 401),
        ("/api/ops", HOST_KEY, 401),
        ("/api/ops", GUARDED_KEY, 401),
        ("/api/ops", MASTER, 200),
    ],
)
@pytest.mark.parametrize("carrier", ["header", "query"])
async def test_auth_levels(build_app: BuildApp, path: str, key: str | None, status: int, carrier: str) -> None:
    built = build_app(APP, keys_env=KEYS_ENV)
    headers = {"x-functions-key": key} if key and carrier == "header" else {}
    params = {"code": key} if key and carrier == "query" else {}
    async with serve(built.app) as client:
        response = await client.get(path, headers=headers, params=params)
    assert response.status_code == status
    if status == 401:
        _assert_explains(response.text, "admin" if path == "/api/ops" else "function", key_given=key is not None)


def _assert_explains(body: str, level: str, *, key_given: bool) -> None:
    """A 401 says the auth level, whether a key came, how to send one and where the keys are; it names no key."""
    assert f"auth level '{level}'" in body
    assert ("not one that unlocks it" if key_given else "No key was sent") in body
    assert "x-functions-key header" in body and "?code=<key>" in body and "`funchost keys list`" in body
    for key in (*KEYS_ENV.values(), HOST_KEY, MASTER):
        assert key not in body


@pytest.mark.parametrize(
    ("header", "query", "status"),
    [
        ("wrong", GUARDED_KEY, 401),  # the header wins over the query string
        (GUARDED_KEY, "wrong", 200),
        ("", GUARDED_KEY, 200),  # an empty header counts as absent
    ],
)
async def test_header_key_takes_precedence_over_code(build_app: BuildApp, header: str, query: str, status: int) -> None:
    built = build_app(APP, keys_env=KEYS_ENV)
    async with serve(built.app) as client:
        response = await client.get("/api/guarded", headers={"x-functions-key": header}, params={"code": query})
    assert response.status_code == status


async def test_url_encoded_code_parameter(build_app: BuildApp) -> None:
    key = "a+b/c=="
    built = build_app(APP, keys_env={"FUNCHOST_MASTER_KEY": MASTER, "FUNCHOST_HOST_KEY": key})
    async with serve(built.app) as client:
        assert (await client.get("/api/guarded", params={"code": key})).status_code == 200
        assert (await client.get(f"/api/guarded?code={key}")).status_code == 401  # '+' decodes to ' '


async def test_keys_from_the_generated_project_file(build_app: BuildApp) -> None:
    built = build_app(APP, keys_env={})
    guarded_key = built.keys.function_key("guarded")
    assert guarded_key and built.keys.master and guarded_key != built.keys.master
    async with serve(built.app) as client:
        assert (await client.get("/api/guarded", params={"code": guarded_key})).status_code == 200
        assert (await client.get("/api/ops", headers={"x-functions-key": guarded_key})).status_code == 401
        assert (await client.get("/api/ops", headers={"x-functions-key": built.keys.master})).status_code == 200
