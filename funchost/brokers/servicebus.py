"""Azure Service Bus clients as funchost builds them, shared by the trigger and the `serviceBus` output binding.

`servicebus_client(settings)` builds the azure-servicebus aio client from a binding's `ServiceBusSettings`: the
connection string the app setting `connection` names (default `ServiceBusConnection`). An identity-based connection
(`<connection>__fullyQualifiedNamespace`) is refused with a `ConfigurationError` naming the setting and the fix:
funchost does not acquire Microsoft Entra tokens. A connection string the SDK cannot parse is a
`ConfigurationError` naming the app setting; `check_connection()` finds both before anything connects.
`describe()` is the one credential-free text of a client error.
"""

from __future__ import annotations

from typing import Any

from azure.servicebus import parse_connection_string
from azure.servicebus.aio import ServiceBusClient
from azure.servicebus.exceptions import ServiceBusError

from funchost.errors import ConfigurationError
from funchost.metadata.broker_settings import ServiceBusSettings


def check_connection(settings: ServiceBusSettings) -> None:
    """Refuse, before anything connects, a connection the client could not use (ConfigurationError, with the fix)."""
    _connection_string(settings)


def servicebus_client(settings: ServiceBusSettings, **options: Any) -> ServiceBusClient:
    """The aio client of the binding's namespace (the caller closes it: `async with` or `await client.close()`).
    `options` go to the SDK client (the session listener passes `retry_total=0`)."""
    try:
        return ServiceBusClient.from_connection_string(_connection_string(settings), **options)
    except ValueError as exc:
        raise _not_a_connection_string(settings.connection_setting, exc) from None


def _connection_string(settings: ServiceBusSettings) -> str:
    name = settings.connection_setting
    if settings.connection_string is None:
        raise ConfigurationError(
            f"Service Bus connection '{name}': app setting '{name}__fullyQualifiedNamespace' asks for an "
            f"identity-based connection ({settings.fully_qualified_namespace}), which funchost does not support "
            f"(it acquires no Microsoft Entra tokens). Fix: set app setting '{name}' to the namespace's connection "
            "string (Endpoint=sb://...;SharedAccessKeyName=...;SharedAccessKey=...) and remove the "
            "__fullyQualifiedNamespace setting"
        )
    try:
        parse_connection_string(settings.connection_string)
    except ValueError as exc:
        raise _not_a_connection_string(name, exc) from None
    return settings.connection_string


def _not_a_connection_string(name: str, exc: ValueError) -> ConfigurationError:
    return ConfigurationError(
        f"Service Bus connection '{name}': app setting '{name}' is not a valid Service Bus connection string "
        f"({exc}). Fix: copy the connection string of a shared access policy from the namespace "
        "(Endpoint=sb://<namespace>.servicebus.windows.net/;SharedAccessKeyName=...;SharedAccessKey=...)"
    )


def describe(exc: BaseException) -> str:
    """One line for a log or /readyz: the SDK's message (it never contains the key) or the exception type."""
    if isinstance(exc, ServiceBusError):
        text = (exc.message if isinstance(exc.message, str) else "") or type(exc).__name__
        return f"{type(exc).__name__}: {text.splitlines()[0]}"
    return f"{type(exc).__name__}: {exc}"
