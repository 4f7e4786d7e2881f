"""`funchost scale run --http-pods SELECTOR` — what `kubernetes deploy --scaler builtin` runs for the HTTP
Deployment — as a real process against the Kubernetes API stand-in (tests/support/kube_standin.py: kmock's
emulator over HTTP, not a real cluster) whose one pod's `/metrics` is a real `funchost start` worker."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import httpx
import pytest
from kmock import KubernetesEmulator

from tests.cli.test_kubernetes_scale_run import wait_for
from tests.scale_controller.scalers.test_http_pods import (
    DEPLOYMENT,
    NS,
    OUTSTANDING_METRIC,
    PODS,
    SELECTOR,
    SOURCE,
    deployment,
    pod,
)
from tests.services_support import ROOT
from tests.support.apps import write_app
from tests.support.hostproc import HostProcess
from tests.support.kube_standin import DEPLOYMENTS, ApplyingEmulator, serve_scale_subresource

pytestmark = pytest.mark.kmock(cls=ApplyingEmulator)


async def test_scale_run_keeps_one_replica_and_scales_on_requests_in_flight(
    kmock: KubernetesEmulator, tmp_path: Path
) -> None:
    release = tmp_path / "release"
    host_json = {"version": "2.0", "extensions": {"http": {"maxConcurrentRequests": 2}}}  # target 2 per pod
    app = write_app(tmp_path / "app", SOURCE, host_json=host_json, settings={"FUNCTIONS_WORKER_RUNTIME": "python"})
    kmock.objects[DEPLOYMENTS, NS, DEPLOYMENT] = deployment(replicas=0)
    serve_scale_subresource(kmock)

    def replicas() -> int:
        return int(kmock.objects[DEPLOYMENTS, NS, DEPLOYMENT]["spec"]["replicas"])

    status_file = tmp_path / "status.json"
    with HostProcess(app, env={"RELEASE_FILE": str(release)}) as worker:
        worker.wait_ready()
        kmock.objects[PODS, NS, "shop-http-a"] = pod("shop-http-a", worker.port)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "funchost.cli.main", "scale", "run", "--target", "kubernetes",
            "--server", str(kmock.url).rstrip("/"), "--namespace", NS, "--deployment", DEPLOYMENT,
            "--script-root", str(app), "--http-pods", SELECTOR, "--min-replicas", "0", "--max-replicas", "4",
            "--polling-interval", "0.5", "--status-file", str(status_file),
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        try:
            await wait_for(lambda: replicas() == 1, 30)  # --min-replicas 0 is raised to 1: nothing holds requests
            async with httpx.AsyncClient(timeout=60) as client:
                held = [asyncio.create_task(client.get(f"{worker.base_url}/api/slow")) for _ in range(3)]
                await asyncio.to_thread(worker.wait_metric, OUTSTANDING_METRIC, 3)  # 2 run, 1 waits
                await wait_for(lambda: replicas() == 2, 30)  # ceil(3 / 2)
                document = json.loads(status_file.read_text())
                release.touch()
                assert [r.status_code for r in await asyncio.gather(*held)] == [200] * 3
        except BaseException:
            process.kill()
            raise
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, output.decode()
    assert f"on HTTP in flight on pods {SELECTOR}: replicas 1..4" in output.decode()
    (row,) = document["triggers"]
    assert (row["trigger"], row["target"]) == ("httpTrigger", 2)
