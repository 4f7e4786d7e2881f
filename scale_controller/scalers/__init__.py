"""Scalers, one module per trigger type, and the registry `SCALERS`: trigger type → "module:Class".

Rows are lazy import strings (as `funchost.triggers.base.LISTENERS`), so a broker's client is imported only when
an app uses that trigger. Every scaler class has `from_function(EventFunction)`, which builds it from the same
typed binding settings the listener uses plus the function's scale settings; it connects on its first `measure()`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, NamedTuple

from funchost.metadata.registry import registered_class
from scale_controller.app_metadata import AppMetadata, EventFunction
from scale_controller.scalers.base import Measurement, Scaler, ScalerError, TriggerSource

__all__ = [
    "SCALERS",
    "Measurement",
    "Scaler",
    "ScalerError",
    "TriggerSource",
    "TriggerScaler",
    "build_scaler",
    "build_scalers",
    "scaler_factories",
]

# Trigger type (canonical spelling) → "module:Class" of its scaler. Alphabetical, as KEDA's scalers_builder.go.
SCALERS: dict[str, str] = {
    "blobTrigger": "scale_controller.scalers.azure_blob:AzureBlobScaler",
    "kafkaTrigger": "scale_controller.scalers.kafka:KafkaScaler",
    "queueTrigger": "scale_controller.scalers.azure_queue:AzureQueueScaler",
    "rabbitMQTrigger": "scale_controller.scalers.rabbitmq:RabbitMQScaler",
    "serviceBusTrigger": "scale_controller.scalers.servicebus:ServiceBusScaler",
}


class TriggerScaler(NamedTuple):
    function: str  # the function's name
    trigger: str  # its trigger type, e.g. "queueTrigger"
    scaler: Scaler


def scaler_class(trigger_type: str, function_name: str) -> Any:
    """Import the scaler class for a trigger type, or explain that none exists."""
    return registered_class(
        SCALERS,
        trigger_type,
        function_name,
        problem="trigger '{type}' has no scaler in this version of funchost",
        fix="scale on one of: {names} (HTTP and timer functions are not scaled on events)",
    )


def build_scaler(function: EventFunction, environ: Mapping[str, str] | None = None) -> Scaler:
    """The scaler of one event-triggered function (not connected yet); `environ` resolves settings that scale
    options name (RabbitMQ hostFromEnv). Raises `ConfigurationError` when it cannot be built."""
    scaler: Scaler = scaler_class(function.trigger_type, function.name).from_function(function, environ)
    return scaler


def build_scalers(app: AppMetadata) -> list[TriggerScaler]:
    """One scaler per event-triggered function, in document order; HTTP and timer functions get none."""
    return [TriggerScaler(f.name, f.trigger_type, build_scaler(f, app.environ)) for f in app.event_functions]


def scaler_factories(app: AppMetadata) -> list[TriggerSource]:
    """A factory per event-triggered function, for a loop that rebuilds scalers after errors. Each is called once
    here, so a scaler that cannot be built (unsupported connection, bad option) fails before the loop starts; an
    unconnected scaler holds no connection, so the trial instance is simply dropped."""
    factories = []
    for function in app.event_functions:
        factory = functools.partial(build_scaler, function, app.environ)
        factory()
        factories.append(TriggerSource(function.name, function.trigger_type, factory))
    return factories
