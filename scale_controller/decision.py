"""The scaling rule, a pure function (no clocks, no I/O): `decide(readings, current, policy, state, now)`.

It plays both controllers that act on one KEDA-scaled Deployment, in the order they act:
1. KEDA's executor owns 0↔1 (activation, cooldown, minReplicaCount, fallback hold, pause) — reference/keda.md §1.3,
   kedacore/keda `pkg/scaling/executor/scale_scaledobjects.go` (`RequestScale`, `scaleToZeroOrIdle`,
   `scaleFromZeroOrIdle`) and `pkg/fallback/fallback.go` (`GetMetricsWithFallback`, `doFallback`).
2. The HPA owns 1↔N (keda.md §1.4): `scale_controller.hpa`, which cites kubernetes' `replica_calculator.go` and
   `horizontal.go`.
The result carries the desired count, a one-line reason and the next state. See docs/scaling.md "Scaling rule".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from scale_controller import hpa
from scale_controller.hpa_rules import Sample, ScaleEvent
from scale_controller.policy import Policy


@dataclass(frozen=True)
class Reading:
    """One trigger's measurement this tick; `error` set (and `value` None) when it could not be measured.
    `target` is the last known target (None if the trigger was never measured)."""

    name: str
    value: float | None
    target: float | None
    active: bool = False
    error: str | None = None


@dataclass(frozen=True)
class State:
    """What the controllers remember between ticks (KEDA status + the HPA controller's memory)."""

    created_at: float  # ScaledObject creationTimestamp (initialCooldownPeriod counts from it)
    last_active_at: float | None = None  # status.lastActiveTime
    history: tuple[Sample, ...] = ()  # HPA recommendations (stabilization windows)
    events: tuple[ScaleEvent, ...] = ()  # HPA scale events (rate policies)
    failures: Mapping[str, int] = field(default_factory=dict)  # status.health[trigger].numberOfFailures

    @classmethod
    def initial(cls, now: float, current: int) -> State:
        # horizontal.go recordInitialRecommendation: the count found at start is the first recommendation.
        return cls(created_at=now, history=(Sample(now, current),))


@dataclass(frozen=True)
class Decision:
    current: int
    desired: int
    reason: str  # "3 → 5: azure-queue:orders 412 / target 24 = 17.2 → 18, capped by scale-up policy (...)"
    active: bool
    proposals: tuple[hpa.Proposal, ...]  # per trigger, what its metric asks for
    state: State  # the next state once the target reached `desired`
    state_if_not_applied: State  # the next state when scale_to failed (nothing that needs the change recorded)


def decide(readings: Sequence[Reading], current: int, policy: Policy, state: State, now: float) -> Decision:
    failures = {r.name: state.failures.get(r.name, 0) + 1 if r.error is not None else 0 for r in readings}
    base = replace(state, failures=failures)  # fallback.go: an error increments, a success resets
    proposals = tuple(_proposal(r, current, policy, failures[r.name]) for r in readings)
    active = [r.name for r in readings if r.error is None and r.active]
    failing = [r.name for r in readings if r.error is not None]

    def done(desired: int, why: str, new: State, not_applied: State | None = None) -> Decision:
        arrow = f"{current} → {desired}" if desired != current else f"{current}"
        reason = f"{arrow}: {why}"
        return Decision(
            current, desired, reason, bool(active), proposals, new, new if not_applied is None else not_applied
        )

    # Pause annotations: paused-replicas wins over paused; KEDA stops the scale loop (nothing is remembered).
    if policy.paused_replicas is not None:
        return done(policy.paused_replicas, f"paused at {policy.paused_replicas} replicas (paused-replicas)", state)
    if policy.paused:
        return done(current, "paused (autoscaling is switched off)", state)

    note = ""
    if active:  # RequestScale, isActive branch
        if current == 0:  # scaleFromZeroOrIdle: max(minReplicaCount, 1), lastActiveTime = now on success
            n = max(policy.min_replicas, 1)
            return done(n, f"activated by {', '.join(active)}", replace(base, last_active_at=now), base)
        if not failing:  # with a partial trigger error KEDA leaves lastActiveTime as it was
            base = replace(base, last_active_at=now)
    elif failing and policy.fallback is not None and policy.fallback.replicas != 0:
        # Scaling to 0 would switch the HPA off and defeat the fallback (implicit maintenance-mode deactivation).
        note = f"not scaling to 0 while {', '.join(failing)} fails (fallback configured)"
    elif failing and policy.fallback is None:
        note = f"not scaling to 0 while {', '.join(failing)} fails"
    elif current > 0 and policy.min_replicas == 0:  # scaleToZeroOrIdle
        if _cooled_down(base, policy, now):
            return done(0, _idle_for(base, policy, now), base)
        note = _cooling(base, policy, now)
    elif current < policy.min_replicas:
        return done(policy.min_replicas, f"below minReplicaCount {policy.min_replicas}", base)

    if current == 0:  # the HPA (and so the fallback) is off at 0 replicas; only activation brings the target back
        return done(0, "idle, no trigger is active" + (f" ({', '.join(failing)} failing)" if failing else ""), base)
    outcome = hpa.reconcile(
        proposals,
        current,
        max(policy.min_replicas, 1),  # GetHPAMinReplicas
        policy.max_replicas,
        policy.scale_up,
        policy.scale_down,
        base.history,
        base.events,
        now,
    )
    applied = replace(base, history=outcome.history, events=outcome.events)
    not_applied = replace(applied, events=outcome.events[:-1] if outcome.desired != current else outcome.events)
    why = f"{outcome.reason}; {note}" if note else outcome.reason
    return done(outcome.desired, why, applied, not_applied)


def _proposal(reading: Reading, current: int, policy: Policy, failures: int) -> hpa.Proposal:
    if reading.error is None:
        if reading.value is not None and reading.target is not None and reading.target > 0:
            return hpa.metric_proposal(
                reading.name, reading.value, reading.target, current, policy.tolerance, policy.scale_in_headroom
            )
        return hpa.Proposal(reading.name, None, f"no usable metric ({reading.value!r} / target {reading.target!r})")
    fallback = policy.fallback
    if fallback is None or failures <= fallback.failure_threshold:  # fallback.go: strictly more failures
        more = (
            f"; fallback to {fallback.replicas} after {fallback.failure_threshold + 1 - failures} more"
            if fallback
            else ""
        )
        return hpa.Proposal(reading.name, None, f"failing ({failures}×: {reading.error}){more}")
    # doFallback: metric = int(target) * 1000 * replicas milli-units, run through the usual AverageValue formula.
    detail = f"failing {failures}× (> failureThreshold {fallback.failure_threshold}), fallback {fallback.replicas}"
    if reading.target is None:  # never measured: the formula would give the fallback count for any integer target
        return hpa.Proposal(reading.name, fallback.replicas, detail)
    value = int(reading.target) * fallback.replicas
    replicas = hpa.external_metric_replicas(value, reading.target, current, policy.tolerance)
    return hpa.Proposal(reading.name, replicas, f"{detail} → {replicas}")


def _cooled_down(state: State, policy: Policy, now: float) -> bool:
    # scaleToZeroOrIdle: lastActiveTime + cooldownPeriod < now, or, never active, creation + initialCooldown < now.
    if state.last_active_at is None:
        return state.created_at + policy.initial_cooldown_period < now
    return state.last_active_at + policy.cooldown_period < now


def _idle_for(state: State, policy: Policy, now: float) -> str:
    if state.last_active_at is None:
        return f"no trigger active since the start {hpa.fmt(now - state.created_at)} s ago"
    idle = hpa.fmt(now - state.last_active_at)
    return f"no trigger active for {idle} s (cooldownPeriod {hpa.fmt(policy.cooldown_period)} s)"


def _cooling(state: State, policy: Policy, now: float) -> str:
    if state.last_active_at is None:
        left = state.created_at + policy.initial_cooldown_period - now
        return f"no trigger active; scale to 0 in {hpa.fmt(max(left, 0))} s (initialCooldownPeriod)"
    left = state.last_active_at + policy.cooldown_period - now
    cooldown = hpa.fmt(policy.cooldown_period)
    return f"no trigger active; scale to 0 in {hpa.fmt(max(left, 0))} s (cooldownPeriod {cooldown} s)"
