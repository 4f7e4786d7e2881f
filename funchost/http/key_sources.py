"""What one key source holds (`Keys`) and Azure's on-disk key formats (written through `funchost.http.key_files`).

Two formats, as the Functions host reads them in Linux containers:

- key per file (`KubernetesSecretsRepository` / `ContainerAppsSecretsRepository`): file `host.master`,
  `host.function.<name>`, `host.systemKey.<name>` (system keys: they guard extension webhooks) and
  `functions.<function>.<name>`, each holding one key;
- Azure secret documents (`FileSystemSecretsRepository`): `host.json` =
  `{"masterKey": {"name": "master", "value": ...}, "functionKeys": [{"name", "value"}], ...}` and
  `<function>.json` = `{"keys": [{"name", "value"}]}`; `"encrypted": true` values cannot be read here. A system key
  the app needs (`needed`, e.g. `blobs_extension`) and `host.json` lacks is added to it, as the host creates it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from funchost.errors import ConfigurationError
from funchost.http.key_files import check_key_folder, write_private
from funchost.metadata.json_files import read_json_object

DEFAULT = "default"


@dataclass
class Keys:
    """One source's keys: master, host keys by name, function keys by (case-folded) function, then name, and
    system keys (extension webhooks, `<extension>_extension`) by name."""

    master: str | None = None
    host: dict[str, str] = field(default_factory=dict)
    functions: dict[str, dict[str, str]] = field(default_factory=dict)
    system: dict[str, str] = field(default_factory=dict)

    def merge_under(self, other: Keys) -> None:
        """Fill in what `other` has and this one lacks (this one wins on clashes)."""
        self.master = self.master or other.master
        for name, value in other.host.items():
            self.host.setdefault(name, value)
        for name, value in other.system.items():
            self.system.setdefault(name, value)
        for function, keys in other.functions.items():
            mine = self.functions.setdefault(function.casefold(), {})
            for name, value in keys.items():
                mine.setdefault(name, value)

    def count(self) -> int:
        functions = sum(len(k) for k in self.functions.values())
        return (1 if self.master else 0) + len(self.host) + functions + len(self.system)


def read_key_per_file(folder: Path) -> Keys:
    keys = Keys()
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue  # a mounted Secret also holds ..data symlinks and timestamped folders
        value = path.read_text(encoding="utf-8").strip()
        parts = path.name.split(".")
        if not value:
            continue
        if parts == ["host", "master"]:
            keys.master = value
        elif len(parts) == 3 and parts[:2] == ["host", "function"]:
            keys.host[parts[2]] = value
        elif len(parts) == 3 and parts[:2] == ["host", "systemKey"]:
            keys.system[parts[2]] = value
        elif len(parts) == 3 and parts[0] == "functions":
            keys.functions.setdefault(parts[1].casefold(), {})[parts[2]] = value
    return keys


def read_azure_files(
    folder: Path, functions: Iterable[str], generate: Callable[[], str], needed: Iterable[str] = ()
) -> Keys:
    """Read `host.json` and `<function>.json`; create `host.json` with new keys when it is missing, and add the
    `needed` system keys it lacks (as Azure does)."""
    keys = Keys()
    host_file = folder / "host.json"
    if folder.is_dir():
        check_key_folder(folder)  # before reading: keys planted by another user would be accepted
    if not host_file.exists():
        doc = {
            "masterKey": {"name": "master", "value": generate(), "encrypted": False},
            "functionKeys": [{"name": DEFAULT, "value": generate(), "encrypted": False}],
            "systemKeys": [],
        }
        try:
            write_private(host_file, json.dumps(doc, indent=2) + "\n")
        except OSError as exc:
            raise ConfigurationError(
                f"{host_file} does not exist and cannot be created ({exc.strerror}). Fix: mount a writable folder "
                "there, or point FUNCHOST_SECRETS_PATH at one"
            ) from None
    host = _load(host_file)
    master = host.get("masterKey")
    keys.master = _value(master, host_file) if isinstance(master, dict) else (str(master) if master else None)
    for entry in _entries(host.get("functionKeys"), host_file):
        keys.host[str(entry.get("name") or DEFAULT)] = _value(entry, host_file)
    system = _entries(host.get("systemKeys"), host_file)
    missing = [name for name in needed if not any(str(e.get("name")) == name for e in system)]
    if missing:
        system.extend({"name": name, "value": generate(), "encrypted": False} for name in missing)
        host["systemKeys"] = system
        write_private(host_file, json.dumps(host, indent=2) + "\n")
    for entry in system:
        keys.system[str(entry.get("name"))] = _value(entry, host_file)
    for function in functions:
        path = folder / f"{function.lower()}.json"
        if path.exists():
            for entry in _entries(_load(path).get("keys"), path):
                keys.functions.setdefault(function.casefold(), {})[str(entry.get("name") or DEFAULT)] = _value(
                    entry, path
                )
    return keys


def _load(path: Path) -> dict[str, Any]:
    return read_json_object(path, ConfigurationError)


def _entries(value: object, path: Path) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigurationError(f'{path}: keys must be a list of {{"name", "value"}} objects')
    return value


def _value(entry: dict[str, Any], path: Path) -> str:
    if entry.get("encrypted"):
        raise ConfigurationError(
            f"{path}: key '{entry.get('name')}' is encrypted with the App Service machine key, which funchost "
            'cannot decrypt. Fix: store it unencrypted ("encrypted": false) or pass it as an environment variable'
        )
    value = entry.get("value")
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"{path}: key '{entry.get('name')}' has no \"value\" string")
    return value
