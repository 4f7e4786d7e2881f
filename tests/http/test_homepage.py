"""The host's home page (funchost/http/homepage.py), driven over ASGI: `/` answers 200 HTML for any method when no
function serves it, 204 when AzureWebJobsDisableHomepage is true, and a function routed at `/` wins."""

from __future__ import annotations

import pytest

from tests.http.conftest import BuildApp, serve

APP = """
import azure.functions as func
app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

@app.route(route="hello")
def hello(req: func.HttpRequest) -> str:
    return "hello"
"""

ROOT_APP = """
import azure.functions as func
app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

@app.route(route="", methods=["GET"])
def root(req: func.HttpRequest) -> str:
    return "the app's own root"
"""


@pytest.mark.parametrize("method", ["GET", "POST", "HEAD"])
async def test_the_root_answers_the_home_page_for_any_method(build_app: BuildApp, method: str) -> None:
    async with serve(build_app(APP).app) as client:
        response = await client.request(method, "/")
        elsewhere = await client.get("/nothing-here")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert method == "HEAD" or "up and running" in response.text
    assert elsewhere.status_code == 404  # only the root is the home page


@pytest.mark.parametrize("value", ["true", "True", " TRUE "])
async def test_azure_web_jobs_disable_homepage_answers_204(build_app: BuildApp, value: str) -> None:
    async with serve(build_app(APP, env={"AzureWebJobsDisableHomepage": value}).app) as client:
        response = await client.get("/")
    assert (response.status_code, response.content) == (204, b"")


async def test_other_values_keep_the_home_page(build_app: BuildApp) -> None:
    async with serve(build_app(APP, env={"AzureWebJobsDisableHomepage": "1"}).app) as client:
        response = await client.get("/")
    assert response.status_code == 200  # the host compares with "True" only


async def test_a_function_routed_at_the_root_wins(build_app: BuildApp) -> None:
    host_json = {"version": "2.0", "extensions": {"http": {"routePrefix": ""}}}
    async with serve(build_app(ROOT_APP, host_json=host_json).app) as client:
        get = await client.get("/")
        post = await client.post("/")
    assert get.text == "the app's own root"
    assert post.status_code == 405  # the function claims `/`; its other methods are not the home page
