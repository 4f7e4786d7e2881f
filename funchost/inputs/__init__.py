"""Input bindings: the values of a function's non-trigger input bindings, read per invocation before it runs.

`INPUTS` is the registry (binding type → lazy "module:Class"). The host builds one `InputResolver` per function
with input bindings and gives its `resolve` to the invoker.

**Binding data** (the interface every trigger follows): the values `{...}` expressions in binding paths refer
to. `FunctionInvoker.needs_binding_data` is True when the function has an input binding or an output whose
settings use binding data; only then does a trigger pass `invoke(inputs, binding_data=make)`, where `make()`
returns the mapping (built lazily, once per invocation; builders in `funchost.bindings.binding_data`). The
invoker calls `make()` once and passes the mapping to `InputResolver.resolve(data)` and to
`OutputDispatcher.send(outputs, data)`. Names are looked up case-insensitively (`BindingTemplate.bind`). A
trigger that passes nothing gives `{}`: only `{rand-guid}`, `{DateTime}` and `{sys.…}` then bind.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from concurrent.futures import Executor
from typing import Any, Protocol

from funchost.bindings.binding_data import BINDING_DATA_FIX
from funchost.errors import BindingDataError, FunchostError, InputBindingError, InvocationError
from funchost.metadata.binding_settings import BindingSettings
from funchost.metadata.indexing import IndexedFunction
from funchost.metadata.registry import registered_class
from funchost.metadata.spec import Direction

# Binding type (canonical spelling) → "module:Class".
INPUTS: dict[str, str] = {
    "blob": "funchost.inputs.blob:BlobInput",
}

logger = logging.getLogger("funchost.inputs")


class InputReader(Protocol):
    """Reads one input binding's value for one invocation."""

    def __init__(self, settings: Any, function: str, binding: str, annotation: Any, executor: Executor) -> None: ...

    async def read(self, binding_data: Mapping[str, Any]) -> Any: ...

    async def aclose(self) -> None: ...


def reader_class(binding_type: str, function_name: str) -> Any:
    return registered_class(
        INPUTS,
        binding_type,
        function_name,
        problem="input binding type '{type}' is not supported by funchost",
        fix="use one of: {names}",
    )


def input_bindings(indexed: IndexedFunction) -> list[str]:
    return [b.name for b in indexed.spec.bindings if b.direction is Direction.IN and not b.is_trigger]


class InputResolver:
    """The readers of one function's input bindings."""

    def __init__(self, indexed: IndexedFunction, settings: Mapping[str, BindingSettings], executor: Executor) -> None:
        self._function = indexed.spec.name
        self._readers: dict[str, InputReader] = {}
        for binding in indexed.spec.bindings:
            if binding.direction is Direction.IN and not binding.is_trigger:
                cls = reader_class(binding.type, self._function)
                annotation = indexed.annotations.get(binding.name)
                reader = cls(settings[binding.name], self._function, binding.name, annotation, executor)
                self._readers[binding.name] = reader

    def __bool__(self) -> bool:
        return bool(self._readers)

    async def resolve(self, binding_data: Mapping[str, Any]) -> dict[str, Any]:
        """Every input's value by binding name; a failure names function, binding and fix (logged once)."""
        names = list(self._readers)
        values = await asyncio.gather(*(self._read(n, binding_data) for n in names))
        return dict(zip(names, values, strict=True))

    async def _read(self, name: str, binding_data: Mapping[str, Any]) -> Any:
        try:
            return await self._readers[name].read(binding_data)
        except InvocationError as exc:  # BindingDataError: name the binding too
            message = f"Function '{self._function}': input binding '{name}': {exc}"
            if isinstance(exc, BindingDataError) and "Fix:" not in message:
                message += f". Fix: {BINDING_DATA_FIX}"
            logger.error("%s", message)
            raise type(exc)(message) from exc
        except FunchostError as exc:
            message = f"Function '{self._function}': input binding '{name}' could not be read: {exc}"
            logger.error("%s", message)
            raise InputBindingError(message) from exc

    async def aclose(self) -> None:
        await asyncio.gather(*(reader.aclose() for reader in self._readers.values()), return_exceptions=True)
