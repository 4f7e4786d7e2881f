"""``funchost new`` and ``funchost templates``: add a function from a template to a project's ``function_app.py``.

As in Core Tools for the Python v2 model, the function is appended to ``function_app.py`` (all functions of the app
live there). The generated code uses the file's own ``FunctionApp`` variable and ``azure.functions`` alias, and any
app setting the template refers to that ``local.settings.json`` lacks is added with a placeholder value.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from funchost.errors import ConfigurationError
from funchost.scaffold.app_settings import SETTINGS_FILE, add_settings, load_settings, missing_settings
from funchost.scaffold.app_source import AppSource, append_function, functions_alias, parse_app
from funchost.scaffold.catalog import TemplateInfo, TemplateParam, find_template, list_templates
from funchost.scaffold.resources import read_template, render

__all__ = ["APP_FILE", "NewFunctionResult", "TemplateInfo", "TemplateParam", "list_templates", "new_function"]

APP_FILE = "function_app.py"
_FUNCTION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,127}")


@dataclass(frozen=True)
class NewFunctionResult:
    """What :func:`new_function` did; everything ``funchost new`` prints."""

    function_name: str
    template: TemplateInfo
    app_file: Path
    """The ``function_app.py`` the function was appended to."""
    params: dict[str, str]
    """Every template parameter with the value used (given or default)."""
    settings_file: Path
    settings_added: dict[str, str]
    """App settings added to ``local.settings.json`` (name → placeholder value)."""
    notes: tuple[str, ...]
    """Things the user still has to do, one sentence each."""


def new_function(
    script_root: Path, template: str, name: str, params: Mapping[str, str] | None = None
) -> NewFunctionResult:
    """Append a function called ``name`` made from ``template`` to ``script_root/function_app.py``.

    ``params`` overrides template parameters by name (``queue_name`` or ``queueName``); the rest keep their
    defaults. Raises :class:`ConfigurationError` for an unknown template or parameter, an invalid or already used
    function name, or a missing ``function_app.py``; nothing is written then.
    """
    info = find_template(template)
    _check_function_name(name)
    values = _resolve_params(info, name, params or {})
    app_path = script_root / APP_FILE
    if not app_path.is_file():
        raise ConfigurationError(
            f"No {APP_FILE} in {script_root}, so there is no function app to add '{name}' to. "
            "Fix: run `funchost init` in that directory first, or point at the project directory."
        )
    source = parse_app(app_path)
    alias = functions_alias(source)
    _check_name_is_free(source, name, alias)

    settings_path = script_root / SETTINGS_FILE
    settings = load_settings(settings_path)
    added, notes = _plan_settings(info, values, settings_path, settings)

    code = render(
        read_template(info.file),
        {
            **{p.name: _python_value(p, values[p.name]) for p in info.params},
            "name": name,
            "app": source.app_variable,
            "func": alias,
        },
        optional=("name", "app", "func"),
    )
    app_path.write_text(append_function(source, alias, code), encoding="utf-8", newline="")
    if settings is not None:
        add_settings(settings_path, settings, added)
    return NewFunctionResult(
        function_name=name,
        template=info,
        app_file=app_path,
        params=values,
        settings_file=settings_path,
        settings_added=added,
        notes=tuple(notes),
    )


def _plan_settings(
    info: TemplateInfo, values: Mapping[str, str], settings_path: Path, settings: Mapping[str, Any] | None
) -> tuple[dict[str, str], list[str]]:
    """The app settings to add to local.settings.json (name → placeholder) and the notes to show the user."""
    wanted = {values[p.name]: p for p in info.params if p.setting_placeholder is not None}
    if settings is None:
        notes = [
            f"{settings_path} does not exist: define {setting} ({param.help}) as an environment variable."
            for setting, param in wanted.items()
        ]
        return {}, notes
    added = missing_settings(settings, {setting: param.setting_placeholder or "" for setting, param in wanted.items()})
    notes = [
        f"{setting} was added to {SETTINGS_FILE} with an empty value: set it to {wanted[setting].setting_help} "
        "before starting the host."
        for setting, value in added.items()
        if not value
    ]
    return added, notes


def _check_function_name(name: str) -> None:
    if not _FUNCTION_NAME.fullmatch(name) or keyword.iskeyword(name):
        raise ConfigurationError(
            f"{name!r} is not a valid function name: it must be a Python identifier that starts with a letter and "
            "holds only letters, digits and underscores (at most 128 characters), and not a Python keyword. "
            "Fix: choose a name such as 'process_orders'."
        )


def _check_name_is_free(source: AppSource, name: str, alias: str) -> None:
    if name.casefold() in source.function_names:
        raise ConfigurationError(
            f"A function named '{name}' already exists in {source.path} (function names are case-insensitive). "
            "Fix: choose another name."
        )
    if name in source.module_names | {"logging", source.app_variable, alias.split(".")[0]}:
        raise ConfigurationError(
            f"The name '{name}' is already used in {source.path} (an import, a module-level variable or a helper "
            "function), so a function of that name would replace it. Fix: choose another name."
        )


def _normalise(key: str) -> str:
    return key.replace("_", "").replace("-", "").casefold()


def _resolve_params(info: TemplateInfo, name: str, given: Mapping[str, str]) -> dict[str, str]:
    by_key = {_normalise(p.name): p for p in info.params}
    values = {p.name: name if p.default is None else p.default for p in info.params}
    for key, value in given.items():
        param = by_key.get(_normalise(key))
        if param is None:
            known = ", ".join(p.name for p in info.params) or "none"
            raise ConfigurationError(
                f'Template "{info.name}" has no parameter {key!r}. Its parameters: {known}. '
                "Fix: use one of those names."
            )
        if not value.strip():
            raise ConfigurationError(
                f'Parameter {param.name!r} of template "{info.name}" is empty. Fix: give it a value ({param.help}).'
            )
        if param.choices:
            choice = value.strip().upper()
            if choice not in param.choices:
                raise ConfigurationError(
                    f'Parameter {param.name!r} of template "{info.name}" is {value!r}, expected one of '
                    f"{', '.join(param.choices)} (any case). Fix: use one of those."
                )
            value = choice
        values[param.name] = value
    return values


def _python_value(param: TemplateParam, value: str) -> str:
    """The Python source for ``value``: a bare enum member name for choices, else a string literal."""
    return value if param.choices else json.dumps(value)
