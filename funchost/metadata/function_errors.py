"""Per-function error state, as the Functions host keeps it (`ScriptHost.FunctionErrors`).

A function whose metadata, bindings, code or route cannot be loaded becomes a `FunctionError` (function, cause,
fix); the host starts with the others and logs each one as Azure does ("The 'f' function is in error: ...").
The start banner, `/admin/functions`, `/admin/host/status`, `/readyz`, `/metrics` and `functions list --json`
all read the same tuple. Strict mode (`--strict` or the app setting `FUNCHOST_STRICT=true`) restores
all-or-nothing: the first error stops the app, with its original message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from funchost.errors import AppLoadError
from funchost.metadata.booleans import env_flag
from funchost.metadata.spec import FunctionSpec

STRICT_SETTING = "FUNCHOST_STRICT"


@dataclass(frozen=True)
class FunctionError:
    """One function that cannot run: what is wrong and how to fix it. `spec` is what is known of it (may be None)."""

    name: str
    cause: str
    fix: str
    spec: FunctionSpec | None = None

    @classmethod
    def from_exception(cls, name: str, exc: BaseException, spec: FunctionSpec | None = None) -> FunctionError:
        """Split a funchost error message ("... Fix: ...") into cause and fix; drop the "Function 'x'" lead."""
        text = str(exc).strip()
        for lead in (f"Function '{name}': ", f"Function '{name}' "):  # the function is named once, by `name`
            if text.startswith(lead):
                text = text[len(lead) :]
                break
        cause, marker, fix = text.rpartition("Fix:")
        if not marker:
            cause, fix = text, ""
        return cls(name=name, cause=cause.strip().rstrip("."), fix=fix.strip(), spec=spec)

    @property
    def message(self) -> str:
        return f"{self.cause}. Fix: {self.fix}" if self.fix else self.cause

    def log_line(self) -> str:
        """The Functions host's wording (ScriptHost.LogHostFunctionErrors)."""
        return f"The '{self.name}' function is in error: {self.message}"

    def to_metadata(self) -> dict[str, object]:
        """The function's entry in the metadata document, marked with `error` (scalers and manifests skip it)."""
        doc: dict[str, object] = self.spec.to_metadata() if self.spec is not None else {"name": self.name}
        doc["error"] = self.message
        return doc


def strict_requested(env: Mapping[str, str]) -> bool:
    return env_flag(env, STRICT_SETTING)


def nothing_loads(script_root: Path, errors: Iterable[FunctionError]) -> AppLoadError:
    """The app has functions but none of them can load: the project is broken (exit code 2)."""
    listed = "\n".join(f"  Function '{error.name}': {error.message}" for error in errors)
    return AppLoadError(
        f"{script_root}: no function of this app can load; every function is in error:\n{listed}\n"
        "Fix: correct the functions above (each line says how)"
    )


class ErrorCollector:
    """Collects per-function errors while an app is indexed; in strict mode the first one is raised unchanged."""

    def __init__(self, *, strict: bool) -> None:
        self.strict = strict
        self.errors: list[FunctionError] = []

    def capture(self, name: str, exc: Exception, spec: FunctionSpec | None = None) -> None:
        """Call from an `except` block: re-raises `exc` when strict, else records it against the function."""
        if self.strict:
            raise exc
        self.errors.append(FunctionError.from_exception(name, exc, spec))
