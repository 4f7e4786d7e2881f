"""Disabled functions through `funchost start`, as Azure disables them (funchost/metadata/disabled.py): the app
setting `AzureWebJobs.<name>.Disabled` and function.json's `"disabled"`. A disabled HTTP route answers 404 unless
the master key is given, a disabled trigger does not fire but the admin API still runs it, and the admin API lists
it with isDisabled. No external service: timers without storage."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.apps import write_app
from tests.support.hostproc import HostProcess, run_cli

MASTER = "disabled-master-key-0123456789abcdef"

APP = """
import os
import azure.functions as func
app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

def record(line):
    with open(os.environ["RECORD"], "a") as out:
        out.write(line + "\\n")

@app.route(route="hello")
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("hello")

@app.route(route="open")
def still_open(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("open")

@app.schedule(schedule="00:00:01", arg_name="t", run_on_startup=True)
def tick(t: func.TimerRequest) -> None:
    record("tick")

@app.schedule(schedule="00:00:01", arg_name="t")
def control(t: func.TimerRequest) -> None:
    record("control")
"""


def test_disabled_functions_do_not_run_but_the_master_key_still_runs_them(tmp_path: Path) -> None:
    record = tmp_path / "record.txt"
    root = write_app(tmp_path / "app", APP)
    env = {"RECORD": str(record), "AzureWebJobsStorage": "", "FUNCHOST_MASTER_KEY": MASTER}
    env |= {"AzureWebJobs.hello.Disabled": "true", "AzureWebJobs.TICK.Disabled": "1"}  # names: case-insensitive
    with HostProcess(root, env=env) as host:
        host.wait_ready()
        assert httpx.get(f"{host.base_url}/api/open").text == "open"
        assert httpx.get(f"{host.base_url}/api/hello").status_code == 404
        assert httpx.get(f"{host.base_url}/api/hello", params={"code": "wrong"}).status_code == 404
        master = httpx.get(f"{host.base_url}/api/hello", headers={"x-functions-key": MASTER})
        assert (master.status_code, master.text) == (200, "hello")
        host.wait_metric("funchost_invocations_total", 3, function="control", outcome="success")
        assert "tick" not in record.read_text().split(), "a disabled timer (run_on_startup too) does not fire"
        listed = httpx.get(f"{host.base_url}/admin/functions", headers={"x-functions-key": MASTER}).json()
        assert {f["name"]: f["isDisabled"] for f in listed} == {
            "hello": True,
            "still_open": False,
            "tick": True,
            "control": False,
        }
        ran = httpx.post(
            f"{host.base_url}/admin/functions/tick", json={"input": ""}, headers={"x-functions-key": MASTER}
        )
        assert ran.status_code == 202
        host.wait_metric("funchost_invocations_total", 1, function="tick", outcome="success")
        assert "Function 'tick' is disabled (app setting AzureWebJobs.tick.Disabled)" in host.output()
        assert "tick: timerTrigger [Disabled: app setting AzureWebJobs.tick.Disabled]" in host.output()
        assert httpx.get(f"{host.base_url}/readyz").status_code == 200
        assert host.terminate() == 0


def test_a_disabled_setting_that_is_not_a_boolean_names_the_setting(tmp_path: Path) -> None:
    root = write_app(tmp_path / "app", APP)
    result = run_cli(["functions", "list"], root, env={"AzureWebJobs.hello.Disabled": "yes"})
    assert "app setting AzureWebJobs.hello.Disabled is 'yes'; expected true or false" in result.stdout + result.stderr


FUNCTION_JSON = (
    '{"disabled": %s, "bindings": [{"type": "httpTrigger", "direction": "in", "name": "req", '
    '"authLevel": "anonymous"}, {"type": "http", "direction": "out", "name": "$return"}]}'
)
HANDLER = "import azure.functions as func\ndef main(req):\n    return func.HttpResponse('v1')\n"


def test_function_json_disabled_true_or_a_setting_name(tmp_path: Path) -> None:
    files = {
        "Off/function.json": FUNCTION_JSON % "true",
        "Off/__init__.py": HANDLER,
        "BySetting/function.json": FUNCTION_JSON % '"IS_DISABLED"',
        "BySetting/__init__.py": HANDLER,
        "On/function.json": FUNCTION_JSON % "false",
        "On/__init__.py": HANDLER,
    }
    root = write_app(tmp_path / "v1", files=files)
    with HostProcess(root, env={"IS_DISABLED": "true", "FUNCHOST_MASTER_KEY": MASTER}) as host:
        host.wait_ready()
        status = {name: httpx.get(f"{host.base_url}/api/{name}").status_code for name in ("Off", "BySetting", "On")}
        assert status == {"Off": 404, "BySetting": 404, "On": 200}
        assert httpx.get(f"{host.base_url}/api/Off", headers={"x-functions-key": MASTER}).text == "v1"
        assert host.terminate() == 0
