"""docs/configuration.md names every setting the code reads, found by reading the code itself (AST), not a list.

- Environment variables / app settings: `X.get("NAME")`, `X["NAME"]`, `os.getenv("NAME")` where X is an
  environment mapping (its source mentions `env`/`environ`), `setting("NAME")`, a module constant passed to those
  (`env.get(MASTER_KEY_ENV)`), `for name in ("A", "B"): env.get(name)`, and prefix constants (`*_ENV_PREFIX`).
- host.json keys: the key argument of the host.json readers (`lookup(section, "batchSize")`, `_int(...)`,
  `_seconds(...)`, `host_json_seconds(...)`, `_bool(...)`, `.extension("queues")`, singleton's
  `seconds("listenerLockPeriod", ...)`) in every module that reads host.json, plus the scaler options table of
  `scale.functions.<name>`.
- local.settings.json entries: what `load_local_settings` reads from the document, and `local_settings.host` keys.

A name missing from the reference fails the test with the list of missing names, by kind: add a row for each.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from funchost.metadata.trigger_kinds import TRIGGER_KINDS

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "configuration.md"
SOURCES = sorted([*(ROOT / "funchost").rglob("*.py"), *(ROOT / "scale_controller").rglob("*.py")])
ENV_RECEIVER = re.compile(r"env|environ", re.IGNORECASE)
SETTING_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_:]*$")
# host.json reader → index of its key argument.
HOST_JSON_READERS = {
    "lookup": 1,
    "_int": 1,
    "_seconds": 1,
    "host_json_seconds": 1,
    "_bool": 1,
    "_section": 1,
    "seconds": 0,
    "extension": 0,
}
# Modules whose lookup() reads binding JSON (function.json / decorator fields), not host.json.
BINDING_READERS = {"funchost/metadata/spec.py"}
# Read from the environment but not settings a user configures: what the OS, the shell or a container sets.
NOT_SETTINGS = {"HOME", "PATH", "PYTHONPATH", "VIRTUAL_ENV"}


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _constants() -> dict[str, str]:
    """Every module-level `NAME = "text"` in the packages (names used as setting names are looked up here)."""
    found: dict[str, str] = {}
    for path in SOURCES:
        for node in _parse(path).body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Constant):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                        found[target.id] = node.value.value
    return found


CONSTANTS = _constants()


def _text(node: ast.expr, loop_values: dict[str, list[str]]) -> list[str]:
    """The setting names an argument stands for: a literal, a module constant, or a loop over literals."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name):
        if node.id in loop_values:
            return loop_values[node.id]
        if node.id in CONSTANTS:
            return [CONSTANTS[node.id]]
    if isinstance(node, ast.Attribute) and node.attr in CONSTANTS:
        return [CONSTANTS[node.attr]]
    return []


def _loop_values(tree: ast.Module) -> dict[str, list[str]]:
    """`for name in ("A", "B")` → {"name": ["A", "B"]}."""
    loops: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.For) and isinstance(node.target, ast.Name) and isinstance(node.iter, ast.Tuple):
            values = [e.value for e in node.iter.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if values and len(values) == len(node.iter.elts):
                loops[node.target.id] = values
    return loops


def _env_reads(tree: ast.Module) -> Iterator[str]:
    loops = _loop_values(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ("get", "getenv", "pop"):
                receiver = ast.unparse(func.value)
                if ENV_RECEIVER.search(receiver) or (func.attr == "getenv" and receiver == "os"):
                    yield from _text(node.args[0], loops)
            elif isinstance(func, ast.Name) and func.id == "setting":
                yield from _text(node.args[0], loops)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            if ENV_RECEIVER.search(ast.unparse(node.value)):
                yield from _text(node.slice, loops)


def _prefixes(tree: ast.Module) -> Iterator[str]:
    """Module constants that name a setting: `*_ENV_PREFIX` / `ENV_PREFIX`, and `*_ENV` (read through a helper such
    as `env_seconds(GRACE_ENV, 30.0)`, which the call scan above cannot see)."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name) and (
                    target.id.endswith(("_ENV_PREFIX", "_ENV")) or target.id == "ENV_PREFIX"
                ):
                    yield node.value.value


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def environment_settings() -> set[str]:
    names: set[str] = set()
    for path in SOURCES:
        tree = _parse(path)
        names.update(_env_reads(tree))
        names.update(_prefixes(tree))
    return {n for n in names if SETTING_NAME.match(n) and n not in NOT_SETTINGS}


def _reads_host_json(path: Path, tree: ast.Module) -> bool:
    text = path.read_text(encoding="utf-8")
    return (
        _relative(path) not in BINDING_READERS
        and ("host_config" in text or "host.json" in text)
        and any(isinstance(node, ast.Call) and _callee(node) in HOST_JSON_READERS for node in ast.walk(tree))
    )


def _callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def host_json_keys() -> set[str]:
    keys: set[str] = set()
    for path in SOURCES:
        tree = _parse(path)
        if not _reads_host_json(path, tree):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and (index := HOST_JSON_READERS.get(_callee(node) or "")) is not None:
                if len(node.args) > index:
                    arg = node.args[index]
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        keys.add(arg.value)
    for kind in TRIGGER_KINDS:  # each kind's scaler options and its extensions.<section>
        keys.update(kind.scaler_options)
        keys.update([kind.host_json_section] if kind.host_json_section else [])
    return keys


def local_settings_entries() -> set[str]:
    entries: set[str] = set()
    for path in SOURCES:
        tree = _parse(path)
        in_loader = _relative(path) == "funchost/metadata/app_settings.py"
        for node in ast.walk(tree):
            if in_loader and isinstance(node, ast.Call) and ast.unparse(node.func) == "_section" and len(node.args) > 2:
                section = node.args[2]  # _section(path, doc, "Values", example): a top-level entry of the file
                if isinstance(section, ast.Constant) and isinstance(section.value, str):
                    entries.add(section.value)
                continue
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"):
                continue
            receiver = ast.unparse(node.func.value)
            reads_file = in_loader and receiver in ("doc", "value")
            if (reads_file or receiver.endswith("local_settings.host")) and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    entries.add(arg.value)
    return entries


def _missing(names: set[str]) -> list[str]:
    text = REFERENCE.read_text(encoding="utf-8")
    return sorted(name for name in names if f"`{name}" not in text)


def test_the_scan_finds_what_it_is_meant_to_find() -> None:
    """Guards the scanner: a few settings read in each of the ways above must be found."""
    env = environment_settings()
    assert {"FUNCHOST_ADDRESS", "FUNCHOST_MASTER_KEY", "WEBSITE_TIME_ZONE", "TZ", "AzureWebJobsScriptRoot"} <= env
    assert {"FUNCHOST_QUEUE_RECEIVE_VISIBILITY_TIMEOUT", "FUNCHOST_FUNCTION_KEY_", "AzureFunctionsJobHost__"} <= env
    assert {"batchSize", "maxPollingInterval", "routePrefix", "listenerLockPeriod", "queues", "targetMode"} <= (
        host_json_keys()
    )
    assert {"IsEncrypted", "Values", "Host", "ConnectionStrings", "LocalHttpPort"} <= local_settings_entries()


def test_every_environment_variable_the_code_reads_is_documented() -> None:
    missing = _missing(environment_settings())
    assert not missing, f"docs/configuration.md lacks these environment variables / app settings: {missing}"


def test_every_host_json_key_the_code_reads_is_documented() -> None:
    missing = _missing(host_json_keys())
    assert not missing, f"docs/configuration.md lacks these host.json keys: {missing}"


def test_every_local_settings_entry_the_code_reads_is_documented() -> None:
    missing = _missing(local_settings_entries())
    assert not missing, f"docs/configuration.md lacks these local.settings.json entries: {missing}"
