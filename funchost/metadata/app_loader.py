"""Loading a whole app: settings → environment, host.json, v2 or v1 indexing, validation, function subset.

`load_app()` is the one entry point the host, the CLI and `functions list` use; every function it returns has
been validated, so errors surface before anything starts listening. A function that fails (not hosted, bad
binding, missing setting, wrong signature, its code does not import) is returned in `errors` instead, as the
Functions host keeps it in `FunctionErrors`; with `strict` the first such error is raised unchanged. A broken
project (host.json, local.settings.json, function_app.py that does not import) always raises.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from funchost.errors import AppLoadError, ConfigurationError, FunctionDefinitionError
from funchost.metadata.app_settings import LocalSettings, apply_to_environment, load_local_settings
from funchost.metadata.binding_settings import BindingSettings, hosted_types, parse_binding
from funchost.metadata.broker_settings import KafkaSettings, host_json_settings
from funchost.metadata.concurrency import effective_concurrency
from funchost.metadata.disabled import is_disabled
from funchost.metadata.function_errors import ErrorCollector, FunctionError, nothing_loads, strict_requested
from funchost.metadata.host_config import HostConfig, load_host_config
from funchost.metadata.http_streams import serves_streams, streams_enabled
from funchost.metadata.indexing import IndexedFunction, index_v2, script_file_name
from funchost.metadata.indexing_watchdog import indexing_watchdog
from funchost.metadata.kafka_security import kafka_security
from funchost.metadata.legacy import index_v1
from funchost.metadata.not_hosted import not_hosted
from funchost.metadata.signature import check_signature
from funchost.metadata.spec import Direction, lookup


@dataclass(frozen=True)
class LoadedApp:
    script_root: Path
    host_config: HostConfig
    local_settings: LocalSettings
    functions: tuple[IndexedFunction, ...]
    settings: Mapping[str, Mapping[str, BindingSettings]]  # function name → binding name → typed settings
    errors: tuple[FunctionError, ...] = ()  # the functions in error (not in `functions`)
    strict: bool = False  # all-or-nothing: any function error stops the app

    def with_errors(self, errors: Sequence[FunctionError]) -> LoadedApp:
        """This app without the functions named in `errors` (found later, e.g. by route checks), which it records.
        In strict mode, or when no function would be left, raise instead."""
        if not errors:
            return self
        if self.strict:
            raise ConfigurationError(f"Function '{errors[0].name}': {errors[0].message}")
        failed = {error.name.casefold() for error in errors}
        kept = tuple(f for f in self.functions if f.spec.name.casefold() not in failed)
        app = dataclasses.replace(self, functions=kept, errors=(*self.errors, *errors))
        app.require_a_function()
        return app

    def require_a_function(self) -> None:
        """Raise when the app has functions but none of them can load (exit code 2)."""
        if not self.functions and self.errors:
            raise nothing_loads(self.script_root, self.errors)

    def function(self, name: str) -> IndexedFunction:
        for indexed in self.functions:
            if indexed.spec.name.casefold() == name.casefold():
                return indexed
        raise KeyError(name)


def resolve_script_root(script_root: Path | str | None, env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    root = Path(script_root or env.get("AzureWebJobsScriptRoot") or ".").resolve()
    if not root.is_dir():
        raise ConfigurationError(f"script root {root} is not a folder. Fix: pass --script-root pointing at your app")
    return root


def load_app(
    script_root: Path,
    *,
    only: Sequence[str] | None = None,
    apply_settings: bool = True,
    indexing_timeout: float | None = None,
    strict: bool | None = None,
) -> LoadedApp:
    """Index the app in `script_root`. `only` limits the functions (CLI --functions beats host.json); `strict`
    (default: the FUNCHOST_STRICT setting) raises the first function error instead of recording it.

    `indexing_timeout` (seconds) ends the process with an error when importing the app blocks longer; the CLI
    sets it, see `indexing_watchdog`.
    """
    local = load_local_settings(script_root)
    if apply_settings:
        apply_to_environment(local)
    env: Mapping[str, str] = os.environ
    strict = strict_requested(env) if strict is None else strict
    host_config = load_host_config(script_root, env)
    from_host_json = host_json_settings(lookup(host_config.raw, "extensions", {}) or {})
    env = {**env, **from_host_json} if from_host_json else env  # connection fallbacks the extensions read
    collector = ErrorCollector(strict=strict)
    with indexing_watchdog(script_root, indexing_timeout):
        if (script_root / script_file_name(env)).exists():
            functions = index_v2(script_root, env, collector)
        else:
            functions = index_v1(script_root, collector)
    _check_unique(script_root, [f.spec.name for f in functions] + [e.name for e in collector.errors])
    wanted = only if only else host_config.functions
    functions = _select(functions, collector, wanted, script_root)
    settings: dict[str, dict[str, BindingSettings]] = {}
    healthy = []
    streams = streams_enabled(env)  # after the import: the app's own import of the extension turns it on
    for indexed in functions:
        try:
            parsed = _admit(indexed, env, streams)
            disabled_by = is_disabled(indexed.spec.name, indexed.spec.function_json_disabled, env)
        except ConfigurationError as exc:
            collector.capture(indexed.spec.name, exc, indexed.spec)
            continue
        settings[indexed.spec.name] = parsed
        spec = dataclasses.replace(
            indexed.spec,
            concurrency=effective_concurrency(indexed.spec, parsed, host_config),
            disabled_by=disabled_by,
        )
        healthy.append(dataclasses.replace(indexed, spec=spec, http_stream=serves_streams(spec, streams)))
    app = LoadedApp(
        script_root=script_root,
        host_config=host_config,
        local_settings=local,
        functions=tuple(healthy),
        settings=settings,
        errors=tuple(collector.errors),
        strict=strict,
    )
    app.require_a_function()
    return app


def _admit(indexed: IndexedFunction, env: Mapping[str, str], streams: bool) -> dict[str, BindingSettings]:
    """Refuse a binding funchost does not host (before its settings are demanded), then check and parse."""
    spec = indexed.spec
    for binding in spec.bindings:
        row = not_hosted(binding.type)
        if row is not None:
            if binding.is_trigger:
                hosted = f"funchost hosts these triggers: {', '.join(hosted_types(triggers=True))}"
            elif binding.direction is Direction.IN:
                hosted = "funchost hosts these input bindings: blob"
            else:
                hosted = f"funchost hosts these output bindings: {', '.join(hosted_types(triggers=False))}"
            raise FunctionDefinitionError(
                spec.name,
                f"binding '{binding.name}' ({binding.type}) is {row.what}, which funchost does not host"
                + (f": {row.why}" if row.why else ""),
                f"{row.fix} ({hosted})",
            )
    check_signature(spec, indexed.callable, indexed.annotations, http_streams=streams)
    parsed = {b.name: parse_binding(b, spec.name, env) for b in spec.bindings}
    for binding in spec.bindings:
        settings = parsed[binding.name]
        if isinstance(settings, KafkaSettings):  # security the client cannot use fails here, for this function only
            kafka_security(settings, f"Function '{spec.name}' binding '{binding.name}' ({binding.type})")
    return parsed


def _check_unique(script_root: Path, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name.casefold() in seen:
            raise AppLoadError(
                f"{script_root}: two functions are named '{name}' (function names are case-insensitive). "
                'Fix: rename one, e.g. with @app.function_name("...")'
            )
        seen.add(name.casefold())


def _select(
    functions: list[IndexedFunction], collector: ErrorCollector, only: Sequence[str] | None, script_root: Path
) -> list[IndexedFunction]:
    if not only:
        return functions
    wanted = {name.casefold(): name for name in only}
    names = [f.spec.name for f in functions] + [e.name for e in collector.errors]
    known = {name.casefold() for name in names}
    missing = [name for key, name in wanted.items() if key not in known]
    if missing:
        raise ConfigurationError(
            f"{script_root}: the function list to run names {missing}, which are not functions of this app "
            f'(functions: {", ".join(names)}). Fix: correct --functions, host.json "functions" '
            "or AzureFunctionsJobHost__functions__N"
        )
    collector.errors[:] = [e for e in collector.errors if e.name.casefold() in wanted]
    return [f for f in functions if f.spec.name.casefold() in wanted]
