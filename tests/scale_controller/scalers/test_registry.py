"""The scaler registry: one alphabetical row per event trigger type, lazy imports, clear errors."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

from funchost.errors import FunctionDefinitionError
from funchost.metadata.binding_settings import supported_types
from scale_controller.scalers import SCALERS, scaler_class


def test_rows_are_alphabetical_and_cover_every_event_trigger() -> None:
    assert list(SCALERS) == sorted(SCALERS, key=str.casefold)
    event_triggers = [
        t for t in supported_types(triggers=True) if t not in ("httpTrigger", "timerTrigger", "warmupTrigger")
    ]
    assert sorted(SCALERS) == sorted(event_triggers)


@pytest.mark.parametrize("trigger", list(SCALERS))
def test_every_row_is_a_scaler(trigger: str) -> None:
    cls = scaler_class(trigger.upper(), "f")  # trigger types compare case-insensitively
    for method in ("measure", "aclose"):
        assert inspect.iscoroutinefunction(getattr(cls, method)), f"{cls.__name__}.{method}"
    assert list(inspect.signature(cls.from_function).parameters) == ["function", "environ"]


def test_unknown_trigger_types_name_the_function_and_the_choices() -> None:
    with pytest.raises(FunctionDefinitionError, match=r"Function 'f': trigger 'cosmosDBTrigger' has no scaler.*kafka"):
        scaler_class("cosmosDBTrigger", "f")


def test_importing_the_registry_imports_no_broker_client_and_no_user_code_api() -> None:
    heavy = ("aiokafka", "aio_pika", "azure.functions", "azure.servicebus")
    code = f"import sys, scale_controller.scalers; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
