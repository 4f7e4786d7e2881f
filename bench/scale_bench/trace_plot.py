"""Part 5's plots: per trace, replicas against the backlog for funchost's rule and for KEDA + HPA, one panel each
(the middle phase's run), drawn as docs/scaling-timeline.png is (matplotlib Agg, backlog left, replicas right)."""

from __future__ import annotations

import datetime
from pathlib import Path

from scale_controller.replay import Comparison


def plot_trace(result: Comparison, path: Path, when: datetime.datetime) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = result.runs
    end = max(run.timeline.at[-1] for run in runs.values() if run.timeline.at)
    peak = max(max(run.timeline.replicas, default=0) for run in runs.values())
    top = max(max(run.timeline.metric, default=0.0) for run in runs.values())
    w = result.workers
    standby = "no standby" if w.standby_start is None else f"funchost's standby promoted in {w.standby_start:.3f} s"
    fig, axes = plt.subplots(len(runs), 1, figsize=(11, 3.2 * len(runs)), sharex=True)
    fig.suptitle(
        f"{result.trace.name}: {result.trace.total:,} messages; simulated workers start {w.start_seconds:.2f} s cold "
        f"({standby}), {w.rate:.1f} msg/s each (measured) — {when:%Y-%m-%d}",
        fontsize=11,
    )
    for axis, (name, run) in zip(axes, runs.items(), strict=True):
        line, o = run.timeline, run.outcome
        axis.plot(line.at, line.waiting, color="tab:red", linewidth=1.6, label="messages waiting")
        axis.plot(line.at, line.metric, color="tab:red", linewidth=0.8, linestyle=":", label="metric (waiting + held)")
        axis.set_ylabel("messages", color="tab:red")
        axis.set_ylim(0, top * 1.08 + 1)
        axis.grid(True, alpha=0.3)
        axis.set_title(
            f"{name}: backlog-age p95 {o.age_p95:.1f} s, drain {o.drain:.0f} s, {o.replica_seconds:,.0f} replica-s "
            f"({o.idle_seconds:,.0f} idle), {o.direction_changes} direction changes",
            fontsize=9,
        )
        replicas = axis.twinx()
        replicas.step(line.at, line.replicas, where="post", color="tab:blue", linewidth=1.6, label="replicas")
        replicas.step(
            line.at, line.started, where="post", color="tab:cyan", linewidth=1, linestyle="--", label="started"
        )
        replicas.set_ylabel("replicas", color="tab:blue")
        replicas.set_ylim(0, peak * 1.1 + 1)
        handles, labels = axis.get_legend_handles_labels()
        more, more_labels = replicas.get_legend_handles_labels()
        axis.legend(handles + more, labels + more_labels, loc="upper right", fontsize=8)
    axes[-1].set_xlabel("seconds since the trace began")
    axes[-1].set_xlim(0, end)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
