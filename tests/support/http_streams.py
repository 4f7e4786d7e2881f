"""The FastAPI web extension registered for one test only.

Importing `azurefunctions.extensions.http.fastapi` registers it in the extension base for the life of the process
(as in the worker). An in-process test that needs it uses the `fastapi_extension` fixture, which makes the
registration visible during the test and hides it afterwards, so later tests (and apps on Python 3.13+, where the
import alone turns HTTP streams on) see a process that never imported it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

import pytest

EXTENSION = "azurefunctions.extensions.http.fastapi"


@pytest.fixture
def fastapi_extension() -> Iterator[ModuleType]:
    base = importlib.import_module("azurefunctions.extensions.base")
    before = base.ModuleTrackerMeta._module
    extension = importlib.import_module(EXTENSION)
    base.ModuleTrackerMeta._module = f"{EXTENSION}.web"  # as its first import in a process sets it
    try:
        yield extension
    finally:
        base.ModuleTrackerMeta._module = before
