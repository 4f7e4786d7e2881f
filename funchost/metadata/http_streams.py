"""HTTP streams (`azurefunctions-extensions-http-fastapi`): when an app is in stream mode, and the load-time type
checks the Python worker applies to its HTTP functions.

As in the worker (`http_v2.py`, `dispatcher.py`, `bindings/meta.py`), stream mode is on for the whole app when the
app imported a web extension (the extension base's `HttpV2FeatureChecker`) and `PYTHON_ENABLE_INIT_INDEXING` is
true (on Python 3.13 and later the import alone, as on Azure). Then every HTTP function receives the extension's
request type (a FastAPI `Request`) and returns what FastAPI can answer with: an annotated trigger parameter must be
that request type and an annotated return must be one of the extension's response types, or the function does not
load. Without stream mode a stream annotation does not load
either (the worker's `func.HttpRequest` converter refuses it), with the missing setting named in the error.

Nothing here imports the extension: it is looked up in `sys.modules`, where the user's import put it.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from funchost.errors import FunctionDefinitionError
from funchost.metadata.spec import Direction, FunctionSpec

INIT_INDEXING = "PYTHON_ENABLE_INIT_INDEXING"
NO_SETTING_FROM = (3, 13)  # from this Python version on, Azure needs no setting for HTTP streams
EXTENSION_BASE = "azurefunctions.extensions.base"
_TRUE = frozenset({"1", "true", "t", "yes", "y"})  # the worker's is_true_like
_WEB_MODULES = ("fastapi", "starlette")  # annotations that only make sense in stream mode
_ENABLE = f'add "{INIT_INDEXING}": "1" to Values in local.settings.json (or the environment), as on Azure'


def _extension_base() -> ModuleType | None:
    return sys.modules.get(EXTENSION_BASE)


def extension_imported() -> bool:
    """The app imported a web extension such as azurefunctions.extensions.http.fastapi."""
    base = _extension_base()
    return base is not None and bool(base.HttpV2FeatureChecker.http_v2_enabled())


def streams_enabled(env: Mapping[str, str], python: tuple[int, int] | None = None) -> bool:
    """Stream mode, decided once after the app was imported. From Python 3.13 Azure indexes at init always, so the
    extension's import is enough (Azure's Python 3.13 notes: the setting is no longer needed)."""
    if not extension_imported():
        return False
    version = python or (sys.version_info.major, sys.version_info.minor)
    return version >= NO_SETTING_FROM or env.get(INIT_INDEXING, "").strip().lower() in _TRUE


def serves_streams(spec: FunctionSpec, enabled: bool) -> bool:
    """This function is served in stream mode (native ASGI/WSGI apps keep their own serving)."""
    return enabled and spec.is_http and spec.http_type == "function"


def check_stream_types(spec: FunctionSpec, hints: Mapping[str, Any], enabled: bool) -> None:
    """The worker's HTTP annotation checks for stream mode (`enabled`) or a stream type used without it."""
    if not spec.is_http or spec.http_type != "function":
        return
    trigger = spec.trigger.name
    request = hints.get(trigger)
    returned = hints.get("return") if any(b.name == "$return" for b in spec.bindings) else None
    if not enabled:
        fix = (
            _ENABLE
            if extension_imported()
            else f"import Request from azurefunctions.extensions.http.fastapi and {_ENABLE}"
        )
        for what, annotation in ((f"parameter '{trigger}'", request), ("return", returned)):
            if _is_web_type(annotation):
                raise FunctionDefinitionError(
                    spec.name,
                    f"its {what} is annotated {_name(annotation)}, an HTTP-streams type, but HTTP streams are off "
                    f"({_why_off()})",
                    fix,
                )
        return
    base = _extension_base()
    assert base is not None, "stream mode implies the extension base is imported"
    if request is not None and not base.RequestTrackerMeta.check_type(request):
        raise FunctionDefinitionError(
            spec.name,
            f"its HTTP trigger parameter '{trigger}' is annotated {_name(request)}, but this app uses HTTP streams "
            "(it imports azurefunctions.extensions.http.fastapi), so every HTTP function receives a FastAPI Request",
            f"annotate it '{trigger}: Request' (from azurefunctions.extensions.http.fastapi) or leave it unannotated",
        )
    if returned is not None and not base.ResponseTrackerMeta.check_type(returned):
        raise FunctionDefinitionError(
            spec.name,
            f"its return annotation {_name(returned)} is not a response type of HTTP streams (this app imports "
            "azurefunctions.extensions.http.fastapi, so an HTTP function returns a FastAPI response)",
            "return one of Response, StreamingResponse, JSONResponse, HTMLResponse, PlainTextResponse, "
            "RedirectResponse, FileResponse (from azurefunctions.extensions.http.fastapi), or a str, dict, list, "
            "int, float, bool or pydantic model",
        )
    for binding in spec.outputs():
        if binding.is_type("http") and binding.name != "$return" and binding.direction is not Direction.IN:
            raise FunctionDefinitionError(
                spec.name,
                f"its HTTP output '{binding.name}' is a func.Out parameter, but with HTTP streams the response is "
                "the function's return value (an Out HTTP output would never be sent)",
                "return the response instead of setting an Out parameter",
            )


def _is_web_type(annotation: Any) -> bool:
    return inspect.isclass(annotation) and annotation.__module__.split(".", 1)[0] in _WEB_MODULES


def _name(annotation: Any) -> str:
    return getattr(annotation, "__qualname__", None) or repr(annotation)


def _why_off() -> str:
    if not extension_imported():
        return "function_app.py does not import azurefunctions.extensions.http.fastapi"
    return f"{INIT_INDEXING} is not set to true"
