"""The controllers a replay compares, each acting on its own clock when the simulator asks it every step.

- `Funchost`: the controller's own rule, `decision.decide`, every `interval` (1 s as `funchost up`), with one queue
  trigger (value = the queue's ApproximateMessagesCount, its target, active above the activation threshold) —
  exactly the Reading `ScaleLoop.tick` builds from the azure-queue scaler.
- `Keda`: KEDA + the HPA with their defaults (reference/keda.md §1.1, §1.3, §1.4): KEDA's operator polls every
  `polling_interval` (30 s) and owns 0 ↔ 1 (`RequestScale`: activate to max(minReplicaCount, 1), refresh
  lastActiveTime while active, → 0 once lastActiveTime + cooldownPeriod < now); the HPA syncs every `sync_period`
  (15 s), reads the metric live (no useCachedMetrics) and owns 1 ↔ N through `hpa.reconcile` (tolerance,
  stabilization, rate policies — the same HPA model `decide` uses). The HPA does nothing at 0 replicas.
Both start with the first tick at `phase` seconds, so a caller can average over where the load lands in the poll.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from scale_controller import hpa
from scale_controller.decision import Reading, State, decide
from scale_controller.hpa_rules import Sample, ScaleEvent
from scale_controller.policy import Policy

TRIGGER = "queue"
EPSILON = 1e-9  # a tick due at t runs in the step that starts at t (steps are floats)


def messages(metric: float) -> float:
    """The whole messages a scaler counts in the simulator's fluid queue: one that has begun to arrive counts."""
    return float(math.ceil(metric - 1e-6))


@dataclass
class Funchost:
    policy: Policy
    target: float  # messages per replica (the scaler's target: the host's concurrency)
    interval: float = 1.0
    phase: float = 0.0
    activation_threshold: float = 0.0
    name: str = "funchost"
    _next: float | None = None
    _state: State | None = None

    def step(self, now: float, metric: float, current: int) -> int:
        if self._next is None:
            self._next = self.phase
        if now + EPSILON < self._next:
            return current
        self._next += self.interval
        value = messages(metric)
        reading = Reading(TRIGGER, value, self.target, value > self.activation_threshold)
        state = self._state or State.initial(now, current)
        decision = decide([reading], current, self.policy, state, now)
        self._state = decision.state
        return decision.desired


@dataclass
class Keda:
    policy: Policy
    target: float
    polling_interval: float = 30.0
    sync_period: float = 15.0
    phase: float = 0.0  # of the KEDA poll; the HPA sync starts at the same fraction of its own period
    activation_threshold: float = 0.0
    name: str = "KEDA + HPA"
    _poll: float | None = None
    _sync: float | None = None
    _created: float = 0.0
    _last_active: float | None = None
    _history: tuple[Sample, ...] = ()
    _events: tuple[ScaleEvent, ...] = ()

    def step(self, now: float, metric: float, current: int) -> int:
        if self._poll is None or self._sync is None:
            self._poll, self._created = self.phase, now
            self._sync = self.phase / self.polling_interval * self.sync_period
        desired = current
        value = messages(metric)
        if now + EPSILON >= self._poll:  # the operator's scale loop first, as when both land on the same instant
            self._poll += self.polling_interval
            desired = self._executor(now, value > self.activation_threshold, desired)
        if now + EPSILON >= self._sync:
            self._sync += self.sync_period
            desired = self._hpa(now, value, desired)
        return desired

    def _executor(self, now: float, active: bool, current: int) -> int:
        policy = self.policy
        if active:
            self._last_active = now
            return max(policy.min_replicas, 1) if current == 0 else current
        if current > 0 and policy.min_replicas == 0:
            since = self._last_active
            if (since is None and self._created + policy.initial_cooldown_period < now) or (
                since is not None and since + policy.cooldown_period < now
            ):
                return 0
        return max(current, policy.min_replicas)

    def _hpa(self, now: float, value: float, current: int) -> int:
        if current == 0:  # ScalingDisabled: only KEDA's activation brings the target back
            return 0
        policy = self.policy
        proposal = hpa.metric_proposal(TRIGGER, value, self.target, current, policy.tolerance)
        outcome = hpa.reconcile(
            [proposal],
            current,
            max(policy.min_replicas, 1),
            policy.max_replicas,
            policy.scale_up,
            policy.scale_down,
            self._history,
            self._events,
            now,
        )
        self._history, self._events = outcome.history, outcome.events
        return outcome.desired


def with_phase(controller: Funchost | Keda, fraction: float) -> Funchost | Keda:
    """The same controller with its first tick `fraction` (0..1) of its polling interval after the start."""
    period = controller.interval if isinstance(controller, Funchost) else controller.polling_interval
    return replace(controller, phase=fraction * period)
