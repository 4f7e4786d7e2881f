"""Part 4: replicas and backlog over time during the drain, drawn to docs/scaling-timeline.png."""

from __future__ import annotations

import datetime
import math
from pathlib import Path
from typing import Any

from bench.scale_bench.drain import Baseline, Drain, _replica_steps


def plot_timeline(drain: Drain, baseline: Baseline, path: Path, when: datetime.datetime) -> None:
    """Top: the whole drain, backlog (left axis) and replicas (right axis). Bottom: the scale-up from zero and the
    scale back to zero, zoomed in."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t0 = drain.launched
    steps = _replica_steps(drain.samples)
    step_x = [0.0] + [at - t0 for at, _ in steps]
    step_y = [0] + [n for _, n in steps]
    at = [s.at - t0 for s in drain.samples]
    events = sorted(
        [(created - t0, 1) for created, _ in drain.lifetimes.values()]
        + [(gone - t0, -1) for _, gone in drain.lifetimes.values() if gone is not None]
    )
    alive_x, alive_y = [0.0], [0]
    for when_s, delta in events:
        alive_x.append(when_s)
        alive_y.append(alive_y[-1] + delta)
    alive_x.append(at[-1] if at else 0.0)
    alive_y.append(alive_y[-1])
    backlog = [(s.at - t0, s.backlog) for s in drain.samples if s.backlog is not None]
    remaining = [drain.messages - s.processed for s in drain.samples]
    end = drain.last_finished - t0
    ideal = drain.messages / (drain.peak * baseline.rate) if drain.peak else math.nan
    first = drain.first_started - t0

    fig = plt.figure(figsize=(11, 7.6))
    grid = fig.add_gridspec(2, 2, height_ratios=[1.25, 1], hspace=0.42, wspace=0.32)
    whole = fig.add_subplot(grid[0, :])
    fig.suptitle(
        f"funchost up: {drain.messages:,} queued messages drained from 0 workers (max {drain.max_replicas} replicas, "
        f"poll 1 s, {baseline.rate:.1f} msg/s per worker) — {when:%Y-%m-%d}",
        fontsize=11,
    )
    whole.plot(
        [x for x, _ in backlog],
        [y for _, y in backlog],
        color="tab:red",
        linewidth=2,
        label="backlog read by the scaler (ApproximateMessagesCount)",
    )
    whole.plot(
        [first, first + ideal],
        [drain.messages, 0],
        color="tab:green",
        linewidth=1.2,
        linestyle="-.",
        label=f"ideal: {drain.peak} × one worker's rate from the first invocation ({ideal:.0f} s)",
    )
    whole.set_ylabel("messages waiting", color="tab:red")
    whole.set_ylim(0, drain.messages * 1.08)
    whole.set_xlabel("seconds since `funchost up` was launched")
    whole.grid(True, alpha=0.3)
    whole.axvline(end, color="black", linewidth=0.8, alpha=0.6)
    whole.annotate(
        f"all processed: {end:.1f} s = {end / ideal:.2f}× ideal",
        xy=(end, drain.messages * 0.9),
        xytext=(-8, 0),
        textcoords="offset points",
        ha="right",
        fontsize=8,
    )
    replicas = whole.twinx()
    replicas.step(step_x, step_y, where="post", color="tab:blue", linewidth=1.6, label="replicas (controller)")
    replicas.set_ylabel("replicas", color="tab:blue")
    replicas.set_ylim(0, drain.max_replicas * 1.08 + 0.5)
    replicas.set_yticks(range(drain.max_replicas + 1))
    lines = whole.get_legend_handles_labels()
    more = replicas.get_legend_handles_labels()
    whole.legend(lines[0] + more[0], lines[1] + more[1], loc="lower center", fontsize=8)

    def zoom(axis: Any, low: float, high: float, title: str) -> tuple[Any, Any]:
        axis.step(step_x, step_y, where="post", color="tab:blue", linewidth=2, label="replicas (controller)")
        axis.step(
            alive_x,
            alive_y,
            where="post",
            color="tab:orange",
            linewidth=1.4,
            linestyle=":",
            label="worker processes (created → exited, from /proc)",
        )
        axis.set_ylim(0, drain.max_replicas + 0.6)
        axis.set_yticks(range(drain.max_replicas + 1))
        axis.set_ylabel("replicas")
        axis.set_xlim(low, high)
        axis.set_xlabel("seconds since launch")
        axis.set_title(title, fontsize=9)
        axis.grid(True, alpha=0.3)
        count = axis.twinx()
        count.plot(
            [x for x, _ in backlog], [y for _, y in backlog], color="tab:red", linewidth=1.6, label="backlog (scaler)"
        )
        count.plot(at, remaining, color="tab:gray", linewidth=1, linestyle="--", label="not yet processed")
        count.set_ylabel("messages", color="tab:red")
        visible = [y for x, y in backlog if low <= x <= high]
        visible += [r for x, r in zip(at, remaining, strict=True) if low <= x <= high]
        count.set_ylim(0, max(visible, default=1) * 1.1 + 1)
        return axis.get_legend_handles_labels(), count.get_legend_handles_labels()

    start_axis = fig.add_subplot(grid[1, 0])
    (handles, labels), (extra, extra_labels) = zoom(
        start_axis, 0, max(8.0, first + 4), "from zero: first tick, 0 → 1, 1 → N"
    )
    fig.legend(
        handles + extra, labels + extra_labels, loc="lower center", ncol=4, fontsize=8, bbox_to_anchor=(0.5, -0.02)
    )
    start_axis.axvline(first, color="tab:green", linewidth=1, alpha=0.8)
    start_axis.annotate(
        f"first invocation {first:.2f} s",
        xy=(first, 0.3),
        xytext=(4, 0),
        textcoords="offset points",
        fontsize=7,
        color="tab:green",
    )
    last_change = max((x for x in step_x), default=end)
    end_axis = fig.add_subplot(grid[1, 1])
    zoom(end_axis, end - 12, max(last_change, end) + 4, "back to zero: cooldown 3 s")
    end_axis.axvline(end, color="black", linewidth=0.8, alpha=0.6)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
