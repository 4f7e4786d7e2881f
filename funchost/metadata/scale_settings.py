"""The per-function scale rule: the target (what one replica handles), the activation threshold and the scaler
options of every event-triggered function, computed when the app is indexed and written into the metadata
document (`functions list --json`, key `scale`) for the scale controller, which never reads host.json itself.

host.json (all optional; `AzureFunctionsJobHost__scale__...` environment overrides apply as everywhere)::

    "scale": {
      "targetMode": "concurrency",              // or "keda": KEDA's fixed defaults (5 / 20 / 10 / 5)
      "functions": {
        "process_order": {"target": 50, "activationThreshold": 3, "queueLengthStrategy": "visibleonly"}
      }
    }

Targets in "concurrency" mode are the host's real per-instance numbers, as Azure's target-based scaling uses
them, not KEDA's fixed defaults (a deliberate difference, see docs/scaling.md): each trigger kind's concurrency
(`trigger_kinds.TRIGGER_KINDS`), except Kafka's, the binding's lagThreshold (KafkaGenericTargetScaler
`GetConcurrency`, default 1000). Kafka's offsetResetPolicy defaults to the host's extensions.kafka.autoOffsetReset.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from funchost.errors import ConfigurationError, HostJsonError
from funchost.metadata.binding_settings import BindingSettings
from funchost.metadata.host_config import HostConfig
from funchost.metadata.scale_options import non_negative, scaler_options, whole_number
from funchost.metadata.spec import FunctionSpec, lookup
from funchost.metadata.trigger_kinds import scaled_kind_of

if TYPE_CHECKING:  # the scale controller imports this module without the app loader (no azure.functions)
    from funchost.metadata.app_loader import LoadedApp

TARGET_MODES = ("concurrency", "keda")
SOURCES = ("concurrency", "override", "keda-default")


@dataclass(frozen=True)
class ScaleSettings:
    """One function's entry under `scale` in the metadata document."""

    target: int
    activation_threshold: float = 0.0
    source: str = "concurrency"  # one of SOURCES
    options: Mapping[str, Any] = field(default_factory=dict)

    def to_metadata(self) -> dict[str, Any]:
        activation = self.activation_threshold
        return {
            "target": self.target,
            "activationThreshold": int(activation) if float(activation).is_integer() else activation,
            "source": self.source,
            "options": dict(self.options),
        }

    @classmethod
    def from_metadata(cls, doc: Mapping[str, Any], where: str) -> ScaleSettings:
        """Read back `to_metadata()` output; `where` names the document and function in errors."""
        try:
            target = whole_number(doc.get("target"), f"{where} scale.target", 1)
            activation = non_negative(doc.get("activationThreshold", 0), f"{where} scale.activationThreshold")
        except HostJsonError as exc:
            raise ConfigurationError(str(exc)) from None
        source = str(doc.get("source", "concurrency"))
        options = doc.get("options") or {}
        if source not in SOURCES or not isinstance(options, Mapping):
            raise ConfigurationError(
                f"{where}: scale.source must be one of {', '.join(SOURCES)} and scale.options an object. "
                "Fix: regenerate the document with 'funchost functions list --json'"
            )
        return cls(target=target, activation_threshold=activation, source=source, options=dict(options))


def scale_settings(spec: FunctionSpec, settings: BindingSettings, host_config: HostConfig) -> ScaleSettings | None:
    """The scale rule of one function; None for triggers without a scaler (HTTP, timer)."""
    kind = scaled_kind_of(settings)
    if kind is None:
        return None
    section = _scale_section(host_config)
    mode = str(lookup(section, "targetMode", "concurrency")).lower()
    if mode not in TARGET_MODES:
        raise HostJsonError(f'host.json scale.targetMode is "{mode}"; use "concurrency" (default) or "keda"')
    functions = lookup(section, "functions", {}) or {}
    override = lookup(functions, spec.name, {}) if isinstance(functions, Mapping) else {}
    if not isinstance(override, Mapping):
        raise HostJsonError(f"host.json scale.functions.{spec.name} must be an object, got {override!r}")
    where = f"host.json scale.functions.{spec.name}"
    if lookup(override, "target") is not None:
        target, source = whole_number(lookup(override, "target"), f"{where}.target", 1), "override"
    elif mode == "keda" and kind.keda_default_target is not None:
        target, source = kind.keda_default_target, "keda-default"
    else:
        target, source = kind.scale_target(settings, host_config, spec.name), "concurrency"
    activation = non_negative(lookup(override, "activationThreshold", 0), f"{where}.activationThreshold")
    options = scaler_options(kind, kind.options(host_config), override, where)
    return ScaleSettings(target=target, activation_threshold=activation, source=source, options=options)


def scale_metadata(app: LoadedApp) -> dict[str, dict[str, Any]]:
    """Function name → `scale` entry for every event-triggered function of a loaded app."""
    names = {f.spec.name.casefold() for f in app.functions} | {e.name.casefold() for e in app.errors}  # errored too
    functions = lookup(_scale_section(app.host_config), "functions", {}) or {}
    if not isinstance(functions, Mapping):
        raise HostJsonError('host.json scale.functions must be an object: {"<function name>": {"target": N}}')
    unknown = sorted(name for name in functions if name.casefold() not in names)
    if unknown:
        known = ", ".join(sorted(f.spec.name for f in app.functions))
        raise HostJsonError(
            f"host.json scale.functions names {unknown}, which are not functions of this app (functions: {known}). "
            "Fix: use the function names shown by 'funchost functions list'"
        )
    result: dict[str, dict[str, Any]] = {}
    for indexed in app.functions:
        spec = indexed.spec
        settings = scale_settings(spec, app.settings[spec.name][spec.trigger.name], app.host_config)
        if settings is not None:
            result[spec.name] = settings.to_metadata()
    return result


def _scale_section(host_config: HostConfig) -> Mapping[str, Any]:
    section = lookup(host_config.raw, "scale", {}) or {}
    if not isinstance(section, Mapping):
        raise HostJsonError('host.json "scale" must be an object, e.g. {"targetMode": "concurrency"}')
    return section
