"""Indexing a v1 app: `<Name>/function.json` folders with `scriptFile` (default `__init__.py`) and `entryPoint`.

The folder's parent is exposed as the `__app__` namespace package, as the Python worker does, so relative
imports between functions keep working.
"""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path

from funchost.errors import AppLoadError
from funchost.metadata.import_errors import describe_import_failure
from funchost.metadata.indexing import IndexedFunction
from funchost.metadata.json_files import read_json_object
from funchost.metadata.spec import BindingSpec, FunctionSpec, RetryPolicy, find_trigger

DEFAULT_SCRIPT_FILE = "__init__.py"
DEFAULT_ENTRY_POINT = "main"


def function_json_folders(script_root: Path) -> list[Path]:
    return sorted(p.parent for p in script_root.glob("*/function.json"))


def index_v1(script_root: Path) -> list[IndexedFunction]:
    folders = function_json_folders(script_root)
    if not folders:
        raise AppLoadError(
            f"{script_root}: no function_app.py and no <FunctionName>/function.json folders found. Fix: run "
            "funchost from the app's folder (or pass --script-root), or create an app with 'funchost init'"
        )
    _register_app_package(script_root)
    functions = []
    for folder in folders:
        indexed = _load_function(folder)
        if indexed is not None:
            functions.append(indexed)
    return functions


def _register_app_package(script_root: Path) -> None:
    package = types.ModuleType("__app__")
    package.__path__ = [str(script_root.resolve())]
    sys.modules["__app__"] = package
    for name in [m for m in sys.modules if m.startswith("__app__.")]:
        del sys.modules[name]


def _load_function(folder: Path) -> IndexedFunction | None:
    path = folder / "function.json"
    doc = read_json_object(path, AppLoadError)
    if not isinstance(doc.get("bindings"), list):
        raise AppLoadError(f"{path}: expected an object with a 'bindings' list")
    if doc.get("disabled") is True:
        return None
    name = folder.name
    try:
        bindings = tuple(BindingSpec.from_dict(b) for b in doc["bindings"])
        trigger = find_trigger(name, bindings)
        retry = RetryPolicy.from_dict(doc["retry"], name) if doc.get("retry") else None
    except ValueError as exc:
        raise AppLoadError(f"{path}: {exc}") from exc
    script_file = str(doc.get("scriptFile") or DEFAULT_SCRIPT_FILE)
    entry_point = str(doc.get("entryPoint") or DEFAULT_ENTRY_POINT)
    script_path = (folder / script_file).resolve()
    if not script_path.is_file():
        raise AppLoadError(f"{path}: scriptFile '{script_file}' does not exist at {script_path}")
    module_name = f"__app__.{name}"
    if script_path.name != "__init__.py":
        module_name += "." + ".".join(script_path.relative_to(folder.resolve()).with_suffix("").parts)
    try:
        module = importlib.import_module(module_name)
    except (Exception, SystemExit, KeyboardInterrupt) as exc:  # anything user code raises at import time
        raise describe_import_failure(exc, script_path) from exc
    user_callable = getattr(module, entry_point, None)
    if not callable(user_callable):
        raise AppLoadError(
            f"{script_path}: entryPoint '{entry_point}' of function '{name}' is not a function in that file. "
            f"Fix: define 'def {entry_point}(...)' there or set \"entryPoint\" in {path}"
        )
    spec = FunctionSpec(
        name=name,
        script_file=str(script_path.relative_to(folder.parent.resolve())),
        bindings=bindings,
        trigger=trigger,
        entry_point=entry_point,
        retry=retry,
        model="v1",
    )
    return IndexedFunction(spec=spec, callable=user_callable)
