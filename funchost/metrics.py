"""Prometheus metrics of one host: invocations, failures, duration, in-flight work, per function.

Each host owns its own `CollectorRegistry` (no process-global state), served at `/metrics`.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


class HostMetrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.invocations = Counter(
            "funchost_invocations",
            "Function invocations that finished, by outcome (success, failure, timeout).",
            ["function", "outcome"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "funchost_invocation_duration_seconds",
            "Wall-clock duration of function invocations.",
            ["function"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "funchost_invocations_in_flight", "Invocations running now.", ["function"], registry=self.registry
        )
        self.retries = Counter(
            "funchost_retries", "Retries made by function retry policies.", ["function"], registry=self.registry
        )

    def register_function(self, name: str) -> None:
        """Create the per-function series up front so every function shows up at 0."""
        for outcome in ("success", "failure", "timeout"):
            self.invocations.labels(name, outcome)
        self.duration.labels(name)
        self.in_flight.labels(name)

    def render(self) -> bytes:
        return generate_latest(self.registry)
