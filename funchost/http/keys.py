"""Function keys: where they come from, which key unlocks which function, and first-start generation.

Sources, first wins for a key of the same scope and name (docs/http.md has the full story):

1. environment: `FUNCHOST_MASTER_KEY`, `FUNCHOST_HOST_KEY` (host key "default"),
   `FUNCHOST_FUNCTION_KEY_<FUNCTION>` (that function's key "default");
2. the secret store named by `AzureWebJobsSecretStorageType`, read as Azure's Linux containers read it:
   `kubernetes` / `containerapps` → one file per key in `/run/secrets/functions-keys` (`host.master`,
   `host.function.<name>`, `functions.<function>.<name>`: the Secret `func kubernetes deploy` mounts);
   `files` → Azure's `host.json` / `<function>.json` documents in `/azure-functions-host/Secrets`;
   `FUNCHOST_SECRETS_PATH` moves either folder;
3. otherwise the project's `.funchost/keys.json` (`$FUNCHOST_STATE_DIR/keys.json` when that is set), created on
   first start with random keys (mode 0600; `funchost.http.key_files` writes it and refuses a folder others can
   write).

Key values are never logged; `KeyStore.sources` names where they came from.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from funchost.errors import ConfigurationError
from funchost.http.key_sources import DEFAULT, Keys, read_azure_files, read_key_per_file
from funchost.http.project_keys import read_project_keys

logger = logging.getLogger("funchost.http.keys")

MASTER_KEY_ENV = "FUNCHOST_MASTER_KEY"
HOST_KEY_ENV = "FUNCHOST_HOST_KEY"
FUNCTION_KEY_ENV_PREFIX = "FUNCHOST_FUNCTION_KEY_"
STORAGE_TYPE_ENV = "AzureWebJobsSecretStorageType"
SECRETS_PATH_ENV = "FUNCHOST_SECRETS_PATH"
STATE_DIR_ENV = "FUNCHOST_STATE_DIR"  # where the generated keys file goes instead of <script root>/.funchost
KUBERNETES_SECRETS_DIR = Path("/run/secrets/functions-keys")
FILES_SECRETS_DIR = Path("/azure-functions-host/Secrets")
PROJECT_KEYS_FILE = Path(".funchost") / "keys.json"


def generate_key() -> str:
    return secrets.token_urlsafe(40)


@dataclass(frozen=True)
class KeyStore:
    """The keys in force. `accepted()` lists the keys that unlock a function at an auth level."""

    keys: Keys
    sources: tuple[str, ...] = ()

    @classmethod
    def load(
        cls,
        script_root: Path,
        functions: Iterable[str],
        env: Mapping[str, str] | None = None,
        system_keys: Iterable[str] = (),
    ) -> KeyStore:
        """Same as `load_keys`: collect keys from every source (generating the project keys file on first start)."""
        try:
            return load_keys(script_root, functions, env, system_keys)
        except OSError as exc:  # an unwritable .funchost, an unreadable key file: the user's to fix, not a crash
            where = exc.filename or script_root
            raise ConfigurationError(
                f"{where}: cannot read or write the function keys ({exc.strerror or exc}). Fix: make it writable by "
                "this user, or keep the keys elsewhere (AzureWebJobsSecretStorageType=files with "
                "FUNCHOST_SECRETS_PATH=<folder>, or FUNCHOST_MASTER_KEY / FUNCHOST_HOST_KEY)"
            ) from None

    @property
    def master(self) -> str | None:
        return self.keys.master

    def function_key(self, function: str) -> str | None:
        """The key to hand out for `function` (its "default" key, else the host "default" key)."""
        return self.keys.functions.get(function.casefold(), {}).get(DEFAULT) or self.keys.host.get(DEFAULT)

    def accepted(self, level: str, function: str) -> tuple[bytes, ...]:
        """anonymous → no key needed (empty); function → its keys, host keys, master; admin → master only."""
        master = (self.keys.master.encode(),) if self.keys.master else ()
        if level == "admin":
            return master
        if level != "function":
            return ()
        own = self.keys.functions.get(function.casefold(), {}).values()
        return (*(k.encode() for k in own), *(k.encode() for k in self.keys.host.values()), *master)

    def accepted_system(self, name: str) -> tuple[bytes, ...]:
        """An extension webhook's keys: its system key `name` (e.g. `blobs_extension`) and the master key — as the
        host's SystemKeyAuthLevel policy, where an admin-level key passes every check."""
        own = self.keys.system.get(name)
        return (*((own.encode(),) if own else ()), *self.accepted("admin", ""))


def key_matches(presented: bytes, accepted: tuple[bytes, ...]) -> bool:
    """Constant-time comparison against every accepted key (no early exit that would reveal which one)."""
    found = False
    for key in accepted:
        found |= hmac.compare_digest(presented, key)
    return found


def load_keys(
    script_root: Path, functions: Iterable[str], env: Mapping[str, str] | None = None, system_keys: Iterable[str] = ()
) -> KeyStore:
    """Collect keys from every source, generating the project keys file on first start. `system_keys`: the
    extension webhook keys the app needs; the writable stores get them added when missing."""
    env = os.environ if env is None else env
    names, needed = list(functions), list(system_keys)
    keys, sources = _from_environment(env, names)
    storage = env.get(STORAGE_TYPE_ENV, "").strip()
    folder = Path(env[SECRETS_PATH_ENV]) if env.get(SECRETS_PATH_ENV) else None
    if storage.lower() in ("kubernetes", "containerapps"):
        keys.merge_under(_kubernetes(folder or KUBERNETES_SECRETS_DIR, env))
        sources.append(f"key files in {folder or KUBERNETES_SECRETS_DIR}")
    elif storage.lower() == "files":
        store = folder or FILES_SECRETS_DIR
        keys.merge_under(read_azure_files(store, names, generate_key, needed))
        sources.append(f"Azure secret files in {store}")
    elif storage:
        raise ConfigurationError(
            f"{STORAGE_TYPE_ENV} is '{storage}'; funchost reads keys from 'files', 'kubernetes' or 'containerapps' "
            f"storage only. Fix: unset it to use {PROJECT_KEYS_FILE} in the project, or use one of those with "
            f"{SECRETS_PATH_ENV} pointing at the folder"
        )
    else:
        state = env.get(STATE_DIR_ENV)
        path = Path(state) / PROJECT_KEYS_FILE.name if state else script_root / PROJECT_KEYS_FILE
        keys.merge_under(read_project_keys(path, names, generate_key, needed))
        sources.append(str(path))
    for name in needed:
        if name not in keys.system:
            logger.warning(
                "No system key '%s' in %s: its webhook accepts only the master key. Fix: add it to the key store",
                name,
                ", ".join(sources),
            )
    if keys.master is None:
        logger.warning("No master key is configured: the /admin API answers 401 to every request")
    logger.info("Loaded %d function key(s) from %s", keys.count(), ", ".join(sources))
    return KeyStore(keys, tuple(sources))


def _from_environment(env: Mapping[str, str], functions: list[str]) -> tuple[Keys, list[str]]:
    keys, used = Keys(), []
    if env.get(MASTER_KEY_ENV):
        keys.master = env[MASTER_KEY_ENV]
        used.append(MASTER_KEY_ENV)
    if env.get(HOST_KEY_ENV):
        keys.host[DEFAULT] = env[HOST_KEY_ENV]
        used.append(HOST_KEY_ENV)
    prefix = FUNCTION_KEY_ENV_PREFIX.casefold()
    by_env_name = {_env_name(function): function for function in functions}  # "my-func" is FUNCHOST_..._MY_FUNC
    for name, value in env.items():
        if name.casefold().startswith(prefix) and value:
            suffix = name[len(prefix) :]
            function = by_env_name.get(_env_name(suffix), suffix)
            keys.functions.setdefault(function.casefold(), {})[DEFAULT] = value
            used.append(name)
    return keys, ([f"environment ({', '.join(sorted(used))})"] if used else [])


def _env_name(function: str) -> str:
    return function.casefold().replace("-", "_")


def _kubernetes(folder: Path, env: Mapping[str, str]) -> Keys:
    if not folder.is_dir():
        named = env.get("AzureWebJobsKubernetesSecretName")
        hint = " (funchost does not read Secrets from the API server)" if named else ""
        raise ConfigurationError(
            f"{STORAGE_TYPE_ENV}=kubernetes, but {folder} is not a folder{hint}. Fix: mount the keys Secret there "
            "(func kubernetes deploy --mount-funckeys-as-containervolume does), set "
            f"{SECRETS_PATH_ENV} to where it is mounted, or pass keys as {MASTER_KEY_ENV} / {HOST_KEY_ENV}"
        )
    return read_key_per_file(folder)
