"""The effective per-instance concurrency of each function: how many events one host instance works on at
once. Listeners enforce it and `functions list --json` reports it; the rule is the trigger kind's
(`trigger_kinds.TRIGGER_KINDS`), the same one the scale controller's default per-replica target derives from."""

from __future__ import annotations

from collections.abc import Mapping

from funchost.metadata.binding_settings import BindingSettings
from funchost.metadata.host_config import HostConfig
from funchost.metadata.spec import FunctionSpec
from funchost.metadata.trigger_kinds import kind_of


def effective_concurrency(
    spec: FunctionSpec, settings: Mapping[str, BindingSettings], host_config: HostConfig
) -> int | None:
    """None for HTTP (bounded by the server, not by a trigger setting)."""
    trigger = settings[spec.trigger.name]
    kind = kind_of(trigger)
    return None if kind is None else kind.concurrency(trigger, host_config, spec.name)
