"""Reading ``function_app.py`` as source (never importing it) and appending a function to it.

Found with :mod:`ast`: the variable holding the ``FunctionApp``, how ``azure.functions`` is imported, the names of the
functions already defined and every other module-level name, so new code uses the file's own names and cannot clash.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

from funchost.errors import ConfigurationError

APP_CLASSES = frozenset({"FunctionApp", "AsgiFunctionApp", "WsgiFunctionApp"})
DEFAULT_APP_VARIABLE = "app"
FUNCTIONS_MODULE = "azure.functions"
_ALIAS_CANDIDATES = ("func", "azure_functions")


@dataclass(frozen=True)
class AppSource:
    """What the scaffolder needs to know about one ``function_app.py``."""

    path: Path
    text: str
    tree: ast.Module
    app_variable: str
    """Name of the module-level ``FunctionApp`` (``app`` when none is found, as in every template)."""
    functions_module: str | None
    """The expression reaching ``azure.functions`` (``func``, ``azure.functions``), ``None`` if it is not imported."""
    function_names: frozenset[str]
    """Casefolded names of the functions defined: decorated ``def`` names and ``function_name(...)`` values."""
    module_names: frozenset[str]
    """Every name bound at module level (imports, assignments, definitions)."""


def parse_app(path: Path) -> AppSource:
    """Parse ``path``; a syntax error is the user's to fix before anything is added."""
    text = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as error:
        raise ConfigurationError(
            f"{path} has a syntax error at line {error.lineno}: {error.msg}. "
            "Fix: correct the file, then add the function again."
        ) from error
    return AppSource(
        path=path,
        text=text,
        tree=tree,
        app_variable=_find_app_variable(tree),
        functions_module=_find_functions_module(tree),
        function_names=_find_function_names(tree),
        module_names=_find_module_names(tree),
    )


def _find_app_variable(tree: ast.Module) -> str:
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if isinstance(value, ast.Call) and _called_name(value) in APP_CLASSES:
            for target in targets:
                if isinstance(target, ast.Name):
                    return target.id
    return DEFAULT_APP_VARIABLE


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def _find_functions_module(tree: ast.Module) -> str | None:
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == FUNCTIONS_MODULE:
                    return alias.asname or FUNCTIONS_MODULE
    return None


def _find_function_names(tree: ast.Module) -> frozenset[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or not node.decorator_list:
            continue
        names.add(node.name)
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call) and _called_name(decorator) == "function_name":
                declared = _function_name_argument(decorator)
                if declared is not None:
                    names.add(declared)
    return frozenset(name.casefold() for name in names)


def _function_name_argument(call: ast.Call) -> str | None:
    candidates = [*call.args[:1], *(keyword.value for keyword in call.keywords if keyword.arg == "name")]
    for candidate in candidates:
        if isinstance(candidate, ast.Constant) and isinstance(candidate.value, str):
            return candidate.value
    return None


def _find_module_names(tree: ast.Module) -> frozenset[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        else:
            for child in ast.walk(node):
                if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                    names.add(child.id)
    return frozenset(names)


def functions_alias(source: AppSource) -> str:
    """The expression the new code uses for ``azure.functions``; a fresh alias when the file does not import it."""
    if source.functions_module is not None:
        return source.functions_module
    for alias in _ALIAS_CANDIDATES:
        if alias not in source.module_names:
            return alias
    raise ConfigurationError(
        f"{source.path} does not import azure.functions and already uses the names {list(_ALIAS_CANDIDATES)}. "
        "Fix: add `import azure.functions as func` to the file."
    )


def append_function(source: AppSource, functions_expr: str, block: str) -> str:
    """The new text of the file: missing imports (``logging``, ``azure.functions``) added, then ``block`` appended."""
    newline = "\r\n" if "\r\n" in source.text else "\n"
    lines = source.text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    imports = []
    if "logging" not in source.module_names:
        imports.append("import logging")
    if source.functions_module is None:
        imports.append(f"import {FUNCTIONS_MODULE} as {functions_expr}")
    if imports:
        at, separate = _import_position(source.tree)
        added = [line + newline for line in imports]
        if separate:
            added.append(newline)
        lines[at:at] = added
    body = "".join(lines).rstrip() + newline * 3 if any(line.strip() for line in lines) else ""
    text = body + newline.join(block.rstrip("\n").split("\n")) + newline
    ast.parse(text)  # the templates are ours: a failure here is a funchost bug, so let SyntaxError through
    return text


def _import_position(tree: ast.Module) -> tuple[int, bool]:
    """0-based line index where new imports go and whether a blank line should follow them.

    Before the first import that is not ``from __future__`` (standard-library imports come first), after any
    module docstring and ``__future__`` imports when the file has no other import.
    """
    after = 0
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            after = node.end_lineno or after
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            return node.lineno - 1, not _is_stdlib(node)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            after = node.end_lineno or after
            continue
        break
    return after, True


def _is_stdlib(node: ast.Import | ast.ImportFrom) -> bool:
    module = node.names[0].name if isinstance(node, ast.Import) else (node.module or "")
    return module.split(".")[0] in sys.stdlib_module_names
