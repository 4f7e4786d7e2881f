"""The two Secrets: the app settings (local.settings.json Values, as Core Tools writes them) and the function keys.

The keys Secret uses the key-per-file layout funchost's host reads when `AzureWebJobsSecretStorageType` is
`kubernetes` (funchost/http/key_sources.py: `host.master`, `host.function.default`, `functions.<fn>.default`),
mounted at the folder it reads (`/run/secrets/functions-keys`). New keys come from `generate`; on re-apply the
live Secret's values win (annotation `funchost.io/preserve-data`), so redeploying never rotates keys.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from scale_controller.manifests.names import PRESERVE_DATA, metadata
from scale_controller.manifests.options import DeployOptions

KEYS_MOUNT = "/run/secrets/functions-keys"  # funchost.http.keys.KUBERNETES_SECRETS_DIR
WORKER_RUNTIME = "FUNCTIONS_WORKER_RUNTIME"


def encode(value: str) -> str:
    return base64.b64encode(value.encode()).decode("ascii")


def settings_values(values: Mapping[str, str]) -> dict[str, str]:
    """Values as the pods get them: FUNCTIONS_WORKER_RUNTIME added when missing (as Core Tools)."""
    result = dict(values)
    result.setdefault(WORKER_RUNTIME, "python")
    return result


def app_secret(options: DeployOptions, values: Mapping[str, str]) -> dict[str, Any]:
    """The Secret the pods' `envFrom` reads; KEDA's TriggerAuthentication points into it too."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(options, options.settings_secret, "settings"),
        "type": "Opaque",
        "data": {key: encode(value) for key, value in sorted(settings_values(values).items())},
    }


def keys_secret(options: DeployOptions, http_functions: Iterable[str], generate: Callable[[], str]) -> dict[str, Any]:
    """Master key, host key `default` and one `default` key per HTTP function."""
    keys = {"host.master": generate(), "host.function.default": generate()}
    for function in sorted(http_functions, key=str.casefold):
        keys[f"functions.{function.lower()}.default"] = generate()
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(options, options.keys_secret, "function-keys", annotations={PRESERVE_DATA: "true"}),
        "type": "Opaque",
        "data": {name: encode(value) for name, value in keys.items()},
    }
