"""Fixtures for the scaffolding tests: index a generated function app in a separate Python process, as a host would."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

_INDEX_SCRIPT = """
import json, sys
import function_app
app = getattr(function_app, sys.argv[1])
print(json.dumps({
    f.get_function_name(): {"trigger": f.get_trigger().type, "bindings": json.loads(f.get_function_json())["bindings"]}
    for f in app.get_functions()
}))
"""


def _index_app(project: Path, app_variable: str = "app") -> dict[str, dict[str, Any]]:
    """Import ``project/function_app.py`` in a fresh interpreter; function name → trigger type and bindings."""
    completed = subprocess.run(
        [sys.executable, "-W", "error", "-c", _INDEX_SCRIPT, app_variable],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result: dict[str, dict[str, Any]] = json.loads(completed.stdout)
    return result


IndexApp = Callable[..., dict[str, dict[str, Any]]]


@pytest.fixture
def index_app() -> IndexApp:
    """``index_app(project, app_variable="app")``: function name → {"trigger": type, "bindings": [...]}."""
    return _index_app
