"""`funchost scale replay TRACE.csv` as a real subprocess on a small CSV (offline: no broker, no workers)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from funchost.cli.scale_replay import WORKER_STANDBY_START, standby_start
from tests.support.hostproc import run_cli


def test_replay_prints_both_controllers_the_oracle_and_the_targets(tmp_path: Path) -> None:
    trace = tmp_path / "small.csv"
    trace.write_text("t_seconds,arrivals\n5,300\n6,300\n")
    args = ["scale", "replay", str(trace), "--worker-start", "0.5", "--worker-rate", "10", "--phases", "2"]
    result = run_cli(args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith(
        "Trace small: 600 messages over 7 s; workers start in 0.5 s (funchost's standby promoted in "
        f"{WORKER_STANDBY_START:.3g} s; KEDA's pods cold), take 10 msg/s, hold 24\n"
    )
    # 600 / (10 msg/s) = 60 busy; the wait target is 24 / 10 = 2.4 s, so 600 / (10 × (2 + 2.4)) → 14 workers, each
    # started at least in the standby's promotion time (the cheapest start) and holding its last take 2.4 s less a step
    bound = 60 + 14 * (WORKER_STANDBY_START + 2.3)
    assert f"Oracle (lower bound, waits ≤ 2.40 s): {bound:,.0f} replica-seconds = 60 busy + 14 workers × (" in out
    assert "Oracle (feasible schedule, cold starts, every wait ≤ 2.40 s): " in out
    rows = {line.split("  ")[0] for line in out.splitlines()}
    assert {"funchost", "KEDA + HPA", "oracle (schedule)", "oracle (bound)"} <= rows
    for target in ("activation ≤ 0.1× KEDA", "backlog-age p95 ≤ 0.5× KEDA", "replica-seconds ≤ 1.1× oracle"):
        assert target in out


def test_a_malformed_trace_is_bad_input_naming_the_line(tmp_path: Path) -> None:
    trace = tmp_path / "bad.csv"
    trace.write_text("t_seconds,arrivals\n3,1\n2,1\n")
    result = run_cli(["scale", "replay", str(trace)], cwd=tmp_path)
    assert result.returncode == 2
    assert f"{trace} line 3: t_seconds 2 is not after 3" in result.stderr


@pytest.mark.parametrize(("text", "seconds"), [("0.05", 0.05), ("0", None), ("none", None), (" None ", None)])
def test_worker_standby_start_parses_seconds_or_no_standby(text: str, seconds: float | None) -> None:
    assert standby_start(text) == seconds


@pytest.mark.parametrize("text", ["-1", "soon", "nan"])
def test_a_bad_worker_standby_start_is_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="or none"):
        standby_start(text)


def test_no_standby_models_docker_and_kubernetes_targets_where_every_worker_starts_cold(tmp_path: Path) -> None:
    trace = tmp_path / "small.csv"
    trace.write_text("t_seconds,arrivals\n5,300\n6,300\n")
    common = ["scale", "replay", str(trace), "--worker-start", "0.5", "--worker-rate", "10", "--phases", "5"]
    cold = run_cli([*common, "--worker-standby-start", "none"], cwd=tmp_path)
    warm = run_cli([*common, "--worker-standby-start", "0.2"], cwd=tmp_path)
    assert cold.returncode == 0 and warm.returncode == 0, cold.stderr + warm.stderr
    assert "workers start in 0.5 s (no standby; KEDA's pods cold)" in cold.stdout
    activation = {out: _activation(out) for out in (cold.stdout, warm.stdout)}
    # funchost polls every 1 s at phases 0, 0.2 .. 0.8: mean wait 0.4 s, then a cold start (0.5) or a promotion (0.2)
    assert activation[cold.stdout] == "0.90" and activation[warm.stdout] == "0.60"
    too_slow = run_cli([*common, "--worker-standby-start", "0.7"], cwd=tmp_path)
    assert too_slow.returncode == 2 and "--worker-standby-start" in too_slow.stderr


def _activation(out: str) -> str:
    row = next(line for line in out.splitlines() if line.startswith("funchost "))
    return row.split()[1]
