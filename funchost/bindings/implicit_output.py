"""What happens to a value a function returns without a `$return` binding, as the Python worker and host decide.

The worker fails such an invocation ("returned a non-None value") unless one of the function's bindings is
*generic* to it: a type that `azure.functions` has no converter for (RabbitMQ, for one; `durableClient` excepted).
Those have an implicit output, so the worker sends the value to the host, which spreads a returned dict over the
output bindings by name (WorkerFunctionInvoker's output dictionary: a key that names an output sets it, over what
the function set through `Out`) and drops any other value. A value the worker cannot encode (not str, bytes, dict,
list, int, float or bool) still fails the invocation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from azure.functions import meta

__all__ = ["has_implicit_output", "spread_returned"]

# The converters azure.functions registers: the worker's BINDING_REGISTRY. A binding type outside it is generic.
_CONVERTED = frozenset(str(name) for name in meta._ConverterMeta._bindings)
_ENCODABLE = (str, bytes, bytearray, dict, list, int, float, bool)


def has_implicit_output(binding_types: Iterable[str]) -> bool:
    """True if a binding of one of these types is generic to the worker, so a returned value is not an error."""
    return any(kind not in _CONVERTED and kind != "durableClient" for kind in binding_types)


def spread_returned(result: Any, output_names: Iterable[str], outputs: dict[str, Any]) -> str | None:
    """Apply a value returned with no `$return` binding to `outputs` as the host does; the reason it cannot be
    sent, or None."""
    if not isinstance(result, _ENCODABLE):
        kind = type(result).__name__
        return f"returned a value of type {kind}, which the Python worker cannot send as an implicit output"
    if isinstance(result, Mapping):
        for name in output_names:
            if name in result:
                outputs[name] = result[name]
    return None
