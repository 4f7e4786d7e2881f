"""Checking a function's Python signature against its bindings, as the Python worker does at load.

Rules: every parameter except `context` names a binding and every binding except `$return` has a parameter (a
Service Bus trigger's function may also take a `ServiceBusMessageActions` of the SDK-type binding package);
out bindings are annotated `func.Out[T]` and in bindings are not; `$return` is an out binding. HTTP functions of an
HTTP-streams app take and return the extension's types (`funchost.metadata.http_streams`).
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Any

import azure.functions as func

from funchost.errors import FunctionDefinitionError
from funchost.metadata.http_streams import check_stream_types
from funchost.metadata.spec import Direction, FunctionSpec

CONTEXT_PARAMETER = "context"
MESSAGE_ACTIONS_MODULE = "azurefunctions.extensions.bindings.servicebus"


def is_message_actions(annotation: Any) -> bool:
    """The SDK-type binding's `ServiceBusMessageActions`: not a binding, the Service Bus listener supplies it."""
    return (
        isinstance(annotation, type)
        and annotation.__name__ == "ServiceBusMessageActions"
        and str(getattr(annotation, "__module__", "")).startswith(MESSAGE_ACTIONS_MODULE)
    )


def is_out_annotation(annotation: Any) -> bool:
    origin = typing.get_origin(annotation) or annotation
    return isinstance(origin, type) and issubclass(origin, func.Out)


def check_signature(
    spec: FunctionSpec, function: Callable[..., Any], hints: Mapping[str, Any], *, http_streams: bool = False
) -> None:
    """Raise `FunctionDefinitionError` as the worker would at load. `hints`: the resolved annotations
    (`IndexedFunction.annotations`); `http_streams`: the app is in stream mode."""
    name = spec.name
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError) as exc:
        raise FunctionDefinitionError(name, f"its signature cannot be read ({exc})", "use a plain def") from exc
    bindings = {b.name: b for b in spec.bindings}
    for binding in spec.bindings:
        if binding.name == "$return":
            if binding.direction is Direction.IN:
                raise FunctionDefinitionError(name, "the '$return' binding has direction 'in'", "make it 'out'")
            continue
        if binding.name not in parameters:
            raise FunctionDefinitionError(
                name,
                f"binding '{binding.name}' ({binding.type}) has no parameter of that name in the Python function",
                f"add a parameter '{binding.name}' or rename the binding's arg_name to match a parameter",
            )
    for pname, parameter in parameters.items():
        if parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        if pname == CONTEXT_PARAMETER and pname not in bindings:
            continue
        if pname not in bindings and spec.trigger.is_type("serviceBusTrigger"):
            if is_message_actions(hints.get(pname)):
                continue
        declared_binding = bindings.get(pname)
        if declared_binding is None:
            declared = ", ".join(b for b in bindings if b != "$return") or "none"
            raise FunctionDefinitionError(
                name,
                f"parameter '{pname}' is declared in Python but not as a binding (bindings: {declared})",
                f"remove the parameter or add a binding with arg_name '{pname}'; only 'context' may be extra",
            )
        binding = declared_binding
        annotation = hints.get(pname)
        if binding.direction is Direction.OUT and not is_out_annotation(annotation):
            raise FunctionDefinitionError(
                name,
                f"parameter '{pname}' is an output binding ({binding.type}) but is not annotated func.Out[T]",
                f"annotate it as '{pname}: func.Out[...]' and call {pname}.set(value)",
            )
        if binding.direction is Direction.IN and annotation is not None and is_out_annotation(annotation):
            raise FunctionDefinitionError(
                name,
                f"parameter '{pname}' is annotated func.Out but binding '{pname}' ({binding.type}) is an input",
                "remove the Out annotation or make the binding an output",
            )
    check_stream_types(spec, hints, http_streams)
