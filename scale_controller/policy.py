"""The scaling policy of one app: KEDA ScaledObject fields plus the HPA behavior, with KEDA's defaults.

Defaults and limits: reference/keda.md §1.1 (kedacore/keda `apis/keda/v1alpha1/scaledobject_types.go`,
`pkg/scaling/executor/scale_executor.go` defaultCooldownPeriod / defaultInitialCooldownPeriod) and §1.4 (HPA
tolerance 0.1 and default behavior). Invalid values fail at construction with the field, the value and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass

from funchost.errors import ConfigurationError
from scale_controller.hpa_rules import DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP, Rules


class PolicyError(ConfigurationError, ValueError):
    """A scaling policy value is out of range; the message names the field, the value and the fix."""


@dataclass(frozen=True)
class Fallback:
    """ScaledObject `fallback`: after more than `failure_threshold` consecutive failures of a trigger, the HPA
    sees a metric worth `replicas` replicas for it (behavior `static`)."""

    failure_threshold: int
    replicas: int


@dataclass(frozen=True)
class Policy:
    min_replicas: int = 0  # minReplicaCount
    max_replicas: int = 100  # maxReplicaCount
    cooldown_period: float = 300.0  # seconds after the last active report before scaling to 0
    initial_cooldown_period: float = 0.0  # seconds after creation before the first scale to 0
    tolerance: float = 0.1  # --horizontal-pod-autoscaler-tolerance
    scale_up: Rules = DEFAULT_SCALE_UP  # advanced.horizontalPodAutoscalerConfig.behavior.scaleUp
    scale_down: Rules = DEFAULT_SCALE_DOWN  # ... .behavior.scaleDown
    fallback: Fallback | None = None
    paused: bool = False  # autoscaling.keda.sh/paused
    paused_replicas: int | None = None  # autoscaling.keda.sh/paused-replicas (wins over paused)

    def __post_init__(self) -> None:
        if self.min_replicas < 0:
            _fail("minReplicaCount", self.min_replicas, "0 or more")
        if self.max_replicas < max(self.min_replicas, 1):
            _fail(
                "maxReplicaCount",
                self.max_replicas,
                f"at least minReplicaCount ({self.min_replicas}) and at least 1",
            )
        for name, seconds in (
            ("cooldownPeriod", self.cooldown_period),
            ("initialCooldownPeriod", self.initial_cooldown_period),
        ):
            if seconds < 0:
                _fail(name, seconds, "0 or more seconds")
        if not 0 <= self.tolerance < 1:
            _fail("tolerance", self.tolerance, "a fraction from 0 to below 1 (0.1 = 10 %)")
        if self.fallback is not None and (self.fallback.failure_threshold < 0 or self.fallback.replicas < 0):
            _fail("fallback", self.fallback, "failureThreshold and replicas of 0 or more")
        if self.paused_replicas is not None and self.paused_replicas < 0:
            _fail("paused-replicas", self.paused_replicas, "0 or more")


def _fail(field: str, given: object, expected: str) -> None:
    raise PolicyError(
        f"scaling policy {field} is {given!r}: expected {expected}. Fix: change {field} in the scale settings"
    )
