"""Azure Service Bus client construction: one `ServiceBusClient` per connection string setting.

Connection strings only (SharedAccessKey, SharedAccessSignature, or the development emulator's
`UseDevelopmentEmulator=true`); identity-based connections (`<setting>__fullyQualifiedNamespace`) are refused
with the setting named, because funchost has no Azure identity to authenticate with.
"""

from __future__ import annotations

from azure.servicebus import parse_connection_string
from azure.servicebus.aio import ServiceBusClient

from funchost.errors import ConfigurationError
from funchost.metadata.broker_settings import ServiceBusSettings


def check_connection(settings: ServiceBusSettings) -> None:
    """Refuse, before anything connects, a connection the client could not use (ConfigurationError, with the fix)."""
    _connection_string(settings)


def servicebus_client(settings: ServiceBusSettings) -> ServiceBusClient:
    """The async client for the binding's connection, or a ConfigurationError naming the setting and the fix."""
    return ServiceBusClient.from_connection_string(_connection_string(settings))


def _connection_string(settings: ServiceBusSettings) -> str:
    setting = settings.connection_setting
    if settings.connection_string is None:
        raise ConfigurationError(
            f"Service Bus connection '{setting}' is identity-based ('{setting}__fullyQualifiedNamespace' = "
            f"{settings.fully_qualified_namespace}), which funchost does not support. Fix: set '{setting}' to a "
            "connection string (Endpoint=sb://<namespace>/;SharedAccessKeyName=...;SharedAccessKey=...)"
        )
    try:
        parse_connection_string(settings.connection_string)
    except ValueError as exc:
        raise ConfigurationError(
            f"App setting '{setting}' is not a Service Bus connection string ({exc}). Fix: use "
            "Endpoint=sb://<namespace>/;SharedAccessKeyName=...;SharedAccessKey=..."
        ) from None
    return settings.connection_string
