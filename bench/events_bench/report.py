"""The results table with ratios against the targets."""

from __future__ import annotations

from bench.events_bench.result import Result
from bench.events_bench.settings import FASTSTREAM_TARGET, RAW_TARGET


def describe(result: Result) -> str:
    if result.error:
        return f"{result.label}: ERROR {result.error}"
    checks = ", ".join(result.checks + broker_note(result))
    return (
        f"{result.label}: {result.rate:,.0f} msg/s, {result.cpu_us:,.0f} µs CPU/msg, {result.cpu_share:.0%} of a core "
        f"({result.window_messages:,} msgs in {result.window_s:.2f} s; start → last {result.wall_s:.1f} s; {checks})"
    )


def broker_note(result: Result) -> list[str]:
    """Service Bus: the stand-in broker's CPU per message over the same run (it shares the machine's 2 cores)."""
    return [f"stand-in broker {result.broker_cpu_us:,.0f} µs CPU/msg"] if result.broker_cpu_s else []


def verdict(ratio: float, target: float) -> str:
    return "PASS" if ratio >= target else "MISS"


def summary(results: list[Result]) -> str:
    rows = [
        "| broker | consumer | msg/s | consumer CPU µs/msg | consumer core busy | start → last msg | check |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        if r.error:
            rows.append(f"| {r.broker} | {r.label} | error | | | | {r.error.splitlines()[0]} |")
        else:
            rows.append(
                f"| {r.broker} | {r.label} | {r.rate:,.0f} | {r.cpu_us:,.0f} | {r.cpu_share:.0%} | {r.wall_s:.1f} s | "
                f"{', '.join(r.checks + broker_note(r))} |"
            )
    rows += [
        "",
        "| broker | funchost | funchost / raw (target ≥ 0.9) | funchost / FastStream (target ≥ 1.0) |",
        "|---|---|---|---|",
    ]
    for broker in dict.fromkeys(r.broker for r in results):
        by = {r.variant: r for r in results if r.broker == broker and not r.error}
        for mine, faststream in (("funchost", "faststream"), ("funchost-batch", "faststream-batch")):
            fh = by.get(mine)
            if fh is None:
                continue
            cells = []
            for key, target in (("raw", RAW_TARGET), (faststream, FASTSTREAM_TARGET)):
                other = by.get(key)
                if other is None or not other.rate:
                    none = broker in ("queue", "servicebus") and key != "raw"
                    cells.append("n/a (no FastStream broker)" if none else "—")
                    continue
                ratio = fh.rate / other.rate
                cpu_ratio = other.cpu_us / fh.cpu_us  # the same ratio from CPU cost per message: less noisy
                cells.append(f"{ratio:.2f}× **{verdict(ratio, target)}** (by CPU/msg: {cpu_ratio:.2f}×)")
            rows.append(f"| {broker} | {fh.label} | {cells[0]} | {cells[1]} |")
    return "\n".join(rows)
