"""Printing a replay's Comparison: the worker model, the oracle's bracket, one row per controller, the ratios and
the issue's targets met or missed (`funchost scale replay`, bench/scale.py --parts traces)."""

from __future__ import annotations

from scale_controller.replay import Comparison, checks, ratio


def render(result: Comparison) -> str:
    trace, w, oracle = result.trace, result.workers, result.oracle
    standby = "no standby" if w.standby_start is None else f"funchost's standby promoted in {w.standby_start:.3g} s"
    lines = [
        f"Trace {trace.name}: {trace.total:,} messages over {trace.seconds:,} s; workers start in "
        f"{w.start_seconds:.3g} s ({standby}; KEDA's pods cold), take {w.rate:.3g} msg/s, hold {w.slots}",
        f"Oracle (lower bound, waits ≤ {oracle.wait_target:.2f} s): {oracle.replica_seconds:,.0f} replica-seconds "
        f"= {oracle.busy_seconds:,.0f} busy + {oracle.workers} workers × ({oracle.start_seconds:.3g} s start + "
        f"{oracle.finish_seconds:.3g} s finishing their last take)",
        f"Oracle (feasible schedule, cold starts, {'every wait' if result.schedule.feasible else 'NOT all waits'} ≤ "
        f"{oracle.wait_target:.2f} s): {result.schedule.outcome.replica_seconds:,.0f} replica-seconds; the optimum "
        "lies between the two",
        "",
    ]
    header = ("controller", "activation s", "age p50 s", "age p95 s", "drain s", "replica-s", "idle", "peak", "turns")
    rows = [header]
    for name, o in result.mean.items():
        rows.append(
            (
                name,
                "-" if o.activation is None else f"{o.activation:.2f}",
                f"{o.age_p50:.2f}",
                f"{o.age_p95:.2f}",
                f"{o.drain:.1f}",
                f"{o.replica_seconds:,.0f}",
                f"{o.idle_seconds:,.0f}",
                str(o.peak),
                f"{o.direction_changes} ({o.flaps} flaps)",
            )
        )
    plan = result.schedule.outcome
    rows.append(
        (
            "oracle (schedule)",
            "-",
            f"{plan.age_p50:.2f}",
            f"{plan.age_p95:.2f}",
            f"{plan.drain:.1f}",
            f"{plan.replica_seconds:,.0f}",
            f"{plan.idle_seconds:,.0f}",
            str(plan.peak),
            f"{plan.direction_changes} ({plan.flaps} flaps)",
        )
    )
    rows.append(
        (
            "oracle (bound)",
            "-",
            "-",
            f"≤ {oracle.wait_target:.2f}",
            "-",
            f"{oracle.replica_seconds:,.0f}",
            "-",
            str(oracle.workers),
            "-",
        )
    )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines += [
        "  ".join(cell.rjust(wd) if i else cell.ljust(wd) for i, (cell, wd) in enumerate(zip(r, widths, strict=True)))
        for r in rows
    ]
    ours, keda = result.mean["funchost"], result.mean["KEDA + HPA"]
    pairs = [("activation", ours.activation, keda.activation), ("age p95", ours.age_p95, keda.age_p95)]
    pairs += [("drain", ours.drain, keda.drain), ("replica-s", ours.replica_seconds, keda.replica_seconds)]
    lines.append("funchost / KEDA: " + ", ".join(f"{n} {_times(ratio(a, b))}" for n, a, b in pairs))
    lines.append(
        "vs the oracle's replica-seconds (bound / schedule): "
        + ", ".join(
            f"{n} {_times(ratio(o.replica_seconds, oracle.replica_seconds))} / "
            f"{_times(ratio(o.replica_seconds, plan.replica_seconds))}"
            for n, o in result.mean.items()
        )
    )
    if result.equal_service:
        lines.append(
            "at equal service (the oracle held to each controller's own longest wait; bound / schedule): "
            + ", ".join(
                f"{n} {_times(ratio(result.mean[n].replica_seconds, b.replica_seconds))} / "
                f"{_times(ratio(result.mean[n].replica_seconds, p.outcome.replica_seconds))} "
                f"(≤ {b.wait_target:.3g} s)"
                for n, (b, p) in result.equal_service.items()
            )
        )
    lines.append("")
    for name, value, met in checks(result):
        shown = "n/a" if value is None else f"{value:.3g}"
        lines.append(f"  {name:<32} {shown:>8}  {verdict(met)}")
    return "\n".join(lines) + "\n"


def verdict(met: bool | None) -> str:
    return "n/a" if met is None else "met" if met else "MISSED"


def _times(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio:.3g}×"
