"""`funchost scale run --target kubernetes` — what `kubernetes deploy --scaler builtin` runs in the cluster — as a
real process: it measures a real queue on Azurite and scales a Deployment on the stand-in API server
(tests/support/kube_standin.py: kmock's emulator over HTTP with the `/scale` subresource; not a real cluster)."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from azure.storage.queue.aio import QueueClient
from kmock import KubernetesEmulator

from tests.services_support import ROOT
from tests.support.apps import write_app
from tests.support.kube_standin import DEPLOYMENTS, ApplyingEmulator, serve_scale_subresource

pytestmark = [pytest.mark.azurite, pytest.mark.kmock(cls=ApplyingEmulator)]
NS = "jobs"
SOURCE = """
import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="%WORK_QUEUE%", connection="AzureWebJobsStorage")
def work(msg: func.QueueMessage) -> None:
    pass
"""
HOST_JSON = {"version": "2.0", "extensions": {"queues": {"batchSize": 2, "newBatchThreshold": 0}}}  # target 2


async def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {seconds} s")
        await asyncio.sleep(0.2)


async def test_scale_run_scales_the_deployment_on_the_queue_backlog(
    kmock: KubernetesEmulator, azurite: str, unique_name: str, tmp_path: Path
) -> None:
    app = write_app(
        tmp_path / "app",
        SOURCE,
        host_json=HOST_JSON,
        settings={"FUNCTIONS_WORKER_RUNTIME": "python", "AzureWebJobsStorage": azurite, "WORK_QUEUE": unique_name},
    )
    kmock.objects[DEPLOYMENTS, NS, "work"] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "work", "namespace": NS, "resourceVersion": "1"},
        "spec": {"replicas": 0},
    }
    serve_scale_subresource(kmock)
    queue = QueueClient.from_connection_string(azurite, unique_name)
    await queue.create_queue()
    for i in range(10):
        await queue.send_message(str(i))
    status_file = tmp_path / "status.json"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "funchost.cli.main", "scale", "run", "--target", "kubernetes",
        "--server", str(kmock.url).rstrip("/"), "--namespace", NS, "--deployment", "work",
        "--script-root", str(app), "--polling-interval", "0.5", "--max-replicas", "4", "--cooldown-period", "1",
        "--status-file", str(status_file),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:

        def replicas() -> int:
            return int(kmock.objects[DEPLOYMENTS, NS, "work"]["spec"]["replicas"])

        await wait_for(lambda: replicas() == 4, 30)  # 10 messages / target 2 = 5, capped at --max-replicas 4
        document = json.loads(status_file.read_text())
        assert document["target"] == f"deployment/{NS}/work"
        assert document["triggers"][0]["target"] == 2
        await queue.clear_messages()
        await wait_for(lambda: replicas() == 0, 30)  # no trigger active for the 1 s cooldown: to zero (KEDA's rule)
    except BaseException:
        process.kill()
        raise
    finally:
        await queue.delete_queue()
        await queue.close()
    process.send_signal(signal.SIGTERM)
    output, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, output.decode()
    assert "Scaling deployment/jobs/work on work" in output.decode()
