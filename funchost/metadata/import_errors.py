"""Turning an exception raised while importing user code into an `AppLoadError` that points at file:line.

`SystemExit` and `KeyboardInterrupt` count too: an app that calls `sys.exit()` at import time is reported as
having exited during indexing, with its exit code, instead of ending funchost silently.
"""

from __future__ import annotations

import traceback
from pathlib import Path

from funchost.errors import AppLoadError


def describe_import_failure(exc: BaseException, script_file: Path) -> AppLoadError:
    """Name the user's file and line (the deepest frame inside the app folder) and suggest the fix."""
    if isinstance(exc, SyntaxError):
        where = f"{exc.filename or script_file}:{exc.lineno}"
        if exc.offset:
            where += f":{exc.offset}"
        line = (exc.text or "").rstrip()
        pointer = f"\n    {line}" if line else ""
        return AppLoadError(f"{where}: syntax error: {exc.msg}{pointer}\nFix: correct the syntax and start again")
    root = script_file.parent.resolve()
    frames = traceback.extract_tb(exc.__traceback__)
    user_frames = [f for f in frames if _is_under(Path(f.filename), root)]
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
    if isinstance(exc, ModuleNotFoundError):
        message += (
            f"\nFix: add the package that provides '{exc.name}' to requirements.txt and install it "
            "into the environment funchost runs in (pip install -r requirements.txt)"
        )
    else:
        message += "\nFix: the error was raised by the app's own code while it was being imported"
    return AppLoadError(message)


def _is_under(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except (ValueError, OSError):
        return False
    return True
