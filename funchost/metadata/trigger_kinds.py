"""`TRIGGER_KINDS`, the one table of trigger types (a `TriggerKind` row each), and the lookups into it.

Adding a trigger type starts with a row here (docs/architecture.md "Adding a trigger type"). The rules are Azure's
target-based scaling (reference/azure-functions.md, reference/keda-azure-servicebus-2026.md): per-instance
concurrency = queue batchSize + newBatchThreshold, RabbitMQ prefetchCount, Kafka one event (or maxBatchSize) per
partition, Service Bus maxMessageBatchSize (batch) / maxConcurrentSessions (sessions) / maxConcurrentCalls, timer 1;
the scale target is that concurrency except Kafka's, the binding's lagThreshold (KafkaGenericTargetScaler). KEDA's
default targets: azure_queue_scaler.go defaultTargetQueueLength, rabbitmq_scaler.go defaultRabbitMQQueueLength,
kafka_scaler.go defaultKafkaLagThreshold, azure_servicebus_scaler.go defaultTargetMessageCount,
azure_blob_scaler.go defaultTargetBlobCount. Blob: the per-instance concurrency is extensions.blobs
maxDegreeOfParallelism (the shared blob-trigger queue's batchSize + newBatchThreshold), the scale target is that
(docs/blob-trigger.md "Scaling": the scan is host-wide, the work per blob is not).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from funchost.metadata.blob_trigger_settings import BlobTriggerSettings, parse_blob_trigger
from funchost.metadata.broker_settings import (
    KafkaSettings,
    RabbitMQSettings,
    ServiceBusSettings,
    parse_kafka,
    parse_rabbitmq,
    parse_service_bus,
)
from funchost.metadata.extension_options import (
    BlobsOptions,
    KafkaOptions,
    QueuesOptions,
    RabbitMQOptions,
    ServiceBusOptions,
)
from funchost.metadata.registry import find_row
from funchost.metadata.scale_options import BOOL, check_kafka, check_rabbitmq
from funchost.metadata.trigger_kind import NoOptions, TriggerKind
from funchost.metadata.trigger_settings import (
    HttpTriggerSettings,
    QueueBindingSettings,
    TimerTriggerSettings,
    WarmupTriggerSettings,
    parse_http_trigger,
    parse_queue,
    parse_timer_trigger,
    parse_warmup_trigger,
)


def _service_bus_concurrency(settings: ServiceBusSettings, options: ServiceBusOptions) -> int:
    """ServiceBusTargetScaler: a batch function takes maxMessageBatchSize, a session one maxConcurrentSessions."""
    if settings.cardinality == "many":
        return options.max_message_batch_size
    return options.max_concurrent_sessions if settings.is_sessions_enabled else options.max_concurrent_calls


def _rabbitmq_connections(settings: RabbitMQSettings, scale_options: Mapping[str, Any]) -> tuple[str, ...]:
    host = scale_options.get("hostFromEnv")
    return (settings.connection_setting, *([str(host)] if host else []))


def _kafka_connections(settings: KafkaSettings, scale_options: Mapping[str, Any]) -> tuple[str, ...]:
    raw = settings.broker_list_setting.strip("%")
    return (raw,) if settings.broker_list_setting != settings.bootstrap_servers else ()


HTTP: TriggerKind[HttpTriggerSettings, NoOptions] = TriggerKind(
    binding_types=("httpTrigger",),
    output_types=(),
    settings_type=HttpTriggerSettings,
    parse=parse_http_trigger,
    host_json_section=None,
    options_type=NoOptions,
    concurrency_rule=lambda settings, options: None,  # bounded by the HTTP server, not by a trigger setting
    # Not scaled per function on events: one app-wide metric (requests in flight) scales HTTP — `funchost up`'s
    # scale_controller/scalers/http.py locally; in a cluster KEDA's HTTP add-on (HTTPScaledObject) or, with
    # `--scaler builtin`, scale_controller/scalers/http_pods.py. See docs/scaling.md "HTTP functions".
    scaled=False,
)
TIMER: TriggerKind[TimerTriggerSettings, NoOptions] = TriggerKind(
    binding_types=("timerTrigger",),
    output_types=(),
    settings_type=TimerTriggerSettings,
    parse=parse_timer_trigger,
    host_json_section=None,
    options_type=NoOptions,
    concurrency_rule=lambda settings, options: 1,
    scaled=False,  # a timer has no backlog: it runs on one instance (the singleton lock)
)
WARMUP: TriggerKind[WarmupTriggerSettings, NoOptions] = TriggerKind(
    binding_types=("warmupTrigger",),
    output_types=(),
    settings_type=WarmupTriggerSettings,
    parse=parse_warmup_trigger,
    host_json_section=None,
    options_type=NoOptions,
    concurrency_rule=lambda settings, options: 1,
    scaled=False,  # runs once as an instance is added (funchost/triggers/warmup.py); nothing to scale on
)
QUEUE: TriggerKind[QueueBindingSettings, QueuesOptions] = TriggerKind(
    binding_types=("queueTrigger",),
    output_types=("queue",),
    settings_type=QueueBindingSettings,
    parse=parse_queue,
    host_json_section="queues",
    options_type=QueuesOptions,
    concurrency_rule=lambda settings, options: options.concurrency,  # QueueTargetScaler
    scaled=True,
    keda_scaler="azure-queue",
    keda_default_target=5,
    scaler_options={"queueLengthStrategy": ("all", "visibleonly")},
    connections=lambda settings, scale_options: (settings.connection.setting_name,),
)
RABBITMQ: TriggerKind[RabbitMQSettings, RabbitMQOptions] = TriggerKind(
    binding_types=("rabbitMQTrigger",),  # rabbitMqTrigger matches too: binding types are case-insensitive
    output_types=("rabbitMQ",),
    settings_type=RabbitMQSettings,
    parse=parse_rabbitmq,
    host_json_section="rabbitMQ",
    options_type=RabbitMQOptions,
    concurrency_rule=lambda settings, options: options.concurrency,
    scaled=True,
    keda_scaler="rabbitmq",
    keda_default_target=20,
    scaler_options={
        "protocol": ("auto", "amqp", "http"),
        "excludeUnacknowledged": BOOL,
        "hostFromEnv": None,
        "vhostName": None,
    },
    check_options=check_rabbitmq,
    connections=_rabbitmq_connections,
)
KAFKA: TriggerKind[KafkaSettings, KafkaOptions] = TriggerKind(
    binding_types=("kafkaTrigger",),
    output_types=("kafka",),
    settings_type=KafkaSettings,
    parse=parse_kafka,
    host_json_section="kafka",
    options_type=KafkaOptions,
    # One partition is processed in order: an event (ONE) or a batch of up to maxBatchSize (MANY) at a time.
    concurrency_rule=lambda settings, options: options.max_batch_size if settings.cardinality == "many" else 1,
    scaled=True,
    keda_scaler="kafka",
    keda_default_target=10,
    scale_target_rule=lambda settings, options: settings.lag_threshold,  # KafkaGenericTargetScaler.GetConcurrency
    scaler_options={
        "offsetResetPolicy": ("earliest", "latest"),  # default replaced by the host's autoOffsetReset
        "allowIdleConsumers": BOOL,
        "excludePersistentLag": BOOL,
        "scaleToZeroOnInvalidOffset": BOOL,
        "limitToPartitionsWithLag": BOOL,
        "ensureEvenDistributionOfPartitions": BOOL,
        "partitionLimitation": None,
    },
    # follow what the consumer really does (a deliberate difference from KEDA's "latest")
    option_defaults=lambda options: {"offsetResetPolicy": options.auto_offset_reset},
    check_options=check_kafka,
    connections=_kafka_connections,
)
SERVICE_BUS: TriggerKind[ServiceBusSettings, ServiceBusOptions] = TriggerKind(
    binding_types=("serviceBusTrigger",),
    output_types=("serviceBus",),
    settings_type=ServiceBusSettings,
    parse=parse_service_bus,
    host_json_section="serviceBus",
    options_type=ServiceBusOptions,
    concurrency_rule=_service_bus_concurrency,
    scaled=True,
    keda_scaler="azure-servicebus",
    keda_default_target=5,
    connections=lambda settings, scale_options: (settings.connection_setting,),
)

BLOB: TriggerKind[BlobTriggerSettings, BlobsOptions] = TriggerKind(
    binding_types=("blobTrigger",),
    output_types=(),  # the blob output/input bindings have their own settings (funchost.bindings.blob)
    settings_type=BlobTriggerSettings,
    parse=parse_blob_trigger,
    host_json_section="blobs",
    options_type=BlobsOptions,
    concurrency_rule=lambda settings, options: options.concurrency,  # host-wide, as the shared blob queue
    scaled=True,
    keda_scaler="azure-blob",
    keda_default_target=5,
    # recursive defaults to "true" (KEDA: false): the path's {name} matches blobs at any depth under its prefix
    scaler_options={"blobPrefix": None, "blobDelimiter": None, "recursive": ("true", "false"), "globPattern": None},
    connections=lambda settings, scale_options: (settings.connection.setting_name,),
)

TRIGGER_KINDS: tuple[TriggerKind[Any, Any], ...] = (HTTP, TIMER, WARMUP, QUEUE, RABBITMQ, KAFKA, SERVICE_BUS, BLOB)
_BY_TYPE = {kind.name: kind for kind in TRIGGER_KINDS}


def kind_named(trigger_type: str) -> TriggerKind[Any, Any]:
    """The kind of a trigger type (case-insensitive), or `ConfigurationError` listing the known ones."""
    kind: TriggerKind[Any, Any] = find_row(_BY_TYPE, trigger_type, "trigger type")
    return kind


def kind_of(settings: object) -> TriggerKind[Any, Any] | None:
    """The kind whose trigger parsed these settings (None: an output binding's settings)."""
    return next((kind for kind in TRIGGER_KINDS if isinstance(settings, kind.settings_type)), None)


def scaled_kind_of(settings: object) -> TriggerKind[Any, Any] | None:
    """The kind of these trigger settings when it is scaled on events (None: HTTP, timer, outputs)."""
    kind = kind_of(settings)
    return kind if kind is not None and kind.scaled else None
