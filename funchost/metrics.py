"""Prometheus metrics of one host: invocations, failures, duration, in-flight work, retries, per function.

The hot path only bumps plain numbers (no locks: they are updated on the event loop); a collector turns them into
Prometheus families when `/metrics` is scraped. Each host owns its own registry (no process-global state).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


class Value:
    """One labelled counter or gauge value."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0.0

    def inc(self, amount: float = 1.0) -> None:
        self.value += amount

    def dec(self, amount: float = 1.0) -> None:
        self.value -= amount

    def set(self, value: float) -> None:
        self.value = value


class Distribution:
    """One labelled histogram: per-bucket counts (the last is +Inf), sum and count."""

    __slots__ = ("counts", "sum")

    def __init__(self) -> None:
        self.counts = [0] * (len(DURATION_BUCKETS) + 1)
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(DURATION_BUCKETS, value)] += 1
        self.sum += value


class Family:
    """A named metric with labels; `labels(...)` returns the child to update (cached per label values)."""

    def __init__(self, name: str, documentation: str, labelnames: Sequence[str], kind: str) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = list(labelnames)
        self.kind = kind  # "counter" | "gauge" | "histogram"
        self.children: dict[tuple[str, ...], Value | Distribution] = {}

    def labels(self, *values: str) -> Value:
        child = self.children.get(values)
        if child is None:
            child = self.children[values] = Value()
        assert isinstance(child, Value)
        return child

    def distribution(self, *values: str) -> Distribution:
        child = self.children.get(values)
        if child is None:
            child = self.children[values] = Distribution()
        assert isinstance(child, Distribution)
        return child

    def collect(self) -> Metric:
        if self.kind == "histogram":
            histogram = HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)
            for labels, child in self.children.items():
                assert isinstance(child, Distribution)
                cumulative, buckets = 0, []
                for bound, count in zip((*DURATION_BUCKETS, float("inf")), child.counts, strict=True):
                    cumulative += count
                    buckets.append((_bound(bound), float(cumulative)))
                histogram.add_metric(list(labels), buckets, child.sum)
            return histogram
        cls = CounterMetricFamily if self.kind == "counter" else GaugeMetricFamily
        family = cls(self.name, self.documentation, labels=self.labelnames)
        for labels, child in self.children.items():
            assert isinstance(child, Value)
            family.add_metric(list(labels), child.value)
        return family


def _bound(bound: float) -> str:
    return "+Inf" if bound == float("inf") else repr(bound)


class HostMetrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.invocations = Family(
            "funchost_invocations",
            "Function invocations that finished, by outcome (success, failure, timeout).",
            ["function", "outcome"],
            "counter",
        )
        self.duration = Family(
            "funchost_invocation_duration_seconds",
            "Wall-clock duration of function invocations.",
            ["function"],
            "histogram",
        )
        self.in_flight = Family("funchost_invocations_in_flight", "Invocations running now.", ["function"], "gauge")
        self.retries = Family("funchost_retries", "Retries made by function retry policies.", ["function"], "counter")
        self.families = [self.invocations, self.duration, self.in_flight, self.retries]
        self._read_at_scrape: list[tuple[str, str, Callable[[], float]]] = []
        self.registry = CollectorRegistry()
        self.registry.register(self)  # a duck-typed collector: collect() is read at scrape time

    def family(self, name: str, documentation: str, labelnames: Sequence[str], kind: str) -> Family:
        """Add a listener-specific metric (e.g. messages moved to poison), exported like the others."""
        created = Family(name, documentation, labelnames, kind)
        self.families.append(created)
        return created

    def gauge_read_at_scrape(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        """A host-wide gauge whose value `read()` gives when `/metrics` is scraped (e.g. the HTTP throttle's
        outstanding requests), so the hot path updates nothing for it."""
        self._read_at_scrape.append((name, documentation, read))

    def register_function(self, name: str) -> None:
        """Create the per-function series up front so every function shows up at 0."""
        for outcome in ("success", "failure", "timeout"):
            self.invocations.labels(name, outcome)
        self.duration.distribution(name)
        self.in_flight.labels(name)

    def collect(self) -> Iterator[Metric]:
        for family in self.families:
            yield family.collect()
        for name, documentation, read in self._read_at_scrape:
            yield GaugeMetricFamily(name, documentation, value=read())

    def render(self) -> bytes:
        return generate_latest(self.registry)
