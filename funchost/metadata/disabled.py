"""Disabled functions, as Azure disables them: the app setting `AzureWebJobs.<FunctionName>.Disabled` set to true
(what the portal's Disable button writes; in local.settings.json `Values` when running locally), or, for the
function.json layout, `"disabled": true` or `"disabled": "<AppSettingName>"` naming a setting that is true.

A disabled function is still indexed and listed (`isDisabled` in the admin API), but the host starts no listener
for its trigger, its HTTP route answers 404 unless the request carries the master key, the admin API can still run
it (POST /admin/functions/<name>, master key), and the scale controller does not scale on it — Azure's behaviour
(docs: "How to disable functions in Azure Functions"; the host reads the setting once, at start).

The value is a boolean: "true"/"false" in any case or "1"/"0" (the function.json form's documented "true or 1").
Anything else is refused naming the setting, rather than silently leaving the function on.
"""

from __future__ import annotations

from collections.abc import Mapping

from funchost.errors import ConfigurationError

_TRUE, _FALSE = ("true", "1"), ("false", "0", "")


def setting_name(function: str) -> str:
    return f"AzureWebJobs.{function}.Disabled"


def is_disabled(function: str, function_json: object, env: Mapping[str, str]) -> str | None:
    """Why `function` is disabled (the setting or file that says so), or None when it runs."""
    name = setting_name(function)
    value = _lookup(env, name)
    if value is not None and _truth(value, name):
        return f"app setting {name}"
    if function_json is True:
        return 'function.json "disabled": true'
    if isinstance(function_json, str) and function_json:
        referenced = _lookup(env, function_json)
        if referenced is not None and _truth(referenced, function_json):
            return f'function.json "disabled": "{function_json}" (an app setting that is true)'
    return None


def _lookup(env: Mapping[str, str], name: str) -> str | None:
    """App settings are case-insensitive on Azure; an exact match wins."""
    if name in env:
        return env[name]
    folded = name.casefold()
    return next((value for key, value in env.items() if key.casefold() == folded), None)


def _truth(value: str, name: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigurationError(
        f"app setting {name} is {value!r}; expected true or false (or 1 / 0). Fix: set it to true to disable the "
        "function, or false (or remove it) to run it"
    )
