"""The built-in controller's HTTP pods scaler against the Kubernetes API stand-in (tests/support/kube_standin.py:
kmock's emulator over HTTP, not a real cluster) whose pods' `/metrics` are real `funchost start` workers: two
workers of an HTTP app with a function that waits for a release file, registered as pods with their addresses
and container ports, requests held in flight, the sum read and the Deployment scaled through `/scale`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from kmock import KubernetesEmulator, resource

from funchost.http import throttle
from funchost.metrics import HostMetrics
from scale_controller import kube
from scale_controller.loop import ScaleLoop
from scale_controller.policy import Policy
from scale_controller.scalers.base import ScalerError
from scale_controller.scalers.http_pods import (
    IN_FLIGHT_METRIC,
    OUTSTANDING_METRIC,
    HttpPodsScaler,
    PodsQuery,
    http_pods_source,
    in_flight,
)
from scale_controller.targets.kubernetes import KubernetesTarget
from tests.support.apps import write_app
from tests.support.hostproc import HostProcess
from tests.support.kube_standin import DEPLOYMENTS, ApplyingEmulator, serve_scale_subresource
from tests.support.ports import free_port

pytestmark = pytest.mark.kmock(cls=ApplyingEmulator)
NS, DEPLOYMENT = "web", "shop-http"
LABELS = {"app.kubernetes.io/name": DEPLOYMENT, "app.kubernetes.io/instance": "shop"}
SELECTOR = ",".join(f"{k}={v}" for k, v in LABELS.items())
PODS = resource("v1/pods")
MASTER_KEY = "test-master-key"
SOURCE = """
import asyncio
import os
from pathlib import Path

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="slow")
async def slow(req: func.HttpRequest) -> func.HttpResponse:
    while not Path(os.environ["RELEASE_FILE"]).exists():  # held in flight until the test releases it
        await asyncio.sleep(0.02)
    return func.HttpResponse("done")
"""


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[HostProcess], Path]]:
    root = tmp_path_factory.mktemp("http-pods")
    release = root / "release"
    host_json = {"version": "2.0", "extensions": {"http": {"maxConcurrentRequests": 2}}}  # target 2 per pod
    app = write_app(root / "app", SOURCE, host_json=host_json, settings={"FUNCTIONS_WORKER_RUNTIME": "python"})
    env = {"RELEASE_FILE": str(release), "FUNCHOST_MASTER_KEY": MASTER_KEY}
    hosts = [HostProcess(app, env=env), HostProcess(app, env=env)]
    try:
        for host in hosts:
            host.wait_ready()
        yield hosts, release
    finally:
        for host in hosts:
            host.close()


def pod(name: str, port: int, *, ready: bool = True, labels: dict[str, str] = LABELS) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NS, "labels": labels, "resourceVersion": "1"},
        "spec": {
            "containers": [{"name": "function", "image": "x", "ports": [{"name": "http", "containerPort": port}]}]
        },
        "status": {"podIP": "127.0.0.1", "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]},
    }


def deployment(replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": DEPLOYMENT, "namespace": NS, "resourceVersion": "1"},
        "spec": {"replicas": replicas},
    }


@pytest.fixture
async def api(kmock: KubernetesEmulator) -> AsyncIterator[kube.ApiClient]:
    client = kube.api_client(host=str(kmock.url).rstrip("/"))
    yield client
    client.close()  # type: ignore[no-untyped-call]


async def hold(client: httpx.AsyncClient, host: HostProcess, count: int) -> list[asyncio.Task[httpx.Response]]:
    tasks = [asyncio.create_task(client.get(f"{host.base_url}/api/slow")) for _ in range(count)]
    """`count` requests held by the slow function: running, or waiting for a slot under maxConcurrentRequests 2."""
    before = host.metric(OUTSTANDING_METRIC)
    await asyncio.to_thread(host.wait_metric, OUTSTANDING_METRIC, before + count)
    return tasks


def test_the_metric_names_are_the_hosts() -> None:
    assert HostMetrics().in_flight.name == IN_FLIGHT_METRIC
    assert throttle.OUTSTANDING_METRIC == OUTSTANDING_METRIC


def test_the_outstanding_gauge_wins_over_the_in_flight_sum_unless_functions_are_named() -> None:
    metrics = HostMetrics()
    metrics.register_function("a")
    metrics.in_flight.labels("a").set(2)
    metrics.gauge_read_at_scrape(OUTSTANDING_METRIC, "running or waiting", lambda: 7.0)
    text = metrics.render().decode()
    assert in_flight(text) == 7  # 2 running + 5 waiting for a slot
    assert in_flight(text, ["a"]) == 2


def test_in_flight_sums_the_gauge_and_nothing_else() -> None:
    metrics = HostMetrics()
    for name, value in (("a", 3), ("b", 2)):
        metrics.register_function(name)
        metrics.in_flight.labels(name).set(value)
    metrics.invocations.labels("a", "success").inc(7)
    text = metrics.render().decode()
    assert in_flight(text) == 5
    assert in_flight(text, ["b"]) == 2


async def test_requests_in_flight_on_real_workers_scale_the_deployment(
    kmock: KubernetesEmulator, api: kube.ApiClient, workers: tuple[list[HostProcess], Path]
) -> None:
    (first, second), release = workers
    release.unlink(missing_ok=True)
    kmock.objects[PODS, NS, "shop-http-a"] = pod("shop-http-a", first.port)
    kmock.objects[PODS, NS, "shop-http-b"] = pod("shop-http-b", second.port)
    kmock.objects[PODS, NS, "shop-http-new"] = pod("shop-http-new", free_port(), ready=False)  # not asked
    other = {"app.kubernetes.io/name": "shop", "app.kubernetes.io/instance": "shop"}
    kmock.objects[PODS, NS, "shop-events"] = pod("shop-events", free_port(), labels=other)  # another Deployment
    kmock.objects[DEPLOYMENTS, NS, DEPLOYMENT] = deployment(replicas=1)
    serve_scale_subresource(kmock)
    source = http_pods_source(api, PodsQuery(NS, SELECTOR), 2, master_key=MASTER_KEY)
    target = KubernetesTarget(NS, DEPLOYMENT, api)
    policy = Policy(min_replicas=1, max_replicas=10, cooldown_period=0)
    loop = ScaleLoop([source], target, policy, interval=1.0)
    async with httpx.AsyncClient(timeout=60) as client:
        held = [*await hold(client, first, 3), *await hold(client, second, 2)]
        try:
            decision = await loop.tick()
            assert decision is not None
            assert decision.desired == 3, decision.reason  # ceil((3 + 2) / 2): maxConcurrentRequests is the target
            assert kmock.objects[DEPLOYMENTS, NS, DEPLOYMENT]["spec"]["replicas"] == 3
        finally:
            release.touch()
            responses = await asyncio.gather(*held)
    assert [r.text for r in responses] == ["done"] * 5
    scaler = HttpPodsScaler(api, PodsQuery(NS, SELECTOR), 2, master_key=MASTER_KEY)
    try:
        idle = await scaler.measure()
        assert (idle.value, idle.target, idle.active) == (0, 2, False)
        assert set(scaler.last_pods) == {"shop-http-a", "shop-http-b"}  # not the unready pod, not other labels
    finally:
        await scaler.aclose()
        await loop.aclose()


async def test_a_pod_that_does_not_answer_is_left_out_and_none_answering_is_an_error(
    kmock: KubernetesEmulator, api: kube.ApiClient, workers: tuple[list[HostProcess], Path]
) -> None:
    (first, _), _ = workers
    kmock.objects[PODS, NS, "gone"] = pod("gone", free_port())  # ready, but nothing listens there
    scaler = HttpPodsScaler(api, PodsQuery(NS, SELECTOR), 2, master_key=MASTER_KEY)
    try:
        with pytest.raises(ScalerError, match=r"no ready pod answered on /metrics: gone \(127\.0\.0\.1:\d+\)"):
            await scaler.measure()
        kmock.objects[PODS, NS, "live"] = pod("live", first.port)
        assert (await scaler.measure()).value == 0
        assert set(scaler.last_pods) == {"live"}
    finally:
        await scaler.aclose()
