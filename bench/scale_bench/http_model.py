"""Part `http` of bench/scale.py, the numbers: latency percentiles, lost requests and replica-seconds of each ramp
run, and the KEDA HTTP add-on model with its published defaults (reference/keda.md §4).

KEDA model: the add-on scales on concurrency with `targetValue` (formerly `targetPendingRequests`) 100 per replica,
`desired = ceil(concurrency / 100)` through the HPA, so at the ramp's peak of 64 connections it asks for 1 replica
for the whole ramp (the HPA's 15 s sync would only delay a second one). Its 0 → 1 is pushed every 200 ms
(`KEDA_HTTP_SCALER_STREAM_INTERVAL_MS`) from the interceptor's counts polled every 500 ms
(`KEDA_HTTP_QUEUE_TICK_DURATION`): that is modelled, not measured, as `U(0, 0.2) + U(0, 0.5)` s plus a draw
of funchost's own measured first-request latency (standing in for the worker start; no pod scheduling, image pull
or container start: generous to KEDA). The interceptor hop is measured: the ramp runs against one worker behind a
Python TCP relay (a slower hop than the Go interceptor's, so pessimistic for KEDA's latency). scaledownPeriod 300 s
keeps the replica after the load ends.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from bench.common.stats import percentile
from bench.scale_bench.http_scale import Run
from bench.scale_bench.report import ms

KEDA_TARGET = 100  # scalingMetric.concurrency.targetValue / targetPendingRequests default
KEDA_PUSH_INTERVAL = 0.2  # KEDA_HTTP_SCALER_STREAM_INTERVAL_MS
KEDA_QUEUE_TICK = 0.5  # KEDA_HTTP_QUEUE_TICK_DURATION
KEDA_SCALEDOWN = 300.0  # HTTPScaledObject scaledownPeriod


def replica_seconds(samples: Sequence[tuple[float, int]], end: float) -> float:
    total = 0.0
    for (at, count), (following, _) in zip(samples, [*samples[1:], (end, 0)], strict=True):
        total += count * (max(following, at) - at)
    return total


def keda_first_request(worker_start: Sequence[float], draws: int = 100_000, seed: int = 5) -> list[float]:
    """Modelled KEDA 0 → 1 latency: interceptor queue tick + push interval + a measured funchost worker start."""
    rng = random.Random(seed)
    return [
        rng.uniform(0, KEDA_QUEUE_TICK) + rng.uniform(0, KEDA_PUSH_INTERVAL) + rng.choice(worker_start)
        for _ in range(draws)
    ]


def summarize(run: Run, keda: bool = False) -> dict[str, Any]:
    latencies = [latency for _, latency, status in run.record.requests if status == 200]
    peak_clients = 64
    replicas = run.replicas if not keda else [(0.0, max(1, math.ceil(peak_clients / KEDA_TARGET)))]
    return {
        "label": run.label,
        "requests": len(run.record.requests),
        "ok": len(latencies),
        "lost": run.record.lost,
        "throttled": sum(1 for _, _, status in run.record.requests if status == 429),
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "replica_seconds": replica_seconds(replicas, run.seconds),
        "peak_replicas": max((n for _, n in replicas), default=0),
        "seconds": run.seconds,
    }


def report_http(
    first: tuple[list[float], int], cold: tuple[list[float], int], runs: Sequence[Run], say: Any
) -> dict[str, Any]:
    latencies, lost = first
    result: dict[str, Any] = {
        "first_p50": percentile(latencies, 50),
        "first_p95": percentile(latencies, 95),
        "first_trials": len(latencies) + lost,
        "first_lost": lost,
    }
    say(f"  first request from 0 workers, standby ({result['first_trials']} trials): p50 {ms(result['first_p50'])}, "
        f"p95 {ms(result['first_p95'])}, lost {lost}")  # fmt: skip
    if cold[0] or cold[1]:
        result["cold_p50"] = percentile(cold[0], 50)
        say(f"  first request from 0 workers, --no-standby ({len(cold[0]) + cold[1]} trials): p50 "
            f"{ms(result['cold_p50'])}, lost {cold[1]}")  # fmt: skip
    if latencies:
        keda = keda_first_request(latencies)
        result["keda_first_p50"], result["keda_first_p95"] = percentile(keda, 50), percentile(keda, 95)
        say(f"  KEDA HTTP add-on model (0.5 s tick + 0.2 s push + the same start): p50 {ms(result['keda_first_p50'])}"
            f", p95 {ms(result['keda_first_p95'])}")  # fmt: skip
    rows = [summarize(run, keda=run.label.startswith("KEDA")) for run in runs]
    result["ramp"] = rows
    say(f"  {'load ramp 4 → 64 → 8 connections':<34} {'requests':>8} {'lost':>5} {'429':>4} {'p50':>9} {'p99':>9} "
        f"{'replica-s':>9} {'peak':>4}")  # fmt: skip
    for row in rows:
        say(f"  {row['label']:<34} {row['requests']:>8} {row['lost']:>5} {row['throttled']:>4} {ms(row['p50']):>9} "
            f"{ms(row['p99']):>9} {row['replica_seconds']:>9.1f} {row['peak_replicas']:>4}")  # fmt: skip
    by = {row["label"]: row for row in rows}
    up, one, keda_row = by.get("funchost up (0..N)"), by.get("1 fixed worker"), by.get("KEDA HTTP add-on model")
    if up and one and keda_row:
        result["ratios"] = {
            "p99_vs_single": up["p99"] / one["p99"],
            "replica_s_vs_single": up["replica_seconds"] / one["replica_seconds"],
            "p99_vs_keda": up["p99"] / keda_row["p99"],
            "replica_s_vs_keda": up["replica_seconds"] / keda_row["replica_seconds"],
        }
        r = result["ratios"]
        say(f"  ratios funchost up / 1 worker: p99 {r['p99_vs_single']:.2f}×, replica-s "
            f"{r['replica_s_vs_single']:.2f}×; / KEDA model: p99 {r['p99_vs_keda']:.2f}×, replica-s "
            f"{r['replica_s_vs_keda']:.2f}× (plus KEDA's "
            f"{KEDA_SCALEDOWN:.0f} s scaledownPeriod tail, not counted)")  # fmt: skip
    return result
