"""Which function is the app's warmup function, as the Functions host decides (ScriptJobHostExtensions
.IsWarmupFunction): the one named `warmup` (case-insensitive) whose trigger is a `warmupTrigger`. A warmupTrigger
function with another name loads but is never called, on Azure and here."""

from __future__ import annotations

from collections.abc import Iterable

from funchost.metadata.spec import FunctionSpec

WARMUP_FUNCTION = "warmup"
WARMUP_TRIGGER = "warmupTrigger"
WARMUP_ENV = "FUNCHOST_WARMUP"  # set by the scale controller on each worker it adds: run the warmup function


def is_warmup_trigger(spec: FunctionSpec) -> bool:
    return spec.trigger.is_type(WARMUP_TRIGGER)


def warmup_function(specs: Iterable[FunctionSpec]) -> str | None:
    """The name of the app's warmup function, or None."""
    return next((s.name for s in specs if s.name.casefold() == WARMUP_FUNCTION and is_warmup_trigger(s)), None)
