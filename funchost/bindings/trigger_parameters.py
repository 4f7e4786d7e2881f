"""What a trigger parameter's annotation asks for, as the Python worker checks it at load: no annotation gives the
binding's own type, `str` / `bytes` the generic binding (exactly those types), a subclass of the binding's
`azure.functions` type that type; any other annotation puts the function in error naming the parameter and the fix.
The queue and blob triggers share this rule (`funchost.bindings.queue.trigger_kind`, `triggers.blob.convert`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from funchost.errors import FunctionDefinitionError

K = TypeVar("K", bound=str)


@dataclass(frozen=True)
class ParameterRule(Generic[K]):
    trigger: str  # the binding type, e.g. "queueTrigger"
    native: type  # the azure.functions type (a subclass is accepted)
    default: K  # the kind for no annotation or `native`
    generic: Mapping[type, K]  # exact annotations of the generic binding (str, bytes)
    fix: str  # may use {parameter}

    def kind(self, function: str, parameter: str, annotation: Any) -> K:
        if annotation is None:
            return self.default
        for python_type, kind in self.generic.items():
            if annotation is python_type:
                return kind
        if isinstance(annotation, type) and issubclass(annotation, self.native):
            return self.default
        shown = getattr(annotation, "__name__", repr(annotation))
        raise FunctionDefinitionError(
            function,
            f"{self.trigger.removesuffix('Trigger')} trigger parameter '{parameter}' is annotated '{shown}', which "
            f"the {self.trigger} binding cannot supply",
            self.fix.format(parameter=parameter),
        )
