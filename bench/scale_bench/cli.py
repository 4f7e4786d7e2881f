"""Scale-controller benchmark: `funchost up` measured against KEDA's default timing model, in one run.

Parts (results and analysis: docs/benchmarks.md, "Scale controller"):

1. **Activation latency from zero** — `funchost up` on bench/apps/scale_queue (a queue trigger that records when each
   message was sent and started) with 0 workers and the default 1 s polling interval; one message is enqueued at a
   random phase of the poll, and the latency is `started − sent` as the function itself records it. Between trials
   the app goes back to 0 (cooldown 1 s) and every worker process has exited. The worker's own start time (spawn of
   `funchost start` → first invocation of a message already waiting, and → /readyz 200) is measured separately.
   **KEDA's model**: poll wait uniform over the default 30 s pollingInterval (mean 15 s, p95 28.5 s) + the same
   measured funchost worker start, combined by Monte Carlo — generous to KEDA: no pod scheduling, image pull or
   container start is added.
2. **Drain of a backlog vs ideal** — M messages (default 5,000) enqueued first, then `funchost up --max-replicas N`
   (default 4) starts; drain time runs from the launch of `funchost up` to the last message finished. One worker's
   rate r1 is measured in the same run: a single `funchost start` worker on an identical backlog (its own fresh
   Azurite holding the same M messages), as the least-squares slope of finishes over 5–50 s after its first
   invocation. Ideal = M / (N × r1) with N the peak replica count reached (strict: `up`'s start, the activation and
   the scale-up ramp count against funchost); the same with N = the time-weighted mean of the replica count set by
   the controller over launch → last message is printed as well. The work is an `asyncio.sleep` of 2.5 s on average
   (uniform 0.5–1.5×) with 16 + 8 messages in flight per worker (host.json batchSize / newBatchThreshold), so workers
   are I/O-bound: CPU-bound workers could not scale linearly on 2 cores. The sleep is long because Azurite is the
   shared bottleneck: every queue operation scans all the messages it holds (`clearExpiredMessages` in
   `LokiQueueMetadataStore.js`), ~40 ms CPU per message processed at 5,000 held, so ~25 msg/s saturates its one
   Node thread; 4 × r1 is kept below that.
3. **Controller overhead** — `ScaleLoop` with 1,000 trigger sources whose scalers are cheap in-process `Scaler`s
   (synthetic backlogs), an in-memory `ScaleTarget`, interval 1 s, status document written every tick, for ~20 s in
   a child process pinned to one core (`os.sched_setaffinity`): loop lag (`loop.lag`, every tick recorded) p50/p99/
   max, tick wall time and CPU seconds per tick.
4. **Plot** — replicas and backlog over time during the drain, from `.funchost/scale-status.json` sampled every
   250 ms, to docs/scaling-timeline.png (matplotlib, Agg).
5. **Scaling quality on load traces** (`--parts traces`, not in the default run) — bench/scale_bench/traces.py: the
   controller's rule replayed over simulated workers measured on a real worker, against KEDA + HPA and an oracle.

Everything runs against private Azurite queue services on free 127.0.0.1 ports (started and stopped here, a fresh one
per phase), in temporary copies of the app. Every wait is bounded; the default run takes about 7 minutes.

Run: `.venv/bin/python bench/scale.py [--trials 20] [--messages 5000] [--max-replicas 4] [--json out.json]`.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.common.machine import machine
from bench.common.procs import ROOT, say
from bench.scale_bench.activation import measure_activation, measure_worker_start
from bench.scale_bench.drain import measure_baseline, measure_drain
from bench.scale_bench.overhead import measure_overhead, run_overhead_child
from bench.scale_bench.plot import plot_timeline
from bench.scale_bench.queue_app import Azurite
from bench.scale_bench.report import report_activation, report_drain, report_overhead, traces_summary, verdict
from bench.scale_bench.settings import PLOT, TARGET_ACTIVATION_P50, TARGET_DRAIN_RATIO, TARGET_LAG
from bench.scale_bench.traces import SAMPLE_CSV, run_traces


async def run_all(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    when = datetime.datetime.now(datetime.UTC)
    results: dict[str, Any] = {"date": when.isoformat(timespec="seconds"), "machine": machine(), "args": vars(args)}
    say(f"bench/scale.py — {when:%Y-%m-%d %H:%M} UTC — {results['machine']}")
    began = time.monotonic()
    if "overhead" in args.parts:
        say(f"\n[3] controller overhead: {args.functions} synthetic functions for {args.overhead_seconds:g} s ...")
        data = measure_overhead(args.functions, args.overhead_seconds, args.overhead_interval, args.overhead_cpu)
        results["overhead"] = report_overhead(data)
    if "traces" in args.parts:
        say(f"\n[5] scaling quality on load traces ({args.trace_phases} poll phases each) ...")
        results["traces"] = await run_traces(workdir, Path(args.trace_csv), args.trace_phases, bool(args.plot), when)
    if "http" in args.parts:
        from bench.scale_bench.http_part import run_http

        results["http"] = await run_http(args, workdir)
    if not {"activation", "drain"} & set(args.parts):
        return results
    if "activation" in args.parts:
        say(f"\n[1] worker start ({args.worker_starts} + 1 warm-up) and activation ({args.trials} + 1 warm-up) ...")
        azurite = Azurite(workdir, "activation")
        try:
            # no work: the message is deleted at once, so the app is idle again sooner (latency ends at the start)
            starts = await measure_worker_start(azurite, workdir, args.worker_starts, 0.0)
            act = await measure_activation(azurite, workdir, args.trials, args.polling_interval, 0.0)
        finally:
            azurite.stop()
        results["activation"] = report_activation(act, starts, args.polling_interval)
    if "drain" in args.parts:
        window = f"{args.baseline_seconds:g} s" if args.baseline_seconds else "all"
        say(f"\n[2] one worker on {args.messages:,} messages ({window}), then funchost up on {args.messages:,} ...")
        azurite = Azurite(workdir, "baseline")  # a fresh one each: both start from the same state
        try:
            baseline = await measure_baseline(azurite, workdir, args.messages, args.work_seconds, args.baseline_seconds)
        finally:
            azurite.stop()
        azurite = Azurite(workdir, "drain")
        try:
            drain = await measure_drain(
                azurite, workdir, args.messages, args.max_replicas, args.work_seconds, args.polling_interval
            )
        finally:
            azurite.stop()
        results["drain"] = report_drain(drain, baseline)
        results["drain"]["samples"] = [vars(s) for s in drain.samples]
        results["drain"]["launched"] = drain.launched
        if args.plot:
            plot_timeline(drain, baseline, Path(args.plot), when)
            say(f"  plot: {args.plot}")
    results["seconds"] = time.monotonic() - began
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--parts",
        default="overhead,activation,drain",
        type=lambda s: s.split(","),
        help="comma-separated: overhead, activation, drain, traces, http (default: all but traces and http)",
    )
    parser.add_argument("--trials", type=int, default=20, help="activation trials (default 20, + 1 warm-up)")
    parser.add_argument("--worker-starts", type=int, default=10, help="separate worker starts (default 10)")
    parser.add_argument("--polling-interval", type=float, default=1.0, help="funchost up polling (default 1 s)")
    parser.add_argument("--messages", type=int, default=5000, help="backlog to drain (default 5000)")
    parser.add_argument("--max-replicas", type=int, default=4, help="funchost up --max-replicas (default 4)")
    parser.add_argument(
        "--work-seconds", type=float, default=2.5, help="mean asyncio.sleep per message in the drain (default 2.5)"
    )
    parser.add_argument(
        "--baseline-seconds", type=float, default=50.0, help="one worker's measuring window (default 50; 0 = all)"
    )
    parser.add_argument("--functions", type=int, default=1000, help="synthetic functions (default 1000)")
    parser.add_argument("--overhead-seconds", type=float, default=20.0, help="controller overhead run (default 20)")
    parser.add_argument("--overhead-interval", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--overhead-cpu", type=int, default=1, help="the core for the overhead run (default 1)")
    parser.add_argument("--plot", default=str(PLOT), help=f"timeline PNG (default {PLOT.relative_to(ROOT)}; '' = none)")
    parser.add_argument("--trace-csv", default=str(SAMPLE_CSV), help="part 5's CSV trace (t_seconds,arrivals)")
    parser.add_argument("--trace-phases", type=int, default=5, help="part 5: poll phases averaged (default 5)")
    parser.add_argument("--http-trials", type=int, default=20, help="http: first requests from 0 (default 20)")
    parser.add_argument("--json", help="also write all results (with raw samples) to this file")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, records) and print it")
    parser.add_argument("--overhead-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.overhead_child:
        print(
            json.dumps(
                run_overhead_child(args.functions, args.overhead_seconds, args.overhead_interval, args.overhead_cpu)
            )
        )
        return 0
    unknown = set(args.parts) - {"overhead", "activation", "drain", "traces", "http"}
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    workdir = Path(tempfile.mkdtemp(prefix="funchost-bench-scale-"))
    try:
        results = asyncio.run(run_all(args, workdir))
    finally:
        if args.keep:
            say(f"\nwork folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    summary: list[tuple[str, float | None, Callable[[float], bool]]] = [
        ("activation p50 ≤ 1 s", results.get("activation", {}).get("p50"), lambda v: v <= TARGET_ACTIVATION_P50),
        ("drain ≤ 1.2× ideal", results.get("drain", {}).get("ratio_peak"), lambda v: v <= TARGET_DRAIN_RATIO),
        ("loop lag < 100 ms", results.get("overhead", {}).get("lag_max"), lambda v: v < TARGET_LAG),
        ("http first p50 ≤ 150 ms", results.get("http", {}).get("first_p50"), lambda v: v <= 0.150),
    ]
    say("\n== Summary ==")
    for name, value, ok in summary:
        if value is not None:
            say(f"  {name:<24} {value:8.3f}  {verdict(ok(value))}")
    for line in traces_summary(results.get("traces")):
        say(line)
    if "seconds" in results:
        say(f"  (total {results['seconds']:.0f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return 0
