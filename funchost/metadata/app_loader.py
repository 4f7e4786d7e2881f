"""Loading a whole app: settings → environment, host.json, v2 or v1 indexing, validation, function subset.

`load_app()` is the one entry point the host, the CLI and `functions list` use; everything it returns has
been validated, so errors surface before anything starts listening.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from funchost.errors import AppLoadError, ConfigurationError
from funchost.metadata.app_settings import LocalSettings, apply_to_environment, load_local_settings
from funchost.metadata.binding_settings import BindingSettings, parse_binding
from funchost.metadata.concurrency import effective_concurrency
from funchost.metadata.host_config import HostConfig, load_host_config
from funchost.metadata.http_streams import serves_streams, streams_enabled
from funchost.metadata.indexing import IndexedFunction, index_v2, script_file_name
from funchost.metadata.indexing_watchdog import indexing_watchdog
from funchost.metadata.legacy import index_v1
from funchost.metadata.signature import check_signature


@dataclass(frozen=True)
class LoadedApp:
    script_root: Path
    host_config: HostConfig
    local_settings: LocalSettings
    functions: tuple[IndexedFunction, ...]
    settings: Mapping[str, Mapping[str, BindingSettings]]  # function name → binding name → typed settings

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
) -> LoadedApp:
    """Index the app in `script_root`. `only` limits the functions (CLI --functions beats host.json).

    `indexing_timeout` (seconds) ends the process with an error when importing the app blocks longer; the CLI
    sets it, see `indexing_watchdog`.
    """
    local = load_local_settings(script_root)
    if apply_settings:
        apply_to_environment(local)
    env = os.environ
    host_config = load_host_config(script_root, env)
    with indexing_watchdog(script_root, indexing_timeout):
        if (script_root / script_file_name(env)).exists():
            functions = index_v2(script_root, env)
        else:
            functions = index_v1(script_root)
    _check_unique(script_root, functions)
    functions = _select(functions, only if only else host_config.functions, script_root)
    settings: dict[str, dict[str, BindingSettings]] = {}
    with_concurrency = []
    streams = streams_enabled(env)  # after the import: the app's own import of the extension turns it on
    for indexed in functions:
        check_signature(indexed.spec, indexed.callable, http_streams=streams)
        parsed = {b.name: parse_binding(b, indexed.spec.name, env) for b in indexed.spec.bindings}
        settings[indexed.spec.name] = parsed
        spec = dataclasses.replace(indexed.spec, concurrency=effective_concurrency(indexed.spec, parsed, host_config))
        with_concurrency.append(dataclasses.replace(indexed, spec=spec, http_stream=serves_streams(spec, streams)))
    functions = with_concurrency
    return LoadedApp(
        script_root=script_root,
        host_config=host_config,
        local_settings=local,
        functions=tuple(functions),
        settings=settings,
    )


def _check_unique(script_root: Path, functions: list[IndexedFunction]) -> None:
    seen: dict[str, str] = {}
    for indexed in functions:
        key = indexed.spec.name.casefold()
        if key in seen:
            raise AppLoadError(
                f"{script_root}: two functions are named '{indexed.spec.name}' (function names are case-insensitive). "
                'Fix: rename one, e.g. with @app.function_name("...")'
            )
        seen[key] = indexed.spec.name


def _select(functions: list[IndexedFunction], only: Sequence[str] | None, script_root: Path) -> list[IndexedFunction]:
    if not only:
        return functions
    wanted = {name.casefold(): name for name in only}
    known = {f.spec.name.casefold() for f in functions}
    missing = [name for key, name in wanted.items() if key not in known]
    if missing:
        names = ", ".join(f.spec.name for f in functions)
        raise ConfigurationError(
            f"{script_root}: the function list to run names {missing}, which are not functions of this app "
            f'(functions: {names}). Fix: correct --functions, host.json "functions" '
            "or AzureFunctionsJobHost__functions__N"
        )
    return [f for f in functions if f.spec.name.casefold() in wanted]
