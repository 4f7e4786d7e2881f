"""The bench's Summary lines for the load traces (bench/scale_bench/report.py `traces_summary`), from the results
part 5 returns for a real (small) comparison — no workers measured, nothing timed."""

from __future__ import annotations

from bench.scale_bench.report import traces_summary
from bench.scale_bench.traces import trace_summary
from scale_controller.policy import Policy
from scale_controller.replay import compare
from scale_controller.replay_pool import Workers
from scale_controller.replay_trace import Trace


def test_each_trace_lists_its_ratios_and_every_target_met_or_missed() -> None:
    workers = Workers(start_seconds=0.5, rate=10.0, slots=10, standby_start=0.1)
    result = compare(Trace("tiny", (0,) * 5 + (200,)), workers, Policy(), target=10, phases=2)
    lines = traces_summary({"traces": {"tiny": trace_summary(result)}})
    assert lines[0].startswith("  load traces (funchost vs KEDA + HPA defaults;")
    ours, keda = result.mean["funchost"], result.mean["KEDA + HPA"]
    activation = ours.activation / keda.activation  # type: ignore[operator]
    assert lines[1].startswith(f"    tiny: vs KEDA activation {activation:.3g}×, age p95 ")
    bound = ours.replica_seconds / result.oracle.replica_seconds
    planned = ours.replica_seconds / result.schedule.outcome.replica_seconds
    assert lines[1].endswith(f"; vs oracle {bound:.3g}× / {planned:.3g}×")
    assert lines[2].startswith("      activation ≤ 0.1× KEDA PASS; backlog-age p95 ≤ 0.5× KEDA ")
    assert "no flapping (flaps) PASS; equal-service replica-s ≤ 1.1× " in lines[2]
    assert len(lines) == 3


def test_no_traces_part_adds_nothing() -> None:
    assert traces_summary(None) == [] and traces_summary({}) == []
