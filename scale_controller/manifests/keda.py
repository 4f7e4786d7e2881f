"""KEDA objects: one ScaledObject per scaled Deployment and the TriggerAuthentications its triggers use.

The ScaledObject carries the policy the built-in controller applies (scale_controller.policy.Policy): min/max,
pollingInterval, cooldownPeriod and the HPA's default behavior written out, so the HPA KEDA creates takes the
documented default path (docs/scaling.md "Where a cluster differs") and both controllers follow one rule.
TriggerAuthentications hand KEDA the settings Secret's keys (`secretTargetRef`); triggers that need the same
parameters share one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scale_controller.hpa_rules import Rules
from scale_controller.manifests.keda_triggers import KedaTrigger
from scale_controller.manifests.names import dns_label, metadata
from scale_controller.manifests.options import DeployOptions
from scale_controller.policy import Policy

KEDA_API = "keda.sh/v1alpha1"


def behavior(rules: Rules) -> dict[str, Any]:
    return {
        "stabilizationWindowSeconds": rules.stabilization_window_seconds,
        "selectPolicy": rules.select,
        "policies": [{"type": r.kind, "value": r.value, "periodSeconds": r.period_seconds} for r in rules.rates],
    }


def authentication_name(options: DeployOptions, trigger: KedaTrigger) -> str:
    settings = "-".join(dns_label(s) for s in sorted(set(trigger.secrets.values())))
    return f"{options.name}-{trigger.type}-{settings}"[:253].rstrip("-")


def trigger_authentications(options: DeployOptions, triggers: Sequence[KedaTrigger]) -> list[dict[str, Any]]:
    """One per distinct set of secret parameters, in trigger order."""
    result: dict[str, dict[str, Any]] = {}
    for trigger in triggers:
        if not trigger.secrets:
            continue
        name = authentication_name(options, trigger)
        refs = [
            {"parameter": parameter, "name": options.settings_secret, "key": setting}
            for parameter, setting in sorted(trigger.secrets.items())
        ]
        result.setdefault(
            name,
            {
                "apiVersion": KEDA_API,
                "kind": "TriggerAuthentication",
                "metadata": metadata(options, name, "keda"),
                "spec": {"secretTargetRef": refs},
            },
        )
    return list(result.values())


def scaled_object(
    options: DeployOptions, deployment: str, triggers: Sequence[KedaTrigger], min_replicas: int
) -> dict[str, Any]:
    policy = Policy(
        min_replicas=min_replicas, max_replicas=options.max_replicas, cooldown_period=float(options.cooldown_period)
    )
    rendered = []
    for trigger in triggers:
        entry: dict[str, Any] = {"type": trigger.type, "name": dns_label(trigger.function)}
        entry["metadata"] = trigger.metadata
        if trigger.secrets:
            entry["authenticationRef"] = {"name": authentication_name(options, trigger)}
        rendered.append(entry)
    return {
        "apiVersion": KEDA_API,
        "kind": "ScaledObject",
        "metadata": metadata(options, deployment, "keda"),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment},
            "pollingInterval": options.polling_interval,
            "cooldownPeriod": options.cooldown_period,
            "minReplicaCount": policy.min_replicas,
            "maxReplicaCount": policy.max_replicas,
            "advanced": {
                "horizontalPodAutoscalerConfig": {
                    "behavior": {"scaleUp": behavior(policy.scale_up), "scaleDown": behavior(policy.scale_down)}
                }
            },
            "triggers": rendered,
        },
    }
