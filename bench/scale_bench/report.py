"""Printing each part's results against its target."""

from __future__ import annotations

from typing import Any

from bench.common.procs import say
from bench.common.stats import percentile
from bench.scale_bench.activation import Activation, WorkerStart, keda_model
from bench.scale_bench.drain import Baseline, Drain
from bench.scale_bench.settings import KEDA_POLLING_INTERVAL, TARGET_ACTIVATION_P50, TARGET_DRAIN_RATIO, TARGET_LAG


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def traces_summary(traces: dict[str, Any] | None) -> list[str]:
    """The Summary block's lines for part 5 (what traces.run_traces returned): per trace, funchost against KEDA +
    HPA and against the oracle (bound / feasible schedule), and each of the issue's targets met or missed."""
    if not traces:
        return []
    lines = ["  load traces (funchost vs KEDA + HPA defaults; replica-s vs the oracle bound / schedule):"]
    for name, t in traces["traces"].items():
        k, spent = t["vs_keda"], next(c for c in t["checks"] if c["target"].startswith("replica-seconds"))
        times = ", ".join(f"{what} {_times(k[key])}" for what, key in _VS_KEDA)
        lines.append(f"    {name}: vs KEDA {times}; vs oracle {_times(spent['value'])} / "
                     f"{_times(t['vs_schedule'])}")  # fmt: skip
        marks = [f"{c['target']} {'n/a' if c['met'] is None else 'PASS' if c['met'] else 'MISS'}" for c in t["checks"]]
        lines.append("      " + "; ".join(marks))
    return lines


_VS_KEDA = (("activation", "activation"), ("age p95", "age_p95"), ("drain", "drain"), ("replica-s", "replica_seconds"))


def _times(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}×"


def report_overhead(data: dict[str, Any]) -> dict[str, Any]:
    lag, wall, cpu = data["lag"], data["tick_wall"], data["tick_cpu"]
    summary = {
        "functions": data["functions"],
        "ticks": data["ticks"],
        "lag_p50": percentile(lag, 50),
        "lag_p99": percentile(lag, 99),
        "lag_max": max(lag),
        "tick_wall_p50": percentile(wall, 50),
        "tick_wall_max": max(wall),
        "tick_cpu_p50": percentile(cpu, 50),
        "cpu_per_tick": data["process_cpu"] / max(1, data["ticks"]),
        "scale_changes": data["scale_changes"],
        "status_bytes": data["status_bytes"],
        "cpu": data["cpu"],
    }
    say(
        f"\n== 3. Controller overhead: {data['functions']:,} synthetic functions, interval {data['interval']:g} s, "
        f"pinned to CPU {data['affinity']} =="
    )
    say(
        f"  ticks {summary['ticks']}, scale changes {summary['scale_changes']}, status document "
        f"{summary['status_bytes'] / 1024:.0f} KiB written per tick"
    )
    say(f"  loop lag   p50 {ms(summary['lag_p50'])}  p99 {ms(summary['lag_p99'])}  max {ms(summary['lag_max'])}")
    say(
        f"  tick wall  p50 {ms(summary['tick_wall_p50'])}  max {ms(summary['tick_wall_max'])}; "
        f"CPU per tick {summary['cpu_per_tick'] * 1000:.1f} ms (process) / p50 {ms(summary['tick_cpu_p50'])} (tick)"
    )
    say(
        f"  target: lag < {TARGET_LAG * 1000:.0f} ms (KEDA perf suite threshold) → "
        f"{verdict(summary['lag_max'] < TARGET_LAG)} (max)"
    )
    return summary


def report_activation(act: Activation, starts: WorkerStart, interval: float) -> dict[str, Any]:
    keda = keda_model(starts.first)
    p50, p95 = percentile(act.latency, 50), percentile(act.latency, 95)
    k50, k95 = percentile(keda, 50), percentile(keda, 95)
    summary = {
        "trials": len(act.latency),
        "p50": p50,
        "p95": p95,
        "min": min(act.latency),
        "max": max(act.latency),
        "keda_p50": k50,
        "keda_p95": k95,
        "ratio_p50": k50 / p50,
        "ratio_p95": k95 / p95,
        "detect_p50": percentile(act.detect, 50),
        "detect_p95": percentile(act.detect, 95),
        "start_p50": percentile(act.start, 50),
        "start_p95": percentile(act.start, 95),
        "send_p50": percentile(act.send, 50),
        "worker_first_p50": percentile(starts.first, 50),
        "worker_first_p95": percentile(starts.first, 95),
        "worker_ready_p50": percentile(starts.ready, 50),
        "worker_ready_p95": percentile(starts.ready, 95),
        "worker_trials": len(starts.first),
        "latencies": act.latency,
        "worker_first": starts.first,
        "worker_ready": starts.ready,
    }
    say(f"\n== 1. Activation latency from zero ({summary['trials']} trials, polling interval {interval:g} s) ==")
    say(
        f"  worker start (separate, {summary['worker_trials']} starts): spawn → /readyz p50 "
        f"{summary['worker_ready_p50']:.3f} s p95 {summary['worker_ready_p95']:.3f} s; spawn → first invocation of a "
        f"waiting message p50 {summary['worker_first_p50']:.3f} s p95 {summary['worker_first_p95']:.3f} s"
    )
    say(
        f"  funchost up:  p50 {p50:.3f} s  p95 {p95:.3f} s  (min {summary['min']:.3f}, max {summary['max']:.3f}); "
        f"of which sent → worker spawned p50 {summary['detect_p50']:.3f} s, spawned → invoked p50 "
        f"{summary['start_p50']:.3f} s"
    )
    say(
        f"  KEDA model:   p50 {k50:.3f} s  p95 {k95:.3f} s  (uniform poll wait over {KEDA_POLLING_INTERVAL:g} s + "
        "funchost's measured spawn → first invocation)"
    )
    say(f"  ratio KEDA/funchost: p50 {summary['ratio_p50']:.1f}×  p95 {summary['ratio_p95']:.1f}×")
    say(f"  target: p50 ≤ {TARGET_ACTIVATION_P50:g} s → {verdict(p50 <= TARGET_ACTIVATION_P50)}")
    return summary


def report_drain(drain: Drain, baseline: Baseline) -> dict[str, Any]:
    ideal_peak = drain.messages / (drain.peak * baseline.rate)
    ideal_mean = drain.messages / (drain.mean_replicas * baseline.rate)
    from_first = drain.last_finished - drain.first_started
    seconds = drain.seconds
    summary: dict[str, Any] = {
        "messages": drain.messages,
        "max_replicas": drain.max_replicas,
        "one_worker_rate": baseline.rate,
        "one_worker_processed": baseline.processed,
        "one_worker_window": baseline.window,
        "one_worker_azurite_cpu_per_message": baseline.azurite_cpu_per_message,
        "azurite_cpu_per_message": drain.azurite_cpu / drain.messages,
        "one_worker_cpu": baseline.cpu_seconds,
        "peak": drain.peak,
        "mean_replicas": drain.mean_replicas,
        "drain_seconds": seconds,
        "first_tick_after_launch": (drain.first_tick - drain.launched) if drain.first_tick else None,
        "first_invocation_after_launch": drain.first_started - drain.launched,
        "from_first_invocation": from_first,
        "ideal_peak": ideal_peak,
        "ideal_mean": ideal_mean,
        "ratio_peak": seconds / ideal_peak,
        "ratio_mean": seconds / ideal_mean,
        "ratio_from_first": from_first / ideal_peak,
        "mid_rate": drain.mid_rate,
        "mid_efficiency": drain.mid_rate / (drain.peak * baseline.rate),
        "worker_cpu": drain.worker_cpu,
        "azurite_cpu": drain.azurite_cpu,
        "controller_cpu": drain.controller_cpu,
        "duplicates": drain.duplicates,
        "changes": [(at - drain.launched, a, b) for at, a, b in drain.changes],
        "enqueue_seconds": [baseline.enqueue_seconds, drain.enqueue_seconds],
    }
    say(
        f"\n== 2. Drain of {drain.messages:,} messages, max {drain.max_replicas} replicas "
        "(work: asyncio.sleep, I/O-bound) =="
    )
    say(
        f"  one worker (funchost start, same {baseline.messages:,} backlog): r1 = {baseline.rate:.2f} msg/s "
        f"({baseline.processed} finished {baseline.window[0]:.0f}–{baseline.window[1]:.0f} s after its first "
        f"invocation); Azurite CPU {baseline.azurite_cpu_per_message * 1000:.1f} ms/message"
    )
    changes = ", ".join(f"{a}→{b} at {at:.1f} s" for at, a, b in summary["changes"])
    say(
        f"  funchost up: all processed {seconds:.1f} s after launch "
        f"(first tick +{summary['first_tick_after_launch']:.2f} s, "
        f"first invocation +{summary['first_invocation_after_launch']:.2f} s); replicas: {changes}"
    )
    say(
        f"  replicas: peak {drain.peak}, time-weighted mean {drain.mean_replicas:.2f} over launch → last message; "
        f"middle-50 % rate {drain.mid_rate:.1f} msg/s = {summary['mid_efficiency']:.0%} of {drain.peak} × r1"
    )
    say(
        f"  ideal (N = peak {drain.peak}): {ideal_peak:.1f} s → ratio {summary['ratio_peak']:.2f}× "
        f"(from first invocation: {summary['ratio_from_first']:.2f}×); ideal (N = mean {drain.mean_replicas:.2f}): "
        f"{ideal_mean:.1f} s → ratio {summary['ratio_mean']:.2f}×"
    )
    busy = drain.worker_cpu + drain.azurite_cpu + drain.controller_cpu
    say(
        f"  CPU over the drain: workers {drain.worker_cpu:.1f} s, Azurite {drain.azurite_cpu:.1f} s, controller "
        f"{drain.controller_cpu:.1f} s = {busy / seconds:.2f} of 2 cores (Azurite "
        f"{summary['azurite_cpu_per_message'] * 1000:.1f} ms/message); duplicate deliveries {drain.duplicates}"
    )
    ok = summary["ratio_peak"] <= TARGET_DRAIN_RATIO
    say(f"  target: drain ≤ {TARGET_DRAIN_RATIO:g}× ideal (N = peak) → {verdict(ok)}")
    return summary
