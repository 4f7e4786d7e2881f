"""`funchost scale replay TRACE.csv` as a real subprocess on a small CSV (offline: no broker, no workers)."""

from __future__ import annotations

from pathlib import Path

from tests.support.hostproc import run_cli


def test_replay_prints_both_controllers_the_oracle_and_the_targets(tmp_path: Path) -> None:
    trace = tmp_path / "small.csv"
    trace.write_text("t_seconds,arrivals\n5,300\n6,300\n")
    args = ["scale", "replay", str(trace), "--worker-start", "0.5", "--worker-rate", "10", "--phases", "2"]
    result = run_cli(args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Trace small: 600 messages over 7 s; workers start in 0.5 s, take 10 msg/s, hold 24\n")
    # 600 / (10 msg/s) = 60 busy; the wait target is 24 / 10 = 2.4 s, so 600 / (10 × (2 + 2.4)) → 14 workers at once
    assert "Oracle (lower bound, waits ≤ 2.40 s): 67 replica-seconds = 60 busy + 14 starts × 0.5 s" in out
    rows = {line.split("  ")[0] for line in out.splitlines()}
    assert {"funchost", "KEDA + HPA", "oracle (bound)"} <= rows
    for target in ("activation ≤ 0.1× KEDA", "backlog-age p95 ≤ 0.5× KEDA", "replica-seconds ≤ 1.1× oracle"):
        assert target in out


def test_a_malformed_trace_is_bad_input_naming_the_line(tmp_path: Path) -> None:
    trace = tmp_path / "bad.csv"
    trace.write_text("t_seconds,arrivals\n3,1\n2,1\n")
    result = run_cli(["scale", "replay", str(trace)], cwd=tmp_path)
    assert result.returncode == 2
    assert f"{trace} line 3: t_seconds 2 is not after 3" in result.stderr
