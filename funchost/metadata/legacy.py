"""Indexing a v1 app: `<Name>/function.json` folders with `scriptFile` (default `__init__.py`) and `entryPoint`.

Imports resolve as under the Python worker: the script root is on `sys.path` (appended, after the installed
packages, as the worker's dependency manager and environment reload put it), so a function may `import FlaskApp`
for a package beside the function folders; and the function folder's parent is the `__app__` namespace package
(the worker's loader), so `from ..shared import x` and `from __app__.shared import x` keep working. A folder
that cannot be loaded puts only its function in error.
"""

from __future__ import annotations

import dataclasses
import importlib
import sys
import types
from pathlib import Path

from funchost.errors import AppLoadError, ConfigurationError
from funchost.metadata.function_errors import ErrorCollector
from funchost.metadata.import_errors import describe_import_failure
from funchost.metadata.indexing import IndexedFunction
from funchost.metadata.json_files import read_json_object
from funchost.metadata.spec import BindingSpec, FunctionSpec, RetryPolicy, find_trigger

DEFAULT_SCRIPT_FILE = "__init__.py"
DEFAULT_ENTRY_POINT = "main"


def function_json_folders(script_root: Path) -> list[Path]:
    return sorted(p.parent for p in script_root.glob("*/function.json"))


def index_v1(script_root: Path, collector: ErrorCollector) -> list[IndexedFunction]:
    folders = function_json_folders(script_root)
    if not folders:
        raise AppLoadError(
            f"{script_root}: no function_app.py and no <FunctionName>/function.json folders found. Fix: run "
            "funchost from the app's folder (or pass --script-root), or create an app with 'funchost init'"
        )
    _put_script_root_on_path(script_root)
    _register_app_package(script_root)
    functions = []
    for folder in folders:
        try:
            indexed = _load_function(folder, script_root)
        except _FolderError as exc:
            collector.capture(folder.name, exc.error, exc.spec)
            continue
        if indexed is not None:
            functions.append(indexed)
    return functions


class _FolderError(Exception):
    """A function folder that cannot load, with the spec when its function.json was readable."""

    def __init__(self, error: ConfigurationError, spec: FunctionSpec | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.spec = spec


def _put_script_root_on_path(script_root: Path) -> None:
    root = str(script_root.resolve())
    if root not in sys.path:
        sys.path.append(root)


def _register_app_package(script_root: Path) -> None:
    package = types.ModuleType("__app__")
    package.__path__ = [str(script_root.resolve())]
    sys.modules["__app__"] = package
    for name in [m for m in sys.modules if m.startswith("__app__.")]:
        del sys.modules[name]


def _load_function(folder: Path, script_root: Path) -> IndexedFunction | None:
    spec = None
    try:
        spec, script_path = _read_spec(folder)
        return _import(spec, script_path, folder, script_root)
    except ConfigurationError as exc:
        raise _FolderError(exc, spec) from exc


def _read_spec(folder: Path) -> tuple[FunctionSpec, Path]:
    path = folder / "function.json"
    doc = read_json_object(path, AppLoadError)
    if not isinstance(doc.get("bindings"), list):
        raise AppLoadError(f"{path}: expected an object with a 'bindings' list")
    script_file = str(doc.get("scriptFile") or DEFAULT_SCRIPT_FILE)
    script_path = (folder / script_file).resolve()
    name = folder.name
    try:
        bindings = tuple(BindingSpec.from_dict(b) for b in doc["bindings"])
        trigger = find_trigger(name, bindings)
        retry = RetryPolicy.from_dict(doc["retry"], name) if doc.get("retry") else None
    except ValueError as exc:
        raise AppLoadError(f"{path}: {exc}") from exc
    spec = FunctionSpec(
        name=name,
        script_file=str(Path(folder.name) / script_file),
        bindings=bindings,
        trigger=trigger,
        entry_point=str(doc.get("entryPoint") or DEFAULT_ENTRY_POINT),
        retry=retry,
        model="v1",
        function_json_disabled=_disabled_value(path, doc.get("disabled", False)),
    )
    return spec, script_path


def _disabled_value(path: Path, value: object) -> bool | str:
    """function.json "disabled": a boolean, or the name of an app setting (funchost.metadata.disabled)."""
    if isinstance(value, bool | str):
        return value
    raise AppLoadError(f'{path}: "disabled" is {value!r}; expected true, false or the name of an app setting')


def _import(spec: FunctionSpec, script_path: Path, folder: Path, script_root: Path) -> IndexedFunction:
    path = folder / "function.json"
    name, entry_point = spec.name, spec.entry_point or DEFAULT_ENTRY_POINT
    if not script_path.is_file():
        raise AppLoadError(
            f"{path}: scriptFile '{script_path.name}' does not exist at {script_path}. Fix: create it or correct "
            '"scriptFile"'
        )
    module_name = f"__app__.{name}"
    if script_path.name != "__init__.py":
        module_name += "." + ".".join(script_path.relative_to(folder.resolve()).with_suffix("").parts)
    try:
        module = importlib.import_module(module_name)
    except (Exception, SystemExit, KeyboardInterrupt) as exc:  # anything user code raises at import time
        raise describe_import_failure(exc, script_path, script_root) from exc
    user_callable = getattr(module, entry_point, None)
    if not callable(user_callable):
        raise AppLoadError(
            f"{script_path}: entryPoint '{entry_point}' of function '{name}' is not a function in that file. "
            f"Fix: define 'def {entry_point}(...)' there or set \"entryPoint\" in {path}"
        )
    script_file = str(script_path.relative_to(folder.parent.resolve()))
    return IndexedFunction(spec=dataclasses.replace(spec, script_file=script_file), callable=user_callable)
