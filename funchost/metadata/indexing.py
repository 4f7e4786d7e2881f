"""Indexing a v2 app: import function_app.py once, find its single FunctionApp, build `IndexedFunction`s.

Mirrors the Python worker's indexing (`PYTHON_SCRIPT_FILE_NAME`, exactly one `FunctionRegister`, one call to
`get_functions()` — it is not idempotent) and reports every failure as an `AppLoadError` naming file and line.
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import azure.functions as func

from funchost.errors import AppLoadError, ConfigurationError
from funchost.metadata.function_errors import ErrorCollector
from funchost.metadata.import_errors import describe_import_failure
from funchost.metadata.spec import BindingSpec, FunctionSpec, RetryPolicy, find_trigger

DEFAULT_SCRIPT_FILE = "function_app.py"


@dataclass(frozen=True)
class IndexedFunction:
    """A function ready to run: its spec, the user's callable and, for ASGI/WSGI apps, the wrapped app."""

    spec: FunctionSpec
    callable: Callable[..., Any]
    native_app: Any = None  # the user's ASGI or WSGI application when spec.http_type is "asgi" / "wsgi"
    http_stream: bool = False  # served with FastAPI request/response types (funchost.metadata.http_streams)
    annotations: Mapping[str, Any] = field(init=False, repr=False, compare=False)
    """Parameter name (and "return") → its resolved annotation, resolved once here; see `parameter_annotations`."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "annotations", parameter_annotations(self.callable))


def parameter_annotations(function: Callable[..., Any]) -> dict[str, Any]:
    """The function's annotations with forward references resolved (`typing.get_type_hints`); where they cannot
    be resolved, the raw annotations. Unannotated parameters are absent; so is everything when the signature
    cannot be read (the signature check reports that)."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return {}
    try:
        return typing.get_type_hints(function)
    except Exception:  # unresolvable forward references: fall back to the raw annotations
        empty = inspect.Parameter.empty
        hints = {p: v.annotation for p, v in signature.parameters.items() if v.annotation is not empty}
        if signature.return_annotation is not inspect.Signature.empty:
            hints["return"] = signature.return_annotation
        return hints


def script_file_name(env: Mapping[str, str]) -> str:
    return env.get("PYTHON_SCRIPT_FILE_NAME") or DEFAULT_SCRIPT_FILE


def import_script(script_root: Path, script_file: Path, module_name: str) -> ModuleType:
    """Import a module from the app folder, converting any failure into an `AppLoadError`."""
    root = str(script_root.resolve())
    if root not in sys.path:
        sys.path.insert(0, root)
    sys.modules.pop(module_name, None)
    try:
        return importlib.import_module(module_name)
    except (Exception, SystemExit, KeyboardInterrupt) as exc:  # anything user code raises at import time
        raise describe_import_failure(exc, script_file) from exc


def index_v2(script_root: Path, env: Mapping[str, str], collector: ErrorCollector) -> list[IndexedFunction]:
    """The app's functions; a function that cannot be built goes to `collector` (the module itself must import)."""
    script_name = script_file_name(env)
    script_file = script_root / script_name
    module = import_script(script_root, script_file, Path(script_name).stem)
    apps = [(name, value) for name, value in vars(module).items() if isinstance(value, func.FunctionRegister)]
    if not apps:
        raise AppLoadError(
            f"{script_file}: no function app found. Fix: define one at module level, e.g. "
            "'app = func.FunctionApp()', and decorate your functions with it"
        )
    if len(apps) > 1:
        names = ", ".join(name for name, _ in apps)
        raise AppLoadError(
            f"{script_file}: more than one function app is defined ({names}); a host indexes exactly one. "
            "Fix: keep one FunctionApp and move the other functions to a func.Blueprint registered with "
            "app.register_functions(bp)"
        )
    app_name, app = apps[0]
    try:
        functions = app.get_functions()  # NOT idempotent: call exactly once
    except ValueError as exc:
        raise AppLoadError(f"{script_file}: app '{app_name}': {exc}. Fix: give every function a unique name") from exc
    if not functions:
        raise AppLoadError(
            f"{script_file}: the function app '{app_name}' has no functions. Fix: decorate at least one function, "
            'e.g. @app.route(route="hello")'
        )
    indexed = []
    for function in functions:
        try:
            indexed.append(_from_library_function(function, script_name))
        except ConfigurationError as exc:
            collector.capture(str(function.get_function_name()), exc)
    return indexed


def _from_library_function(function: Any, script_name: str) -> IndexedFunction:
    name = function.get_function_name()
    raw = json.loads(function.get_function_json())
    retry_raw = function.get_settings_dict("retry_policy")
    try:
        bindings = tuple(BindingSpec.from_dict(b) for b in raw.get("bindings", []))
        retry = RetryPolicy.from_dict(retry_raw, name) if retry_raw else None
        trigger = find_trigger(name, bindings)
    except ValueError as exc:
        raise AppLoadError(f"{script_name}: {exc}") from exc
    http_type = str(getattr(function, "http_type", "function") or "function")
    user_callable = function.get_user_function()
    native_app = None
    if http_type in ("asgi", "wsgi"):
        native_app = _wrapped_app(user_callable)
    spec = FunctionSpec(
        name=name,
        script_file=script_name,
        bindings=bindings,
        trigger=trigger,
        retry=retry,
        http_type=http_type,
        model="v2",
    )
    return IndexedFunction(spec=spec, callable=user_callable, native_app=native_app)


def _wrapped_app(user_callable: Callable[..., Any]) -> Any:
    """Find the user's ASGI/WSGI app behind AsgiFunctionApp/WsgiFunctionApp's generated function."""
    closure = getattr(user_callable, "__closure__", None) or ()
    for cell in closure:
        middleware = cell.cell_contents
        if isinstance(middleware, (func.AsgiMiddleware, func.WsgiMiddleware)):
            return middleware._app
    return None
