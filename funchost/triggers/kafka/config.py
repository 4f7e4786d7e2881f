"""What a Kafka trigger derives from its binding, signature and host.json before it runs: the parameter
converter, the consumer's options (security included) and the wording of connection errors.

Consumer options follow the extension's consumer configuration (Listeners/KafkaListener.cs
`GetConsumerConfiguration`): auto-commit off here (the extension stores offsets itself and lets librdkafka
commit them; funchost commits them itself, see `commit.py`), `autoOffsetReset`, `sessionTimeoutMs`,
`maxPollIntervalMs` from host.json, and librdkafka's 3 s heartbeat (a third of a shorter session timeout).
Properties funchost cannot honour (Avro/Protobuf schemas, an Event Hubs connection string) are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener
from aiokafka.errors import KafkaConnectionError

from funchost.bindings.kafka import TriggerValue, trigger_value
from funchost.brokers.kafka import client_options, describe_error
from funchost.errors import FunctionDefinitionError
from funchost.metadata.broker_settings import KafkaSettings
from funchost.metadata.extension_options import KafkaOptions
from funchost.metadata.kafka_security import kafka_security
from funchost.metadata.trigger_kinds import KAFKA
from funchost.triggers.base import ListenerContext

UNSUPPORTED = ("avroSchema", "keyAvroSchema", "schemaRegistryUrl", "eventHubConnectionString")


@dataclass(frozen=True)
class KafkaTriggerConfig:
    function: str
    binding: str
    settings: KafkaSettings
    options: KafkaOptions
    convert: TriggerValue
    client_options: dict[str, Any]
    client_id: str

    @classmethod
    def from_context(cls, ctx: ListenerContext) -> KafkaTriggerConfig:
        name = ctx.invoker.name
        settings = KAFKA.settings(ctx.settings, name)
        trigger = ctx.invoker.spec.trigger
        for prop in UNSUPPORTED:
            if trigger.get(prop):
                raise FunctionDefinitionError(
                    name,
                    f"the Kafka trigger sets '{prop}', which funchost does not support (no Avro/Protobuf decoding, "
                    "no Event Hubs connection string)",
                    "remove it and decode the value in the function (dataType binary gives the raw bytes), or use "
                    "brokerList with protocol SaslSsl, authenticationMode Plain, username '$ConnectionString' for "
                    "Event Hubs",
                )
        annotation = ctx.app.function(name).annotations.get(trigger.name)
        where = f"Function '{name}' (Kafka trigger on topic '{settings.topic}')"
        return cls(
            function=name,
            binding=trigger.name,
            settings=settings,
            options=KAFKA.options(ctx.app.host_config),
            convert=trigger_value(name, annotation, trigger.name, settings.cardinality, settings.data_type),
            client_options=client_options(kafka_security(settings, where), where),
            client_id=f"funchost-{ctx.host_id}",
        )

    @property
    def batch_size(self) -> int:
        """Events per invocation: up to maxBatchSize for cardinality many, else one."""
        return self.options.max_batch_size if self.settings.cardinality == "many" else 1

    def consumer(self, rebalance: ConsumerRebalanceListener) -> AIOKafkaConsumer:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.settings.bootstrap_servers,
            group_id=self.settings.consumer_group,
            client_id=self.client_id,
            enable_auto_commit=False,
            auto_offset_reset=self.options.auto_offset_reset,
            session_timeout_ms=self.options.session_timeout_ms,
            heartbeat_interval_ms=max(100, min(3000, self.options.session_timeout_ms // 3)),
            max_poll_interval_ms=self.options.max_poll_interval_ms,
            **self.client_options,
        )
        consumer.subscribe([self.settings.topic], listener=rebalance)
        return consumer

    def explain(self, exc: BaseException) -> str:
        """A connection or consumer failure, naming the brokers and the setting they come from."""
        settings = self.settings
        setting = (
            f"brokerList app setting '{settings.broker_list_setting}'"
            if settings.broker_list_setting != settings.bootstrap_servers
            else "brokerList"
        )
        what = "cannot reach" if isinstance(exc, KafkaConnectionError | OSError) else "failed against"
        return (
            f"Kafka trigger of function '{self.function}' {what} the brokers {settings.bootstrap_servers} "
            f"({setting}), topic '{settings.topic}', group '{settings.consumer_group}': {describe_error(exc)}. "
            f"Fix: check the {setting} and that the brokers are reachable from this host"
        )
