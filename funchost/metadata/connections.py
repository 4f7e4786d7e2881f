"""Connection and app-setting resolution, as the Functions host does it.

- `%Name%` in a binding property is replaced by the app setting `Name` (binding expressions).
- A storage connection named `X` is read from the setting `X`, then `AzureWebJobsX`; an empty name means
  `AzureWebJobsStorage`. Identity-based connections use nested settings `X__queueServiceUri`, `X__serviceUri`,
  `X__accountName` (or `X:...`).
- `UseDevelopmentStorage=true` means the Azurite account with its published key.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from funchost.errors import ConnectionSettingError

# The well-known development storage account (published by Microsoft for the emulators, not a secret).
DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

_EXPRESSION = re.compile(r"%([^%]+)%")


def setting(name: str, env: Mapping[str, str] | None = None) -> str | None:
    """Read an app setting; `A__B` and `A:B` are the same nested name."""
    env = os.environ if env is None else env
    for candidate in (name, name.replace(":", "__"), name.replace("__", ":")):
        value = env.get(candidate)
        if value is not None:
            return value
    return None


def resolve_expressions(value: str, *, env: Mapping[str, str] | None = None, where: str) -> str:
    """Replace `%Setting%` references; a missing setting is an error naming it and `where` it was used."""

    def replace(match: re.Match[str]) -> str:
        resolved = setting(match[1], env)
        if resolved is None:
            raise ConnectionSettingError(
                f"{where} refers to app setting '%{match[1]}%', which is not set. Fix: add \"{match[1]}\" to "
                "Values in local.settings.json or set it as an environment variable"
            )
        return resolved

    return _EXPRESSION.sub(replace, value)


@dataclass(frozen=True)
class StorageConnection:
    """How to reach an Azure Storage account: a connection string or an identity-based service URI."""

    setting_name: str
    connection_string: str | None = None
    service_uri: str | None = None

    def is_development(self) -> bool:
        return self.connection_string is not None and "usedevelopmentstorage=true" in self.connection_string.lower()

    def effective_connection_string(self, service: str = "queue") -> str | None:
        """Expand `UseDevelopmentStorage=true` to the explicit Azurite connection string."""
        if self.connection_string is None:
            return None
        if not self.is_development():
            return self.connection_string
        host = os.environ.get("AZURITE_HOST", "127.0.0.1")
        blob_port = os.environ.get("AZURITE_BLOB_PORT", "10000")
        queue_port = os.environ.get("AZURITE_QUEUE_PORT", "10001")
        return (
            f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};"
            f"BlobEndpoint=http://{host}:{blob_port}/{DEV_ACCOUNT};"
            f"QueueEndpoint=http://{host}:{queue_port}/{DEV_ACCOUNT};"
        )


def storage_connection(
    name: str | None, *, where: str, service: str = "queue", env: Mapping[str, str] | None = None
) -> StorageConnection:
    """Resolve a storage `connection` property, raising an error that names the setting and where to set it."""
    setting_name = name or "AzureWebJobsStorage"
    for candidate in (setting_name, f"AzureWebJobs{setting_name}"):
        value = setting(candidate, env)
        if value:
            return StorageConnection(setting_name=candidate, connection_string=value)
    for suffix in (f"{service}ServiceUri", "serviceUri"):
        uri = setting(f"{setting_name}__{suffix}", env)
        if uri:
            return StorageConnection(setting_name=setting_name, service_uri=uri)
    account = setting(f"{setting_name}__accountName", env)
    if account:
        return StorageConnection(setting_name=setting_name, service_uri=f"https://{account}.{service}.core.windows.net")
    raise ConnectionSettingError(
        f"{where} uses connection '{setting_name}', but no app setting '{setting_name}' (or "
        f"'{setting_name}__{service}ServiceUri') is set. "
        f'Fix: add "{setting_name}": "<connection string>" to Values '
        'in local.settings.json ("UseDevelopmentStorage=true" for Azurite) or set the environment variable'
    )


def required_setting(name: str, *, where: str, property_name: str, env: Mapping[str, str] | None = None) -> str:
    """Resolve a plain connection-string setting (RabbitMQ, Service Bus) or fail naming it."""
    value = setting(name, env)
    if not value:
        raise ConnectionSettingError(
            f"{where} sets {property_name}='{name}', but app setting '{name}' is not set. Fix: add "
            f'"{name}": "<connection string>" to Values in local.settings.json or set the environment variable'
        )
    return value
