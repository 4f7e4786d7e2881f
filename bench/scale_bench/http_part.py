"""Part `http` of bench/scale.py, in order: first requests from zero (standby, then a few cold), the three load
ramps, the report (bench/scale_bench/http_scale.py measures, http_model.py models KEDA and reports)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bench.common.procs import say
from bench.scale_bench.http_model import report_http
from bench.scale_bench.http_scale import first_requests, ramps

COLD_TRIALS = 5
MAX_REPLICAS = 8


async def run_http(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    say(f"\n[http] first request from 0 workers ({args.http_trials} + 1 warm-up, then {COLD_TRIALS} cold) ...")
    first = await first_requests(workdir, args.http_trials, standby=True)
    cold = await first_requests(workdir, COLD_TRIALS, standby=False)
    say(f"[http] load ramp: funchost up 0..{MAX_REPLICAS}, 1 fixed worker, KEDA HTTP add-on model ...")
    runs = await ramps(workdir, MAX_REPLICAS)
    return report_http(first, cold, runs, say)
