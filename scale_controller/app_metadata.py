"""The controller's view of an app: the metadata document and, for each event-triggered function, its spec, its
typed trigger settings (parsed by the same `parse_binding` the listeners use) and its scale settings.

The document comes from a JSON file (`funchost functions list --json > app.json`) or from a project folder,
indexed by running `python -m funchost.cli.main functions list --json` in a subprocess: the scale controller
never imports user code. local.settings.json Values are applied to the controller's environment as the host
applies them (never overriding variables that are already set), so connection settings resolve the same way.
Functions the host has in error (entries with an `error`) are skipped with a warning, as the host skips them;
`strict=True` (default: the FUNCHOST_STRICT setting) refuses the document instead.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from funchost.errors import ConfigurationError
from funchost.metadata.app_settings import apply_to_environment, load_local_settings
from funchost.metadata.binding_settings import BindingSettings, parse_binding
from funchost.metadata.broker_settings import host_json_settings
from funchost.metadata.function_errors import strict_requested
from funchost.metadata.host_config import load_host_config
from funchost.metadata.scale_settings import ScaleSettings
from funchost.metadata.spec import FunctionSpec, lookup
from funchost.metadata.trigger_kind import TriggerKind
from funchost.metadata.trigger_kinds import scaled_kind_of

logger = logging.getLogger("scale_controller.app_metadata")
INDEX_TIMEOUT = 120.0  # seconds for indexing a project in the subprocess (imports the app and its packages)


class AppMetadataError(ConfigurationError):
    """The metadata document cannot be produced or read (indexing failed, bad JSON, missing fields)."""


@dataclass(frozen=True)
class EventFunction:
    """A function the controller scales on: an event trigger with a scaler."""

    spec: FunctionSpec
    settings: BindingSettings  # the trigger's typed settings
    scale: ScaleSettings

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def kind(self) -> TriggerKind[Any, Any]:
        """The trigger kind (a scaled one: queue, RabbitMQ, Kafka, Service Bus)."""
        kind = scaled_kind_of(self.settings)
        if kind is None:
            raise AppMetadataError(f"Function '{self.name}': its {self.spec.trigger.type} is not scaled on events")
        return kind

    @property
    def trigger_type(self) -> str:
        """The canonical trigger type (queueTrigger, rabbitMQTrigger, kafkaTrigger, serviceBusTrigger)."""
        return self.kind.name


@dataclass(frozen=True)
class AppMetadata:
    origin: str  # the file or folder it was read from, for messages
    script_root: Path | None
    functions: tuple[FunctionSpec, ...]
    event_functions: tuple[EventFunction, ...]
    document: Mapping[str, Any] = field(repr=False)
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)  # where settings were resolved
    skipped: Mapping[str, str] = field(default_factory=dict)  # functions in error → why (not scaled, not deployed)


def load_app_metadata(
    source: Path | str,
    *,
    environ: MutableMapping[str, str] | None = None,
    python: str = sys.executable,
    timeout: float = INDEX_TIMEOUT,
    strict: bool | None = None,
) -> AppMetadata:
    """Read a metadata JSON file, or index a project folder in a subprocess run with `python`.

    `environ` (default `os.environ`) receives local.settings.json Values — from the folder, or for a file from the
    document's `scriptRoot` when that folder exists here — and is used to resolve connection settings.
    """
    environ = os.environ if environ is None else environ
    path = Path(source)
    if path.is_dir():
        apply_to_environment(load_local_settings(path.resolve()), environ)
        _apply_host_json_connections(path.resolve(), environ)
        document = index_project(path.resolve(), environ=environ, python=python, timeout=timeout)
    elif path.is_file():
        document = read_document(path)
        root = document.get("scriptRoot")
        if isinstance(root, str) and Path(root).is_dir():
            apply_to_environment(load_local_settings(Path(root)), environ)
            _apply_host_json_connections(Path(root), environ)
    else:
        raise AppMetadataError(
            f"{path} is neither a project folder nor a metadata file. Fix: pass the app folder (with host.json) or "
            "the JSON written by 'funchost functions list --json'"
        )
    strict = strict_requested(environ) if strict is None else strict  # FUNCHOST_STRICT, as for the host
    return from_document(document, origin=str(path), environ=environ, strict=strict)


def _apply_host_json_connections(script_root: Path, environ: MutableMapping[str, str]) -> None:
    """host.json connection fallbacks (extensions.rabbitMQ.connectionString) resolve here as in the host."""
    extensions = lookup(load_host_config(script_root, environ).raw, "extensions", {}) or {}
    for name, value in host_json_settings(extensions).items():
        environ.setdefault(name, value)


def index_project(
    script_root: Path, *, environ: Mapping[str, str], python: str = sys.executable, timeout: float = INDEX_TIMEOUT
) -> dict[str, Any]:
    """`functions list --json` for a project folder, run in a subprocess (user code is imported there only)."""
    command = [python, "-m", "funchost.cli.main", "functions", "list", "--json", "--script-root", str(script_root)]
    try:
        done = subprocess.run(
            command, cwd=script_root, env=dict(environ), capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise AppMetadataError(
            f"indexing {script_root} took longer than {timeout:.0f} s ({' '.join(command[1:])}). Fix: check that "
            "function_app.py does no slow work at import time"
        ) from None
    except OSError as exc:
        raise AppMetadataError(f"cannot run {python} to index {script_root}: {exc}. Fix: pass a Python") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().removeprefix("error: ")
        raise AppMetadataError(f"indexing {script_root} failed (exit code {done.returncode}): {detail}")
    return _parse(done.stdout, f"the output of 'funchost functions list --json' for {script_root}")


def read_document(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise AppMetadataError(f"cannot read metadata file {path}: {exc.strerror}") from None
    return _parse(text, str(path))


def from_document(
    document: Mapping[str, Any], *, origin: str, environ: Mapping[str, str] | None = None, strict: bool = False
) -> AppMetadata:
    """Rebuild specs, typed trigger settings (resolving connections in `environ`) and scale settings; skip (or with
    `strict`, refuse) the functions in error."""
    raw_functions = document.get("functions")
    if not isinstance(raw_functions, list):
        raise AppMetadataError(f"{origin}: no 'functions' list. Fix: use 'funchost functions list --json' output")
    specs: list[FunctionSpec] = []
    events: list[EventFunction] = []
    skipped: dict[str, str] = {}
    for raw in raw_functions:
        if isinstance(raw, Mapping) and raw.get("error"):
            name = str(raw.get("name"))
            if strict:
                raise AppMetadataError(
                    f"{origin}: Function '{name}' is in error: {raw['error']} (strict: every function must load)"
                )
            logger.warning(
                "Function '%s' is in error and is skipped (not scaled, not deployed): %s",
                name,
                raw["error"],
            )
            skipped[name] = str(raw["error"])
            continue
        try:
            spec = FunctionSpec.from_metadata(raw)
        except (KeyError, TypeError, ValueError) as exc:
            raise AppMetadataError(f"{origin}: function entry {raw!r:.120} is invalid: {exc}") from None
        specs.append(spec)
        settings = parse_binding(spec.trigger, spec.name, environ)
        if scaled_kind_of(settings) is None:
            continue  # HTTP and timer functions have no scaler
        if spec.disabled:
            logger.info("Function '%s' is disabled (%s): not scaled on its trigger", spec.name, spec.disabled_by)
            continue
        scale = raw.get("scale")
        if not isinstance(scale, Mapping):
            raise AppMetadataError(
                f"{origin}: function '{spec.name}' ({spec.trigger.type}) has no 'scale' entry. Fix: regenerate the "
                "document with this version of 'funchost functions list --json'"
            )
        events.append(EventFunction(spec, settings, ScaleSettings.from_metadata(scale, f"{origin} '{spec.name}'")))
    root = document.get("scriptRoot")
    return AppMetadata(
        origin=origin,
        script_root=Path(root) if isinstance(root, str) else None,
        functions=tuple(specs),
        event_functions=tuple(events),
        document=document,
        environ=os.environ if environ is None else environ,
        skipped=skipped,
    )


def _parse(text: str, where: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AppMetadataError(f"{where}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    if not isinstance(document, dict):
        raise AppMetadataError(f"{where}: expected a JSON object with 'functions'")
    return document
