"""Azure Service Bus scaler: the active message count of the trigger's queue or subscription, as KEDA's
`azure-servicebus` scaler measures it.

kedacore/keda `pkg/scalers/azure_servicebus_scaler.go` `getQueueLength` / `getSubscriptionLength`: the
administration client's runtime properties, `ActiveMessageCount` (not scheduled, dead-lettered or transferred
messages). Active when count > activation. The administration API needs a SAS policy with Manage rights: a
Listen-only policy gets a message naming the missing right and what degrades (the function is not measured, so it
is not scaled; its trigger still runs), where Azure falls back to incremental scaling.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from azure.core.exceptions import AzureError, ClientAuthenticationError, ResourceNotFoundError
from azure.servicebus.aio.management import ServiceBusAdministrationClient

from funchost.errors import ConfigurationError
from funchost.metadata.broker_settings import ServiceBusSettings
from funchost.metadata.trigger_kinds import SERVICE_BUS
from scale_controller.app_metadata import EventFunction
from scale_controller.scalers.base import Measurement, ScalerError

TIMEOUT = 15.0  # seconds for one measurement


class ServiceBusScaler:
    def __init__(
        self,
        *,
        settings: ServiceBusSettings,
        target: float,
        activation: float = 0.0,
        function: str = "",
        client_options: Mapping[str, Any] | None = None,
    ) -> None:
        """`client_options` go to the administration client (e.g. `connection_verify` for a private CA)."""
        if settings.connection_string is None:
            raise ConfigurationError(
                f"Function '{function}': the scale controller cannot use the identity-based Service Bus connection "
                f"'{settings.connection_setting}' ({settings.fully_qualified_namespace}) yet. Fix: set "
                f"'{settings.connection_setting}' to a connection string of a policy with Manage rights"
            )
        self.name = f"azure-servicebus:{settings.entity}"
        self.settings, self.target, self.activation = settings, target, activation
        self._function = function
        try:
            self._client = ServiceBusAdministrationClient.from_connection_string(
                settings.connection_string, retry_total=0, **dict(client_options or {})
            )
        except ValueError as exc:
            raise ConfigurationError(
                f"Function '{function}': app setting '{settings.connection_setting}' is not a Service Bus connection "
                f"string ({exc}). Fix: use Endpoint=sb://<namespace>/;SharedAccessKeyName=...;SharedAccessKey=..."
            ) from None

    @classmethod
    def from_function(cls, function: EventFunction, environ: Mapping[str, str] | None = None) -> ServiceBusScaler:
        settings = SERVICE_BUS.settings(function.settings, function.name)
        return cls(
            settings=settings,
            target=function.scale.target,
            activation=function.scale.activation_threshold,
            function=function.name,
        )

    async def measure(self) -> Measurement:
        try:
            async with asyncio.timeout(TIMEOUT):
                count = await self._active_messages()
        except (AzureError, TimeoutError) as exc:
            raise ScalerError(self._explain(exc)) from exc
        return Measurement(value=float(count), target=float(self.target), active=count > self.activation)

    async def _active_messages(self) -> int:
        settings = self.settings
        if settings.queue_name:
            queue = await self._client.get_queue_runtime_properties(settings.queue_name)
            return int(queue.active_message_count or 0)
        assert settings.topic_name and settings.subscription_name  # parse_service_bus guarantees one or the other
        subscription = await self._client.get_subscription_runtime_properties(
            settings.topic_name, settings.subscription_name
        )
        return int(subscription.active_message_count or 0)

    def _explain(self, exc: BaseException) -> str:
        kind = "queue" if self.settings.queue_name else "subscription"
        where = f"Function '{self._function}': cannot read Service Bus {kind} '{self.settings.entity}'"
        setting = self.settings.connection_setting
        if isinstance(exc, ResourceNotFoundError):
            return f"{where}: it does not exist. Fix: create it, or correct the trigger's entity names"
        if isinstance(exc, ClientAuthenticationError) and "claim" in str(exc) and "Manage" in str(exc):
            return (
                f"{where}: the SAS policy in '{setting}' lacks the Manage right, which the administration API (the "
                "message counts) requires; Listen or Send/Listen is not enough. What degrades: this function cannot "
                "be measured, so its replicas are held where they are (not scaled on load, never from 0; a fallback "
                "in the scale policy applies); its trigger still runs with Listen. Fix: set "
                f"'{setting}' to a connection string of a policy with Manage rights (as KEDA and Azure's "
                "target-based scaling need)"
            )
        if isinstance(exc, ClientAuthenticationError):
            return (
                f"{where}: the namespace refused the key. Fix: check SharedAccessKeyName and SharedAccessKey in "
                f"'{setting}' (the policy needs Manage rights, as KEDA's)"
            )
        if isinstance(exc, TimeoutError):
            return f"{where}: no answer within {TIMEOUT:.0f} s. Fix: check the namespace in '{setting}'"
        message = (getattr(exc, "message", None) or str(exc)).splitlines()[0]
        return f"{where}: {type(exc).__name__}: {message}. Fix: check the namespace and '{setting}'"

    async def aclose(self) -> None:
        await self._client.close()
