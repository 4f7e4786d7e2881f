"""The compat corpus: apps under tests/compat/apps/ written the way Azure's samples and the Python worker's e2e apps
are written, each copied unchanged (the host writes its keys into the app folder) and run through a real
`funchost start` subprocess, then exercised over HTTP and, for RabbitMQ, the real shared broker.

- v1_flask_wrapper: Microsoft's Flask-on-Functions pattern (a v1 catch-all function importing FlaskApp from the
  app root, routePrefix "").
- admin_route_beside_healthy / unsupported_beside_healthy: one function Azure would put in error beside healthy
  ones — the app starts, says why, and lists the errored function everywhere.
- v1_errors_beside_healthy: v1 folders in the Python worker's e2e style (scriptFile main.py), one with a blob input
  binding whose storage connection is not set and one whose import fails, beside a healthy one.
- rabbitmq_via_host_json: a RabbitMQ trigger and output without connectionStringSetting (host.json carries it).
- trailing_commas_v1: comments and trailing commas in host.json, local.settings.json and function.json, which the
  Functions host accepts (runs once funchost's JSON reading accepts them; skipped until then).
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import aio_pika
import httpx
import pytest

from funchost.errors import HostJsonError
from funchost.metadata.host_config import load_host_config
from tests.services_support import RABBITMQ_URL
from tests.support.hostproc import HostProcess, free_port, run_cli
from tests.support.waiting import until

APPS = Path(__file__).parent / "apps"
MASTER = "corpus-master-key"


def copy_app(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(APPS / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__")))


def admin(host: HostProcess, path: str) -> httpx.Response:
    return httpx.get(f"{host.base_url}/admin/{path}", headers={"x-functions-key": MASTER}, timeout=5)


def test_v1_flask_wrapper_imports_flaskapp_from_the_app_root(tmp_path: Path) -> None:
    with HostProcess(copy_app("v1_flask_wrapper", tmp_path)) as host:
        host.wait_ready()
        assert httpx.get(f"{host.base_url}/hello/Chris").text == "hello Chris"
        assert httpx.get(f"{host.base_url}/module").text == "loaded from FlaskApp.package.module = hi"
        assert httpx.get(f"{host.base_url}/").text.startswith("Try /hello/Chris")
        assert httpx.get(f"{host.base_url}/healthz").json()["status"] == "Healthy"  # host paths stay the host's
        assert host.terminate() == 0


def test_an_admin_prefixed_route_is_in_error_and_the_rest_serves(tmp_path: Path) -> None:
    root = copy_app("admin_route_beside_healthy", tmp_path)
    with HostProcess(root, env={"FUNCHOST_MASTER_KEY": MASTER}) as host:
        host.wait_ready()
        assert httpx.get(f"{host.base_url}/api/products/7").text == "product 7"
        banner = host.output()  # the errors are logged before the host turns ready
        assert "The 'create_product' function is in error: route 'admin/products'" in banner
        assert "\tget_product: [GET] http://127.0.0.1" in banner and "\tnightly_cleanup: timerTrigger" in banner
        assert "\tcreate_product: [Error] route 'admin/products' starts with 'admin'" in banner
        assert "1 function is in error and not running" in banner
        listed = {entry["name"]: entry for entry in admin(host, "functions").json()}
        assert set(listed) == {"get_product", "nightly_cleanup", "create_product"}
        assert "admin" in listed["create_product"]["error"] and "error" not in listed["get_product"]
        assert admin(host, "functions/create_product/status").json()["errors"][0].startswith("route 'admin/products'")
        assert admin(host, "functions/get_product/status").json() == {"errors": []}
        assert admin(host, "functions/nope/status").status_code == 404
        assert "create_product" in admin(host, "host/status").json()["functionErrors"]
        ready = httpx.get(f"{host.base_url}/readyz").json()
        assert ready["status"] == "Ready" and "create_product" in ready["functionErrors"]
        assert host.metric("funchost_function_errors", function="create_product") == 1.0
        assert host.terminate() == 0
    listing = json.loads(run_cli(["functions", "list", "--json"], cwd=root).stdout)
    entries = {entry["name"]: entry for entry in listing["functions"]}
    assert "Fix: choose a route" in entries["create_product"]["error"] and "error" not in entries["get_product"]


def test_strict_restores_all_or_nothing(tmp_path: Path) -> None:
    root = copy_app("admin_route_beside_healthy", tmp_path)
    result = run_cli(["start", "--port", str(free_port()), "--strict"], cwd=root)
    assert result.returncode == 2 and "Function 'create_product': route 'admin/products'" in result.stderr
    from_setting = run_cli(["start", "--port", str(free_port())], cwd=root, env={"FUNCHOST_STRICT": "true"})
    assert from_setting.returncode == 2, from_setting.stderr
    listing = run_cli(["functions", "list", "--json", "--strict"], cwd=root)
    assert listing.returncode == 2 and "create_product" in listing.stderr


def test_unsupported_bindings_are_one_line_each_and_the_rest_serves(tmp_path: Path) -> None:
    with HostProcess(copy_app("unsupported_beside_healthy", tmp_path)) as host:
        host.wait_ready()
        assert httpx.get(f"{host.base_url}/api/hello", params={"name": "Ada"}).text == "Hello, Ada."
        lines = [line for line in host.output().splitlines() if "function is in error:" in line]
        expected = {
            "on_items_changed": "(cosmosDBTrigger) is Azure Cosmos DB, which funchost does not host",
            "on_telemetry": "(eventHubTrigger) is Azure Event Hubs, which funchost does not host",
            "on_todo_changed": "(sqlTrigger) is Azure SQL, which funchost does not host",
            "hello_orchestrator": "the whole orchestration model",
        }
        assert len(lines) == len(expected), lines
        for name, text in expected.items():
            (line,) = [line for line in lines if f"The '{name}' function is in error:" in line]
            assert text in line, line
        assert "SqlConnectionString" not in host.output()  # not demanded before saying SQL is not hosted
        assert host.terminate() == 0


def test_v1_folders_in_error_beside_a_healthy_one(tmp_path: Path) -> None:
    env = {"FUNCHOST_MASTER_KEY": MASTER, "AzureWebJobsStorage": ""}
    with HostProcess(copy_app("v1_errors_beside_healthy", tmp_path), env=env) as host:
        host.wait_ready()
        response = httpx.get(f"{host.base_url}/api/return_http", headers={"x-functions-key": MASTER})
        assert response.text == "<h1>Hello World™</h1>" and response.headers["content-type"].startswith("text/html")
        output = host.output()
        # The blob input is hosted (docs/blob.md); without AzureWebJobsStorage its connection cannot be resolved.
        assert "\tget_blob_as_str: [Error] " in output and "uses connection 'AzureWebJobsStorage'" in output
        assert "\tbroken_import: [Error] " in output and "broken_import/main.py:2" in output
        assert "No module named 'FlaskApp'" in output and "requirements.txt" in output  # no such folder here
        statuses = {
            n: admin(host, f"functions/{n}/status").json()["errors"] for n in ("get_blob_as_str", "return_http")
        }
        assert len(statuses["get_blob_as_str"]) == 1 and statuses["return_http"] == []
        assert host.terminate() == 0


@pytest.mark.rabbitmq
async def test_rabbitmq_trigger_and_output_use_the_host_json_connection(tmp_path: Path, rabbitmq: str) -> None:
    jobs, done = f"jobs-{uuid.uuid4().hex}", f"done-{uuid.uuid4().hex}"
    env = {"JobsQueue": jobs, "DoneQueue": done}
    if RABBITMQ_URL != "amqp://guest:guest@127.0.0.1:5672/":  # the broker is elsewhere: override as Azure allows
        env["AzureFunctionsJobHost__extensions__rabbitMQ__connectionString"] = RABBITMQ_URL
    connection = await aio_pika.connect(rabbitmq)
    try:
        channel = await connection.channel()
        await channel.declare_queue(jobs, durable=False, auto_delete=False)
        out = await channel.declare_queue(done, durable=False, auto_delete=False)
        with HostProcess(copy_app("rabbitmq_via_host_json", tmp_path), env=env) as host:
            host.wait_ready()
            await channel.default_exchange.publish(aio_pika.Message(b"job-1"), routing_key=jobs)
            got: list[bytes] = []

            async def output_arrived() -> bool:
                message = await out.get(fail=False)
                if message is not None:
                    got.append(message.body)
                    await message.ack()
                return bool(got)

            await until(output_arrived, within=30, what=f"the function's output on {done}")
            assert got == [b"done:job-1"]
            assert host.terminate() == 0
        await channel.queue_delete(jobs)
        await channel.queue_delete(done)
    finally:
        await connection.close()


def _lenient_json_supported(tmp_path: Path) -> bool:
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / "host.json").write_text('{"version": "2.0",}', encoding="utf-8")
    try:
        load_host_config(probe, {})
    except HostJsonError:
        return False
    return True


def test_trailing_commas_and_comments_as_azure_accepts_them(tmp_path: Path) -> None:
    if not _lenient_json_supported(tmp_path):
        pytest.skip("funchost does not read JSON with comments / trailing commas yet (another change adds it)")
    with HostProcess(copy_app("trailing_commas_v1", tmp_path)) as host:
        host.wait_ready()
        assert httpx.get(f"{host.base_url}/api/HttpExample", params={"name": "v1"}).text == "Hello, v1."
        assert host.terminate() == 0
