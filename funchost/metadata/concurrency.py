"""The effective per-instance concurrency of each function: how many events one host instance works on at
once. Listeners enforce it and `functions list --json` reports it; the scale controller's default per-replica
target derives from it (see `scale_settings.py`; Kafka targets use the binding's lagThreshold instead)."""

from __future__ import annotations

from collections.abc import Mapping

from funchost.metadata.binding_settings import BindingSettings, QueueBindingSettings, TimerTriggerSettings
from funchost.metadata.broker_settings import KafkaSettings, RabbitMQSettings, ServiceBusSettings
from funchost.metadata.extension_options import KafkaOptions, QueuesOptions, RabbitMQOptions, ServiceBusOptions
from funchost.metadata.host_config import HostConfig
from funchost.metadata.spec import FunctionSpec


def effective_concurrency(
    spec: FunctionSpec, settings: Mapping[str, BindingSettings], host_config: HostConfig
) -> int | None:
    """None for HTTP (bounded by the server, not by a trigger setting)."""
    trigger = settings[spec.trigger.name]
    if isinstance(trigger, QueueBindingSettings):
        return QueuesOptions.from_section(host_config.extension("queues")).concurrency
    if isinstance(trigger, RabbitMQSettings):
        return RabbitMQOptions.from_section(host_config.extension("rabbitMQ")).concurrency
    if isinstance(trigger, KafkaSettings):
        # One partition is processed in order: an event (ONE) or a batch of up to maxBatchSize (MANY) at a time.
        options = KafkaOptions.from_section(host_config.extension("kafka"))
        return options.max_batch_size if trigger.cardinality == "many" else 1
    if isinstance(trigger, ServiceBusSettings):
        return ServiceBusOptions.from_section(host_config.extension("serviceBus")).concurrency
    if isinstance(trigger, TimerTriggerSettings):
        return 1
    return None
