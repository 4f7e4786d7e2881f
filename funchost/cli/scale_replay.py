"""`funchost scale replay TRACE.csv`: replay a load trace through the controller's own rule and KEDA + HPA's
defaults over a simulated pool of workers, against the oracle's lower bound (`scale_controller.replay`).

The trace format and the model are in docs/scaling.md "Replaying a load trace". The worker parameters default to
what bench/scale.py --parts traces measured for the benchmark's queue app (docs/benchmarks.md); measure your own
app's and pass them. Nothing is contacted: no broker, no workers.

`--worker-standby-start`: funchost's side keeps `funchost up`'s pre-started standby worker (promoted in this many
seconds); `0` or `none` models a target without a standby (`funchost scale run` against docker or kubernetes), where
every replica starts cold as KEDA's pods always do.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from funchost.cli import arguments
from funchost.cli.scale_policy import add_policy_options, policy_from_args
from funchost.errors import ConfigurationError
from scale_controller.policy import LOCAL

# Measured by bench/scale.py --parts traces (docs/benchmarks.md "Scaling quality on load traces").
WORKER_START = 0.390
WORKER_RATE = 6.11
WORKER_STANDBY_START = 0.022


def add_replay(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    replay = actions.add_parser(
        "replay", help="replay a load trace (CSV t_seconds,arrivals) through funchost's rule and KEDA's defaults"
    )
    replay.add_argument("trace", help="CSV with a header t_seconds,arrivals and one row per second with arrivals")
    for flag, kind, default, what in (
        ("--worker-start", arguments.seconds, WORKER_START, "seconds from spawn to a worker's first message"),
        ("--worker-rate", _positive, WORKER_RATE, "messages/s one started worker takes"),
        ("--slots", arguments.count, 24, "messages one busy worker holds (batchSize + newBatchThreshold)"),
        ("--target", _positive, 24.0, "the scaler's target: messages per replica"),
        ("--phases", arguments.count, 5, "poll phases to average over"),
    ):
        replay.add_argument(flag, type=kind, default=default, help=f"{what} (default {default:g})")
    replay.add_argument(
        "--worker-standby-start",
        type=standby_start,
        default=WORKER_STANDBY_START,
        help=f"seconds from 'go' to a standby's first message (default {WORKER_STANDBY_START:g}); 0 or none: no standby"
        " (docker / kubernetes targets)",
    )
    replay.add_argument("--wait-target", type=arguments.seconds, help="the oracle's longest wait (default target/rate)")
    add_policy_options(replay, min_replicas=0, max_replicas=100, polling_interval=1.0, defaults=LOCAL)
    replay.set_defaults(handler=run_replay)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number above 0; use e.g. 6.8")
    return value


def standby_start(text: str) -> float | None:
    """A promotion time in seconds, or None for `0` / `none` (no standby)."""
    if text.strip().lower() == "none":
        return None
    try:
        value = arguments.seconds(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds or none; use 0.1, 0 or none") from None
    return value if value > 0 else None


def run_replay(args: argparse.Namespace) -> int:
    from scale_controller.replay import compare
    from scale_controller.replay_pool import Workers
    from scale_controller.replay_render import render
    from scale_controller.replay_trace import read_csv

    trace = read_csv(Path(args.trace))
    try:
        workers = Workers(args.worker_start, args.worker_rate, args.slots, args.worker_standby_start)
    except ValueError as exc:
        raise ConfigurationError(
            f"{exc}. Fix: correct --worker-start / --worker-rate / --slots / --worker-standby-start"
        ) from None
    if args.phases < 1:
        raise ConfigurationError("--phases is 0: expected 1 or more")
    policy = policy_from_args(args)
    result = compare(
        trace,
        workers,
        policy,
        args.target,
        interval=args.polling_interval,
        wait_target=args.wait_target,
        phases=args.phases,
    )
    sys.stdout.write(render(result))
    return 0
