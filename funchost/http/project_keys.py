"""The project's own keys file, `.funchost/keys.json`: created on first start, completed as functions appear.

Format (documented in docs/http.md)::

    {"masterKey": "...", "hostKeys": {"default": "..."}, "functionKeys": {"<function>": {"default": "..."}},
     "systemKeys": {"blobs_extension": "..."}}

`systemKeys` holds the extension webhook keys; one is added when the app first needs it (as the host creates it).

The file and its folder are private to the owner (0600 / 0700), and the folder carries a `.gitignore` of `*`; both
are written by `funchost.http.key_files` (atomic, never through a planted link, refused in a folder others can
write). The folder is `<script root>/.funchost`, or `FUNCHOST_STATE_DIR` when set (the image sets a /tmp one, so
a read-only root file system works).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from funchost.errors import ConfigurationError
from funchost.http.key_files import check_key_folder, write_private
from funchost.http.key_sources import DEFAULT, Keys

logger = logging.getLogger("funchost.http.keys")


def read_project_keys(
    path: Path, functions: Iterable[str], generate: Callable[[], str], needed: Iterable[str] = ()
) -> Keys:
    """Read the project's keys file, adding (and saving) whatever is missing: master, host, function keys and the
    `needed` system keys."""
    if path.parent.is_dir():
        check_key_folder(path.parent)  # before reading: keys planted by another user would be accepted
    doc = _read_project_file(path) if path.exists() else {}
    changed = not path.exists()
    if not doc.get("masterKey"):
        doc["masterKey"], changed = generate(), True
    host: dict[str, str] = doc.setdefault("hostKeys", {})
    if not host:
        host[DEFAULT], changed = generate(), True
    function_keys: dict[str, dict[str, str]] = doc.setdefault("functionKeys", {})
    for name in functions:
        if not any(existing.casefold() == name.casefold() for existing in function_keys):
            function_keys[name], changed = {DEFAULT: generate()}, True
    system: dict[str, str] = doc.setdefault("systemKeys", {}) if needed or "systemKeys" in doc else {}
    for name in needed:
        if name not in system:
            system[name], changed = generate(), True
    if changed:
        write_private(path, json.dumps(doc, indent=2) + "\n")
        write_private(path.parent / ".gitignore", "*\n")
        logger.info("Wrote new function keys to %s", path)
    return Keys(
        master=doc["masterKey"],
        host=dict(host),
        functions={function.casefold(): dict(keys) for function, keys in function_keys.items()},
        system=dict(system),
    )


def _read_project_file(path: Path) -> dict[str, Any]:
    """`{"masterKey": str, "hostKeys": {name: str}, "functionKeys": {function: {name: str}}}`, checked."""
    problem = None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        doc, problem = {}, f"invalid JSON ({exc})"
    if problem is None and not isinstance(doc, dict):
        problem = "the top level is not an object"
    elif problem is None:
        master, host, functions = doc.get("masterKey"), doc.get("hostKeys", {}), doc.get("functionKeys", {})
        if master is not None and not isinstance(master, str):
            problem = "masterKey is not a string"
        elif not _names_to_keys(host):
            problem = "hostKeys is not an object of name → key string"
        elif not _names_to_keys(doc.get("systemKeys", {})):
            problem = "systemKeys is not an object of name → key string"
        elif not isinstance(functions, dict) or not all(_names_to_keys(v) for v in functions.values()):
            problem = "functionKeys is not an object of function → {name → key string}"
    if problem is not None:
        raise ConfigurationError(
            f"{path}: not a valid keys file: {problem}. Fix: correct it, or delete it to have new keys generated"
        )
    return dict(doc)


def _names_to_keys(value: object) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
