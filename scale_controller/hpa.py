"""The HPA half of the scaling rule (1↔N), pure: replicas per metric with the tolerance guard, then one
reconcile step (errors, stabilization, rate policies, min/max) that also explains itself in one line.

Mirrors kubernetes/kubernetes `pkg/controller/podautoscaler/`: `replica_calculator.go`
(`GetExternalPerPodMetricReplicas`) and `horizontal.go` (`reconcileAutoscaler`, `computeReplicasForMetrics`,
`normalizeDesiredReplicasWithBehaviors`, `convertDesiredReplicasWithBehaviorRate`, `storeScaleEvent`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scale_controller import hpa_rules
from scale_controller.hpa_rules import Rules, Sample, ScaleEvent


@dataclass(frozen=True)
class Proposal:
    """What one trigger's metric asks for; `replicas` is None when the metric could not be read this time."""

    name: str
    replicas: int | None
    detail: str


@dataclass(frozen=True)
class Outcome:
    desired: int
    reason: str  # without the leading "current → desired: "
    history: tuple[Sample, ...]  # recommendations, including this one when the HPA computed one
    events: tuple[ScaleEvent, ...]  # scale events, including this change (drop it if the change was not applied)


def fmt(x: float) -> str:
    """A number for humans: 412, 17.2, 0.25."""
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.2f}".rstrip("0") if abs(x) < 1 else f"{x:.1f}"


def _milli(x: float) -> int:
    # KEDA reports metric and target in milli-units (scalers.GenerateMetricInMili / GetMetricTargetMili) and the
    # HPA computes on MilliValue(), so float noise (0.1 + 0.2) never changes a replica count.
    return round(x * 1000)


def external_metric_replicas(value: float, target: float, current: int, tolerance: float) -> int:
    """replica_calculator.go GetExternalPerPodMetricReplicas (AverageValue): ceil(metric / target), independent of
    the current count, unless the usage ratio metric / (target * current) is within the tolerance."""
    usage, per_pod = _milli(value), _milli(target)
    if current > 0 and 1.0 - tolerance <= usage / (per_pod * current) <= 1.0 + tolerance:  # Tolerances.isWithin
        return current
    return -(-usage // per_pod)


def metric_proposal(
    name: str, value: float, target: float, current: int, tolerance: float, headroom: float = 0.0
) -> Proposal:
    """The HPA's proposal for one metric; `headroom` (funchost's own, not the HPA's: 0 plays the HPA) keeps a
    scale-in from going below ceil(metric / target + headroom), so a metric wavering around a multiple of the target
    does not remove a replica it needs again a moment later."""
    replicas = external_metric_replicas(value, target, current, tolerance)
    detail = f"{fmt(value)} / target {fmt(target)} = {fmt(value / target)}"
    if replicas != -(-_milli(value) // _milli(target)):
        return Proposal(name, replicas, f"{detail}, within {fmt(tolerance * 100)} % tolerance of {current}")
    if headroom and replicas < current:
        kept = min(current, -(-(_milli(value) + _milli(headroom * target)) // _milli(target)))
        if kept > replicas:
            return Proposal(name, kept, f"{detail} → {replicas}, kept at {kept} (scale-in headroom {fmt(headroom)})")
    return Proposal(name, replicas, f"{detail} → {replicas}")


def reconcile(
    proposals: Sequence[Proposal],
    current: int,
    min_replicas: int,
    max_replicas: int,
    up: Rules,
    down: Rules,
    history: Sequence[Sample],
    events: Sequence[ScaleEvent],
    now: float,
) -> Outcome:
    """One HPA sync for a target with `current` > 0 replicas; `min_replicas` is the HPA's (>= 1)."""
    history, events = tuple(history), hpa_rules.keep_recent_events(events, up, down, now)
    # reconcileAutoscaler: out-of-range counts are corrected first, without metrics or stabilization.
    if current > max_replicas:
        return _scaled(current, max_replicas, f"above maxReplicaCount {max_replicas}", history, events, now)
    if current < min_replicas:
        return _scaled(current, min_replicas, f"below the minimum of {min_replicas}", history, events, now)
    valid = [p for p in proposals if p.replicas is not None]
    failing = "; ".join(f"{p.name} {p.detail}" for p in proposals if p.replicas is None)
    # computeReplicasForMetrics: the highest proposal wins; all metrics invalid, or some invalid while the rest
    # would scale down, is an error and the HPA does not scale (nor record a recommendation).
    best = max(valid, key=lambda p: p.replicas or 0, default=None)
    if best is None or best.replicas is None:
        return Outcome(current, f"no metric could be read ({failing or 'no triggers'})", history, events)
    if failing and best.replicas < current:
        reason = f"not scaling down to {best.replicas} while a metric cannot be read ({failing})"
        return Outcome(current, reason, history, events)
    raw = best.replicas
    reason = f"{best.name} {best.detail}" + (f" (highest of {len(valid)} triggers)" if len(valid) > 1 else "")
    stabilized = hpa_rules.stabilize(current, raw, history, up, down, now)
    history = (*hpa_rules.keep_recent(history, up, down, now), Sample(now, raw))
    if stabilized > raw:
        reason += f", held at {stabilized} by scale-down stabilization (highest recommendation in the last "
        reason += f"{down.stabilization_window_seconds} s)"
    elif stabilized < raw:
        reason += f", held at {stabilized} by scale-up stabilization (lowest recommendation in the last "
        reason += f"{up.stabilization_window_seconds} s)"
    desired, limit = _rate_limited(current, stabilized, min_replicas, max_replicas, up, down, events, now)
    if limit:
        reason += f", {limit}"
    return _scaled(current, desired, reason, history, events, now)


def _rate_limited(
    current: int,
    desired: int,
    min_replicas: int,
    max_replicas: int,
    up: Rules,
    down: Rules,
    events: Sequence[ScaleEvent],
    now: float,
) -> tuple[int, str]:
    """horizontal.go convertDesiredReplicasWithBehaviorRate: the rate policy or max/min, whichever binds first."""
    if desired > current:
        limit = max(hpa_rules.scale_up_limit(current, events, up, now), current)
        if desired > min(limit, max_replicas):
            if limit < max_replicas:
                return limit, f"capped by scale-up policy ({up.describe('+')})"
            return max_replicas, f"capped at maxReplicaCount {max_replicas}"
    elif desired < current:
        limit = min(hpa_rules.scale_down_limit(current, events, down, now), current)
        if desired < max(limit, min_replicas):
            if limit > min_replicas:
                return limit, f"limited by scale-down policy ({down.describe('-')})"
            return min_replicas, f"kept at the minimum of {min_replicas}"
    return desired, ""


def _scaled(
    current: int,
    desired: int,
    reason: str,
    history: tuple[Sample, ...],
    events: tuple[ScaleEvent, ...],
    now: float,
) -> Outcome:
    if desired != current:  # storeScaleEvent, after a successful rescale
        events = (*events, ScaleEvent(now, desired - current))
    return Outcome(desired, reason, history, events)
