"""Turning an exception raised while importing user code into an `AppLoadError` that points at file:line.

A missing module gets the advice that fits where it is: a package that is not installed (requirements.txt), the
app's own code beside function_app.py / the function folders (a missing submodule or a broken package), a module
inside a v1 function folder (imported relatively there), or a package of a model funchost does not host.

`SystemExit` and `KeyboardInterrupt` count too: an app that calls `sys.exit()` at import time is reported as
having exited during indexing, with its exit code, instead of ending funchost silently.
"""

from __future__ import annotations

import traceback
from pathlib import Path

from funchost.errors import AppLoadError

# Top-level packages whose whole programming model funchost does not host.
NOT_HOSTED_PACKAGES = {
    "azure.durable_functions": "Durable Functions (the orchestration model) is not hosted by funchost",
}


def describe_import_failure(exc: BaseException, script_file: Path, script_root: Path | None = None) -> AppLoadError:
    """Name the user's file and line (the deepest frame inside the app folder) and suggest the fix."""
    if isinstance(exc, SyntaxError):
        where = f"{exc.filename or script_file}:{exc.lineno}"
        if exc.offset:
            where += f":{exc.offset}"
        line = (exc.text or "").rstrip()
        pointer = f"\n    {line}" if line else ""
        return AppLoadError(f"{where}: syntax error: {exc.msg}{pointer}\nFix: correct the syntax and start again")
    root = (script_root or script_file.parent).resolve()
    frames = traceback.extract_tb(exc.__traceback__)
    user_frames = [f for f in frames if is_under(Path(f.filename), root)]
    frame = user_frames[-1] if user_frames else (frames[-1] if frames else None)
    where = f"{frame.filename}:{frame.lineno}" if frame else str(script_file)
    if isinstance(exc, (SystemExit, KeyboardInterrupt)):
        how = "KeyboardInterrupt"
        if isinstance(exc, SystemExit):
            how = f"sys.exit({'' if exc.code is None else repr(exc.code)})"
        return AppLoadError(
            f"{script_file.name} exited during indexing ({how} at {where}); funchost imports it to find the "
            "functions, and nothing was started.\nFix: do not exit at import time: keep script code under "
            "'if __name__ == \"__main__\":', or raise an exception that says what is wrong"
        )
    message = f"{where}: importing {script_file.name} failed: {type(exc).__name__}: {exc}"
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        message += "\nFix: " + _missing_module_fix(exc.name, script_file.resolve(), root)
    else:
        message += "\nFix: the error was raised by the app's own code while it was being imported"
    return AppLoadError(message)


def _missing_module_fix(name: str, script_file: Path, root: Path) -> str:
    for package, why in NOT_HOSTED_PACKAGES.items():
        if name == package or name.startswith(package + "."):
            return f"{why}; run this app on Azure (installing '{package}' would not make it run here)"
    top, _, rest = name.partition(".")
    own = _module_in(root, top)
    if own is not None:
        if rest:
            return (
                f"'{top}' is the app's own package ({own}), but it has no module '{rest}'. Create "
                f"{own / rest.replace('.', '/')}.py or correct the import"
            )
        return f"'{top}' is the app's own code ({own}) but could not be imported; check its __init__.py"
    folder = script_file.parent
    if folder != root and _module_in(folder, top) is not None:
        return (
            f"'{top}' is a module inside the function folder {folder.name}/; a v1 function imports its own "
            f"modules relatively: 'from . import {top}' (or 'from __app__.{folder.name} import {top}')"
        )
    return (
        f"add the package that provides '{name}' to requirements.txt and install it "
        "into the environment funchost runs in (pip install -r requirements.txt)"
    )


def _module_in(folder: Path, name: str) -> Path | None:
    for candidate in (folder / name, folder / f"{name}.py"):
        if candidate.exists():
            return candidate
    return None


def is_under(path: Path, root: Path) -> bool:
    """Whether `path` (resolved) lies below the resolved `root`: a frame of the app's own code."""
    try:
        path.resolve().relative_to(root)
    except (ValueError, OSError):
        return False
    return True
