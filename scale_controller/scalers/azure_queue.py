"""Azure Storage Queue scaler: the queue's length, exactly as KEDA's `azure-queue` scaler measures it.

kedacore/keda `pkg/scalers/azure_queue_scaler.go` `getMessageCount`: with queueLengthStrategy "visibleonly", peek
32 messages and use that count when fewer came back; otherwise (and with the default "all") the queue's
ApproximateMessagesCount, which includes invisible (leased, in-flight) messages. Active when length > activation.
"""

from __future__ import annotations

from collections.abc import Mapping

from azure.core.exceptions import AzureError

from funchost.brokers.azure_storage import explain_scaler_error, scaler_connection_string, scaler_queue_client
from funchost.errors import ConfigurationError
from funchost.metadata.connections import StorageConnection
from funchost.metadata.trigger_kinds import QUEUE
from scale_controller.app_metadata import EventFunction
from scale_controller.scalers.base import Measurement, ScalerError

MAX_PEEK = 32  # the service's peek limit (azure_queue_scaler.go maxPeekMessages)
STRATEGIES = ("all", "visibleonly")


class AzureQueueScaler:
    def __init__(
        self,
        *,
        queue_name: str,
        connection: StorageConnection,
        target: float,
        activation: float = 0.0,
        strategy: str = "all",
        function: str = "",
    ) -> None:
        if strategy not in STRATEGIES:
            raise ConfigurationError(f"queueLengthStrategy '{strategy}' is not one of {', '.join(STRATEGIES)}")
        conn = scaler_connection_string(connection, "queue", function)
        self.name = f"azure-queue:{queue_name}"
        self.queue_name = queue_name
        self.target = target
        self.activation = activation
        self.strategy = strategy
        self._setting = connection.setting_name
        self._function = function
        self._client = scaler_queue_client(conn, queue_name, f"Function '{function}'", self._setting)

    @classmethod
    def from_function(cls, function: EventFunction, environ: Mapping[str, str] | None = None) -> AzureQueueScaler:
        settings = QUEUE.settings(function.settings, function.name)
        return cls(
            queue_name=settings.queue_name,
            connection=settings.connection,
            target=function.scale.target,
            activation=function.scale.activation_threshold,
            strategy=str(function.scale.options.get("queueLengthStrategy", "all")),
            function=function.name,
        )

    async def measure(self) -> Measurement:
        try:
            length = await self._length()
        except AzureError as exc:
            raise ScalerError(self._explain(exc)) from exc
        return Measurement(value=float(length), target=float(self.target), active=length > self.activation)

    async def _length(self) -> int:
        if self.strategy == "visibleonly":
            visible = len(await self._client.peek_messages(max_messages=MAX_PEEK))
            if visible < MAX_PEEK:
                return visible  # fewer than a full peek: that is every visible message
        properties = await self._client.get_queue_properties()
        return int(properties.approximate_message_count or 0)

    def _explain(self, exc: AzureError) -> str:
        endpoint = self._client.url.split("?", 1)[0]  # never the SAS token
        where = f"Function '{self._function}': cannot measure queue '{self.queue_name}' at {endpoint}"
        missing = "the queue does not exist. Fix: create it, or correct queueName"
        return explain_scaler_error(exc, where, missing, self._setting)

    async def aclose(self) -> None:
        await self._client.close()
