"""The scaling policy of one app: KEDA ScaledObject fields plus the HPA behavior, with KEDA's defaults; and the two
sets of defaults the scaling commands start from (`DEFAULTS`).

Defaults and limits: reference/keda.md §1.1 (kedacore/keda `apis/keda/v1alpha1/scaledobject_types.go`,
`pkg/scaling/executor/scale_executor.go` defaultCooldownPeriod / defaultInitialCooldownPeriod) and §1.4 (HPA
tolerance 0.1 and default behavior). Invalid values fail at construction with the field, the value and the fix.

`LOCAL` is what `funchost up` starts from (docs/scaling.md "Default policies"): Azure's target-based scaling adds
"up to four instances at a time" (reference/keda.md §6), here per 1 s decision; no scale-down stabilization but a
scale-in headroom of a quarter of one replica's target against a metric wavering at a boundary; a 10 s cooldown,
since the standby makes the next activation a 28 ms promotion. Chosen on the load traces of `funchost scale replay`
(docs/benchmarks.md "Scaling quality on load traces"), where KEDA's hold times cost 2.6–15× the oracle.
"""

from __future__ import annotations

from dataclasses import dataclass

from funchost.errors import ConfigurationError
from scale_controller.hpa_rules import DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP, Rate, Rules


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
    scale_in_headroom: float = 0.0  # funchost's own (0 plays the HPA): scale in no lower than ceil(metric/target + h)
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
        if not 0 <= self.scale_in_headroom < 1:
            _fail("scale-in headroom", self.scale_in_headroom, "a fraction of one replica's target from 0 to below 1")
        if self.fallback is not None and (self.fallback.failure_threshold < 0 or self.fallback.replicas < 0):
            _fail("fallback", self.fallback, "failureThreshold and replicas of 0 or more")
        if self.paused_replicas is not None and self.paused_replicas < 0:
            _fail("paused-replicas", self.paused_replicas, "0 or more")

    def describe(self) -> str:
        """One line for a start banner and `funchost scale status`: how it scales up, in and to 0."""
        parts = [
            f"scale-up {self.scale_up.describe('+')}",
            f"scale-down stabilization {self.scale_down.stabilization_window_seconds} s",
            f"cooldown {self.cooldown_period:g} s",
        ]
        if self.scale_in_headroom:
            parts.insert(2, f"scale-in headroom {self.scale_in_headroom:g}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Defaults:
    """Where a scaling command's policy options start (each option overrides its own field)."""

    name: str
    cooldown_period: float
    stabilization_window: int  # scale-down stabilizationWindowSeconds
    scale_up: Rules
    scale_in_headroom: float
    summary: str  # for --help and the start banner

    def policy(self, min_replicas: int = 0, max_replicas: int = 100) -> Policy:
        return Policy(
            min_replicas=min_replicas,
            max_replicas=max_replicas,
            cooldown_period=self.cooldown_period,
            scale_up=self.scale_up,
            scale_down=Rules(self.stabilization_window, DEFAULT_SCALE_DOWN.rates),
            scale_in_headroom=self.scale_in_headroom,
        )


KEDA = Defaults("keda", 300.0, 300, DEFAULT_SCALE_UP, 0.0, "KEDA's and the HPA's defaults")
LOCAL = Defaults(
    "local",
    10.0,
    0,
    Rules(0, (Rate("Pods", 4, 1),)),
    0.25,
    "up to +4 replicas per 1 s, scale-in as the backlog falls (headroom 0.25), 10 s cooldown",
)
DEFAULTS = {d.name: d for d in (KEDA, LOCAL)}


def _fail(field: str, given: object, expected: str) -> None:
    raise PolicyError(
        f"scaling policy {field} is {given!r}: expected {expected}. Fix: change {field} in the scale settings"
    )
