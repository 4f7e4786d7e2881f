"""Timer trigger through `funchost start`: runOnStartup, `@app.retry` on timers, manual runs through
POST /admin/functions/{name}, 5-field cron and TimeSpan schedules (no storage: each instance fires)."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.apps import write_app
from tests.support.hostproc import HostProcess

MASTER = "timer-master-key-0123456789abcdef"

APP = """
import os
import azure.functions as func
app = func.FunctionApp()

def record(line):
    with open(os.environ["TIMER_RECORD"], "a") as out:
        out.write(line + "\\n")

@app.schedule(schedule="0 0 0 1 1 *", arg_name="t", run_on_startup=True)
def on_startup(t: func.TimerRequest) -> None:
    record(f"startup past_due={t.past_due}")

@app.schedule(schedule="0 0 0 1 1 *", arg_name="t")
@app.retry(strategy="fixed_delay", max_retry_count="3", delay_interval="00:00:00.200")
def flaky(t: func.TimerRequest, context: func.Context) -> None:
    record(f"flaky retry={context.retry_context.retry_count} max={context.retry_context.max_retry_count}")
    if context.retry_context.retry_count < 2:
        raise RuntimeError("transient")

@app.schedule(schedule="00:00:01", arg_name="t")
def every_second_timespan(t: func.TimerRequest) -> None:
    record("timespan")

@app.schedule(schedule="0 0 1 1 *", arg_name="t")
def yearly_cron(t: func.TimerRequest) -> None:
    record("cron")
"""


def test_timer_behaviours(tmp_path: Path) -> None:
    record = tmp_path / "record.txt"
    root = write_app(tmp_path / "timers", APP)
    env = {"TIMER_RECORD": str(record), "AzureWebJobsStorage": "", "FUNCHOST_MASTER_KEY": MASTER}
    with HostProcess(root, env=env) as host:
        host.wait_ready()
        host.wait_metric("funchost_invocations_total", 1, function="on_startup", outcome="success")
        host.wait_metric("funchost_invocations_total", 2, function="every_second_timespan", outcome="success")
        response = httpx.post(
            f"{host.base_url}/admin/functions/flaky", json={"input": ""}, headers={"x-functions-key": MASTER}
        )
        assert response.status_code == 202
        host.wait_metric("funchost_invocations_total", 1, function="flaky", outcome="success")
        assert host.metric("funchost_invocations_total", function="flaky", outcome="failure") == 2
        assert host.metric("funchost_retries_total", function="flaky") == 2
        unauthorized = httpx.post(f"{host.base_url}/admin/functions/flaky", json={"input": ""})
        assert unauthorized.status_code == 401
        assert host.metric("funchost_invocations_total", function="yearly_cron", outcome="success") == 0
        assert host.terminate() == 0
    lines = record.read_text().splitlines()
    assert "startup past_due=False" in lines
    assert [line for line in lines if line.startswith("flaky")] == [
        "flaky retry=0 max=3",
        "flaky retry=1 max=3",
        "flaky retry=2 max=3",
    ]
