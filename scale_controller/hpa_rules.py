"""HPA `spec.behavior` as pure functions: the scale-up / scale-down rate policies and the stabilization windows.

Mirrors kubernetes/kubernetes `pkg/controller/podautoscaler/horizontal.go` (`stabilizeRecommendationWithBehaviors`,
`calculateScaleUpLimitWithScalingRules`, `calculateScaleDownLimitWithBehaviors`, `getReplicasChangePerPeriod`).
Defaults are the HPA's documented default behavior (reference/keda.md §1.4).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Rate:
    """One HPA scaling policy (`HPAScalingPolicy`): at most `value` pods / percent per `period_seconds`."""

    kind: Literal["Pods", "Percent"]
    value: int
    period_seconds: int


@dataclass(frozen=True)
class Rules:
    """One direction of HPA `spec.behavior` (`HPAScalingRules`)."""

    stabilization_window_seconds: int
    rates: tuple[Rate, ...]
    select: Literal["Max", "Min", "Disabled"] = "Max"

    def __post_init__(self) -> None:
        # The API server's validation of HPAScalingRules (autoscaling/v2): window 0..3600 s, value > 0,
        # period 1..1800 s, at least one policy unless selectPolicy is Disabled.
        if not 0 <= self.stabilization_window_seconds <= 3600:
            raise ValueError(
                f"stabilizationWindowSeconds {self.stabilization_window_seconds} is out of range: expected 0..3600"
            )
        if not self.rates and self.select != "Disabled":
            raise ValueError("a scaling rule needs at least one policy: add one, or set selectPolicy: Disabled")
        for rate in self.rates:
            if rate.kind not in ("Pods", "Percent") or rate.value <= 0 or not 0 < rate.period_seconds <= 1800:
                raise ValueError(
                    f"invalid scaling policy {rate}: expected type Pods or Percent, value > 0 and "
                    "periodSeconds 1..1800; fix the policy in the scale settings"
                )

    def describe(self, sign: str) -> str:
        parts = [f"{sign}{r.value}{' %' if r.kind == 'Percent' else ''}" for r in self.rates]
        if len({r.period_seconds for r in self.rates}) == 1:
            return f"{' or '.join(parts)} per {self.rates[0].period_seconds} s"
        return " or ".join(f"{p} per {r.period_seconds} s" for p, r in zip(parts, self.rates, strict=True))


# The HPA's default behavior (k8s docs "Default Behavior"; SetDefaults_HorizontalPodAutoscalerBehavior).
DEFAULT_SCALE_UP = Rules(0, (Rate("Pods", 4, 15), Rate("Percent", 100, 15)))
DEFAULT_SCALE_DOWN = Rules(300, (Rate("Percent", 100, 15),))


@dataclass(frozen=True)
class Sample:
    """An unstabilized recommendation the HPA made at `at` (for the stabilization windows)."""

    at: float
    replicas: int


@dataclass(frozen=True)
class ScaleEvent:
    """A change the HPA made at `at`: +n scaled up, -n scaled down (for the rate policies)."""

    at: float
    change: int


def _changed_within(events: Sequence[ScaleEvent], period: int, now: float, up: bool) -> int:
    # horizontal.go getReplicasChangePerPeriod: events strictly after now - period.
    return sum(abs(e.change) for e in events if e.at > now - period and (e.change > 0) == up)


def _limits(
    current: int, events: Sequence[ScaleEvent], rules: Rules, now: float, limit: Callable[[int, Rate], int]
) -> list[int]:
    """Each policy's `limit` of the replica count at the start of its period (the current count, less what was
    scaled up within the period, plus what was scaled down)."""
    limits = []
    for rate in rules.rates:
        start = current - _changed_within(events, rate.period_seconds, now, True)
        limits.append(limit(start + _changed_within(events, rate.period_seconds, now, False), rate))
    return limits


def _grown(start: int, rate: Rate) -> int:
    # Percent rounded up so that a small count can still grow.
    return start + rate.value if rate.kind == "Pods" else math.ceil(start * (1 + rate.value / 100))


def _shrunk(start: int, rate: Rate) -> int:
    return start - rate.value if rate.kind == "Pods" else int(start * (1 - rate.value / 100))


def scale_up_limit(current: int, events: Sequence[ScaleEvent], rules: Rules, now: float) -> int:
    """horizontal.go calculateScaleUpLimitWithScalingRules: the most policy allowing (Max) or the least (Min)."""
    if rules.select == "Disabled":
        return current
    limits = _limits(current, events, rules, now, _grown)
    return max(limits) if rules.select == "Max" else min(limits)


def scale_down_limit(current: int, events: Sequence[ScaleEvent], rules: Rules, now: float) -> int:
    """horizontal.go calculateScaleDownLimitWithBehaviors: the most policy allowing (Max, the lowest) or the least."""
    if rules.select == "Disabled":
        return current
    limits = _limits(current, events, rules, now, _shrunk)
    return min(limits) if rules.select == "Max" else max(limits)


def stabilize(current: int, desired: int, history: Sequence[Sample], up: Rules, down: Rules, now: float) -> int:
    """horizontal.go stabilizeRecommendationWithBehaviors: the lowest recommendation of the scale-up window and the
    highest of the scale-down window bound the move away from `current`."""
    up_rec, down_rec = desired, desired
    for sample in history:
        if sample.at > now - up.stabilization_window_seconds:
            up_rec = min(up_rec, sample.replicas)
        if sample.at > now - down.stabilization_window_seconds:
            down_rec = max(down_rec, sample.replicas)
    return min(max(current, up_rec), down_rec)


def keep_recent(history: Sequence[Sample], up: Rules, down: Rules, now: float) -> tuple[Sample, ...]:
    window = max(up.stabilization_window_seconds, down.stabilization_window_seconds)
    return tuple(s for s in history if s.at > now - window)


def keep_recent_events(events: Sequence[ScaleEvent], up: Rules, down: Rules, now: float) -> tuple[ScaleEvent, ...]:
    period = max((r.period_seconds for r in (*up.rates, *down.rates)), default=0)
    return tuple(e for e in events if e.at > now - period)
