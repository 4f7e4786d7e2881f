"""The built-in controller's HTTP scaler in a cluster (`--scaler builtin`): the requests in flight on an HTTP
Deployment, read from its pods' `/metrics`.

Each poll lists the Deployment's pods through the API server (label selector), and for every ready pod reads
`funchost_invocations_in_flight` (the host's per-function gauge; HTTP requests count as invocations of their
function) from `http://<pod IP>:<container port "http">/metrics` with the master key, as a Prometheus scrape
behind the Service must (funchost.http.health). The metric is the sum over pods and functions, the target
`http_concurrency(host_config).scale_target` per replica — the number KEDA's HTTP add-on gets as its
concurrency `targetValue` — so `ceil(in flight / target)` replicas, as the HPA's AverageValue rule.

Nothing holds a request while there is no pod, so this scaler never asks for zero: the controller runs it with
min replicas 1. A pod that is not ready (starting, terminating) carries no requests and is skipped; a ready pod
that does not answer is left out of the sum with a warning, unless no ready pod answers (ScalerError).
Not a row of `SCALERS` (that table builds one scaler per event function); `http_pods_source` builds the one
source of an HTTP Deployment.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from scale_controller import kube
from scale_controller.scalers.base import Measurement, ScalerError, TriggerSource

log = logging.getLogger("scale_controller.scalers.http_pods")

IN_FLIGHT_METRIC = "funchost_invocations_in_flight"  # funchost.metrics.HostMetrics.in_flight (a test keeps them equal)
OUTSTANDING_METRIC = "funchost_http_requests_outstanding"  # funchost.http.throttle (a test keeps them equal)
PORT_NAME = "http"  # the function container's port (scale_controller.manifests.pods)
SCRAPE_TIMEOUT = 5.0  # seconds per pod
TRIGGER = "httpTrigger"


@dataclass(frozen=True)
class PodsQuery:
    """Which pods: the HTTP Deployment's, by its selector labels, in one namespace."""

    namespace: str
    selector: str  # e.g. app.kubernetes.io/name=orders-http,app.kubernetes.io/instance=orders
    port_name: str = PORT_NAME


class HttpPodsScaler:
    def __init__(self, api: kube.ApiClient, query: PodsQuery, target: int, *, master_key: str | None = None) -> None:
        self.api, self.query, self.target, self.master_key = api, query, target, master_key
        self.name = f"http-pods:{query.namespace}/{query.selector}"
        self.last_pods: dict[str, float] = {}  # pod name → in flight, from the last measure (for status and tests)
        self._session: aiohttp.ClientSession | None = None

    async def measure(self) -> Measurement:
        try:
            pods = await asyncio.to_thread(
                kube.list_pod_endpoints, self.api, self.query.namespace, self.query.selector, self.query.port_name
            )
        except kube.KubeError as exc:
            raise ScalerError(
                f"cannot list the pods {self.query.selector} in namespace {self.query.namespace!r}: {exc}. Fix: "
                "give the controller's service account a Role with the rule {apiGroups: [''], resources: [pods], "
                "verbs: [list]}"
            ) from exc
        ready = [p for p in pods if p.ready and p.ip and p.port]
        results = await asyncio.gather(*(self._in_flight(p) for p in ready), return_exceptions=True)
        counts: dict[str, float] = {}
        failures: list[str] = []
        for pod, result in zip(ready, results, strict=True):
            if isinstance(result, BaseException):
                failures.append(f"{pod.name} ({pod.ip}:{pod.port}): {result}")
            else:
                counts[pod.name] = result
        if ready and not counts:
            raise ScalerError(f"no ready pod answered on /metrics: {'; '.join(failures)}")
        for failure in failures:
            log.warning("pod %s left out of the HTTP in-flight sum", failure)
        self.last_pods = counts
        value = sum(counts.values())
        return Measurement(value=value, target=float(self.target), active=value > 0)

    async def _in_flight(self, pod: kube.PodEndpoint) -> float:
        session = self._session = self._session or aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=SCRAPE_TIMEOUT)
        )
        headers = {"x-functions-key": self.master_key} if self.master_key else {}
        try:
            async with session.get(f"http://{pod.ip}:{pod.port}/metrics", headers=headers) as response:
                if response.status != 200:
                    raise ScalerError(f"/metrics answered {response.status} (a 401/403 means a wrong master key)")
                return in_flight(await response.text())
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ScalerError(f"{type(exc).__name__}: {exc}") from exc

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()


def in_flight(exposition: str, functions: Sequence[str] = ()) -> float:
    """A pod's HTTP load from its Prometheus text exposition: `funchost_http_requests_outstanding` (running plus
    waiting under maxConcurrentRequests) when the host exports it and no function filter is given, else the sum of
    `funchost_invocations_in_flight` (of `functions` only, if given)."""
    total, outstanding = 0.0, None
    for family in text_string_to_metric_families(exposition):
        if family.name == IN_FLIGHT_METRIC:
            total += sum(s.value for s in family.samples if not functions or s.labels.get("function") in functions)
        elif family.name == OUTSTANDING_METRIC and family.samples:
            outstanding = family.samples[0].value
    return outstanding if outstanding is not None and not functions else total


def http_pods_source(
    api: kube.ApiClient, query: PodsQuery, target: int, *, master_key: str | None = None, function: str = "http"
) -> TriggerSource:
    """The loop's source for an HTTP Deployment: one scaler for all its functions."""
    return TriggerSource(function, TRIGGER, lambda: HttpPodsScaler(api, query, target, master_key=master_key))
