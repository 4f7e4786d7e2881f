"""The warmup trigger through real `funchost start` subprocesses: with FUNCHOST_WARMUP (what the scale controller
sets on the workers it adds) the `warmup` function runs once before the host serves; without it only
`/admin/warmup` (master key) runs it; a failing one is logged and the host starts anyway; a warmupTrigger function
with another name is never run and the host says so."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.apps import write_app
from tests.support.hostproc import HostProcess

MASTER = "warmup-master-key"
APP = """
import os, pathlib
import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
RECORD = pathlib.Path(os.environ["RECORD"])
STATE = {"warm": False}

@app.warm_up_trigger("warmup")
def warmup(warmup) -> None:
    with RECORD.open("a") as out:
        out.write(type(warmup).__name__ + "\\n")
    if os.environ.get("WARMUP_FAILS"):
        raise RuntimeError("the cache could not be loaded")
    STATE["warm"] = True

@app.route(route="state")
def state(req: func.HttpRequest) -> str:
    return "warm" if STATE["warm"] else "cold"
"""

MISNAMED = """
import logging
import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

@app.function_name(name="prepare")
@app.warm_up_trigger("warmup")
def prepare(warmup) -> None:
    logging.info("prepare ran")
"""


def runs(record: Path) -> list[str]:
    return record.read_text().splitlines() if record.exists() else []


def env(record: Path, **extra: str) -> dict[str, str]:
    return {"RECORD": str(record), "FUNCHOST_MASTER_KEY": MASTER, "AzureWebJobsStorage": ""} | extra


def test_an_added_instance_runs_warmup_once_before_it_serves(tmp_path: Path) -> None:
    record = tmp_path / "warmups.txt"
    with HostProcess(write_app(tmp_path / "app", APP), env=env(record, FUNCHOST_WARMUP="1")) as host:
        host.wait_ready()
        assert runs(record) == ["WarmUpContext"]  # the worker's WarmUpTriggerConverter value
        assert httpx.get(f"{host.base_url}/api/state").text == "warm"  # the first request found it warm
        assert "this instance is warm" in host.output()
        assert host.terminate() == 0
    assert runs(record) == ["WarmUpContext"], "once per instance"


def test_without_the_setting_only_admin_warmup_runs_it(tmp_path: Path) -> None:
    record = tmp_path / "warmups.txt"
    with HostProcess(write_app(tmp_path / "app", APP), env=env(record)) as host:
        host.wait_ready()
        assert runs(record) == [] and httpx.get(f"{host.base_url}/api/state").text == "cold"
        assert httpx.get(f"{host.base_url}/admin/warmup").status_code == 401  # the admin API: master key only
        ran = httpx.post(f"{host.base_url}/admin/warmup", headers={"x-functions-key": MASTER})
        assert ran.status_code == 200 and runs(record) == ["WarmUpContext"]  # answered once it has run
        assert httpx.get(f"{host.base_url}/api/state").text == "warm"
        assert host.terminate() == 0


def test_a_failing_warmup_is_logged_and_the_instance_starts(tmp_path: Path) -> None:
    record = tmp_path / "warmups.txt"
    settings = env(record, FUNCHOST_WARMUP="1", WARMUP_FAILS="1")
    with HostProcess(write_app(tmp_path / "app", APP), env=settings) as host:
        host.wait_ready()
        assert runs(record) == ["WarmUpContext"]
        assert httpx.get(f"{host.base_url}/api/state").text == "cold"
        output = host.output()
        assert "The warmup function 'warmup' failed; the instance starts anyway" in output
        assert "the cache could not be loaded" in output
        failed = httpx.get(f"{host.base_url}/admin/warmup", headers={"x-functions-key": MASTER})
        assert failed.status_code == 500
        assert host.terminate() == 0


def test_a_misnamed_warmup_function_never_runs_and_is_named(tmp_path: Path) -> None:
    root = write_app(tmp_path / "app", MISNAMED)
    with HostProcess(root, env={"FUNCHOST_WARMUP": "1", "FUNCHOST_MASTER_KEY": MASTER}) as host:
        host.wait_ready()
        answer = httpx.get(f"{host.base_url}/admin/warmup", headers={"x-functions-key": MASTER})
        assert answer.status_code == 200  # no function is the warmup function: nothing runs, as on Azure
        output = host.output()
        assert "Function 'prepare' has a warmupTrigger but is not named 'warmup'" in output
        assert "prepare ran" not in output
        assert host.terminate() == 0
