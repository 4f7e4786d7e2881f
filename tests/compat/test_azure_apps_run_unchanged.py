"""Apps written for Azure run unchanged through `funchost start` (a real subprocess, real HTTP):
the Core Tools templates via `funchost init`/`new`, a blueprint app, an AsgiFunctionApp wrapping FastAPI with
a lifespan, a WsgiFunctionApp wrapping Flask, and a v1 function.json app."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.support.apps import write_app
from tests.support.hostproc import HostProcess, run_cli


def test_init_and_new_templates_then_start(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    assert run_cli(["init", str(project)], cwd=tmp_path).returncode == 0
    created = run_cli(
        ["new", "--template", "HTTP trigger", "--name", "greet", "-p", "auth_level=ANONYMOUS"], cwd=project
    )
    assert created.returncode == 0, created.stderr
    timer = run_cli(["new", "--template", "timer", "--name", "tick", "-p", "schedule=*/1 * * * * *"], cwd=project)
    assert timer.returncode == 0, timer.stderr
    listing = run_cli(["functions", "list", "--json"], cwd=project)
    doc = json.loads(listing.stdout)
    assert [f["name"] for f in doc["functions"]] == ["greet", "tick"]
    assert doc["functions"][1]["concurrency"] == 1
    with HostProcess(project, env={"AzureWebJobsStorage": ""}) as host:
        host.wait_ready()
        response = httpx.get(f"{host.base_url}/api/greet", params={"name": "Ada"})
        assert response.status_code == 200 and "Ada" in response.text
        host.wait_metric("funchost_invocations_total", 1, function="tick", outcome="success")
        assert host.terminate() == 0


BLUEPRINT_AND_FASTAPI = """
import azure.functions as func
from contextlib import asynccontextmanager
from fastapi import FastAPI

state = {}

@asynccontextmanager
async def lifespan(api):
    state["started"] = True
    yield

api = FastAPI(lifespan=lifespan)

@api.get("/api/items/{item_id}")
async def read_item(item_id: int, q: str | None = None) -> dict:
    return {"item_id": item_id, "q": q, "started": state.get("started", False)}

app = func.AsgiFunctionApp(app=api, http_auth_level=func.AuthLevel.ANONYMOUS)
"""


def test_asgi_function_app_wrapping_fastapi(tmp_path: Path) -> None:
    root = write_app(tmp_path / "fastapi_app", BLUEPRINT_AND_FASTAPI)
    with HostProcess(root) as host:
        host.wait_ready()
        body = httpx.get(f"{host.base_url}/api/items/7", params={"q": "x"}).json()
        assert body == {"item_id": 7, "q": "x", "started": True}
        assert httpx.get(f"{host.base_url}/api/items/seven").status_code == 422  # FastAPI's own validation
        assert host.terminate() == 0


def test_wsgi_function_app_wrapping_flask(tmp_path: Path) -> None:
    source = """
    import azure.functions as func
    from flask import Flask, request
    flask_app = Flask(__name__)

    @flask_app.route("/api/echo", methods=["POST"])
    def echo():
        return {"got": request.get_json()["value"]}

    app = func.WsgiFunctionApp(app=flask_app.wsgi_app, http_auth_level=func.AuthLevel.ANONYMOUS)
    """
    with HostProcess(write_app(tmp_path / "flask_app", source)) as host:
        host.wait_ready()
        assert httpx.post(f"{host.base_url}/api/echo", json={"value": 3}).json() == {"got": 3}
        assert host.terminate() == 0


def test_blueprint_app(tmp_path: Path) -> None:
    root = write_app(
        tmp_path / "bp_app",
        """
        import azure.functions as func
        from routes import bp
        app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
        app.register_functions(bp)
        """,
        files={
            "routes.py": """
            import azure.functions as func
            bp = func.Blueprint()

            @bp.route(route="bp/{name}")
            def named(req: func.HttpRequest) -> func.HttpResponse:
                return func.HttpResponse("bp:" + req.route_params["name"])
            """
        },
    )
    with HostProcess(root) as host:
        host.wait_ready()
        assert httpx.get(f"{host.base_url}/api/bp/zed").text == "bp:zed"
        assert host.terminate() == 0


def test_v1_function_json_app(tmp_path: Path) -> None:
    root = write_app(
        tmp_path / "v1",
        files={
            "HttpTrigger1/function.json": json.dumps(
                {
                    "scriptFile": "__init__.py",
                    "bindings": [
                        {
                            "authLevel": "anonymous",
                            "type": "httpTrigger",
                            "direction": "in",
                            "name": "req",
                            "methods": ["get", "post"],
                        },
                        {"type": "http", "direction": "out", "name": "$return"},
                    ],
                }
            ),
            "HttpTrigger1/__init__.py": """
            import logging
            import azure.functions as func

            def main(req: func.HttpRequest) -> func.HttpResponse:
                logging.info('Python HTTP trigger function processed a request.')
                name = req.params.get('name')
                return func.HttpResponse(f"Hello, {name}. This HTTP triggered function executed successfully.")
            """,
        },
    )
    with HostProcess(root) as host:
        host.wait_ready()
        assert httpx.get(f"{host.base_url}/api/HttpTrigger1", params={"name": "v1"}).text.startswith("Hello, v1.")
        assert host.terminate() == 0
