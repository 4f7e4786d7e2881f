"""KEDA trigger metadata for each event trigger, from the same typed binding settings and the same scale
settings (target, activation threshold, scaler options) the built-in controller's scalers use.

Field names and defaults are KEDA's (reference/keda.md §2): the target becomes `queueLength` / `value` /
`lagThreshold` / `messageCount`, the activation threshold `activation…`. Connection strings never appear here:
`secrets` maps a KEDA auth parameter to the app setting (a key of the settings Secret) that a
TriggerAuthentication hands to KEDA; `env_settings` are settings read through `…FromEnv` (the container's env,
which `envFrom` fills from the same Secret). Integer thresholds are floored: for whole-number metrics
`value > 2.5` and `value > 2` are the same rule.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from funchost.metadata.blob_trigger_settings import keda_blob_prefix
from funchost.metadata.broker_settings import KafkaSettings
from funchost.metadata.connections import StorageConnection
from funchost.metadata.trigger_kinds import BLOB, KAFKA, QUEUE, RABBITMQ, SERVICE_BUS
from scale_controller.app_metadata import EventFunction
from scale_controller.manifests.options import ManifestError

_SETTING_REFERENCE = re.compile(r"%([^%]+)%")
KAFKA_SASL = {"plain": "plaintext", "scramsha256": "scram_sha256", "scramsha512": "scram_sha512"}  # → KEDA `sasl`
KAFKA_FLAGS = (
    "allowIdleConsumers",
    "excludePersistentLag",
    "scaleToZeroOnInvalidOffset",
    "limitToPartitionsWithLag",
    "ensureEvenDistributionOfPartitions",
)


@dataclass(frozen=True)
class KedaTrigger:
    function: str
    type: str  # the KEDA scaler: azure-queue, azure-blob, rabbitmq, kafka, azure-servicebus
    metadata: dict[str, str]
    secrets: dict[str, str] = field(default_factory=dict)  # KEDA auth parameter → app setting name
    env_settings: tuple[str, ...] = ()  # app settings read through *FromEnv

    @property
    def settings(self) -> tuple[str, ...]:
        """Every app setting KEDA needs for this trigger."""
        return (*self.secrets.values(), *self.env_settings)


def _trigger(
    function: EventFunction, metadata: dict[str, str], secrets: dict[str, str], env: tuple[str, ...] = ()
) -> KedaTrigger:
    """A KEDA trigger of the function's kind (its `keda_scaler`, e.g. azure-queue)."""
    return KedaTrigger(function.name, str(function.kind.keda_scaler), metadata, secrets, env)


def whole(value: float) -> str:
    return str(math.floor(value))


def number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def storage_connection(function: EventFunction, connection: StorageConnection) -> StorageConnection:
    """A storage trigger's connection, refused when it is identity-based (the manifests put connection strings in
    the Secret; a TriggerAuthentication with workload identity is the user's to write)."""
    if connection.connection_string is None:
        raise ManifestError(
            f"Function '{function.name}': connection '{connection.setting_name}' is identity-based "
            f"({connection.service_uri}); generated manifests support connection strings only. Fix: set "
            f"'{connection.setting_name}' to a storage connection string, or write a TriggerAuthentication with "
            "podIdentity azure-workload (and accountName) by hand"
        )
    return connection


def azure_queue(function: EventFunction) -> KedaTrigger:
    settings, scale = QUEUE.settings(function.settings, function.name), function.scale
    connection = storage_connection(function, settings.connection)
    metadata = {
        "queueName": settings.queue_name,
        "queueLength": str(scale.target),
        "activationQueueLength": whole(scale.activation_threshold),
        "queueLengthStrategy": str(scale.options.get("queueLengthStrategy", "all")),
    }
    return _trigger(function, metadata, {"connection": connection.setting_name})


def azure_blob(function: EventFunction) -> KedaTrigger:
    """KEDA's azure-blob: the container, blobCount / activationBlobCount, and the listing options; the prefix
    defaults to the path's literal prefix and recursive to true (a trigger's {name} matches at any depth)."""
    settings, scale = BLOB.settings(function.settings, function.name), function.scale
    connection = storage_connection(function, settings.connection)
    metadata = {
        "blobContainerName": settings.container,
        "blobCount": str(scale.target),
        "activationBlobCount": whole(scale.activation_threshold),
        "blobDelimiter": str(scale.options.get("blobDelimiter") or "/"),
        "recursive": str(scale.options.get("recursive", "true")).lower(),
    }
    prefix = keda_blob_prefix(settings, scale.options)
    if prefix:
        metadata["blobPrefix"] = prefix
    if scale.options.get("globPattern"):
        metadata["globPattern"] = str(scale.options["globPattern"])
    return _trigger(function, metadata, {"connection": connection.setting_name})


def rabbitmq(function: EventFunction) -> KedaTrigger:
    settings, scale = RABBITMQ.settings(function.settings, function.name), function.scale
    host_setting = scale.options.get("hostFromEnv")
    protocol = str(scale.options.get("protocol", "auto"))
    if protocol == "http" and not host_setting:
        raise ManifestError(
            f"Function '{function.name}': scale option protocol is \"http\", but KEDA cannot derive the management "
            f"API address from the AMQP URL in '{settings.connection_setting}' as funchost does. Fix: add "
            '"hostFromEnv": "<setting>" under host.json scale.functions.'
            f"{function.name}, naming a setting that holds http://user:pass@host:15672/vhost"
        )
    metadata = {
        "queueName": settings.queue_name,
        "mode": "QueueLength",
        "value": str(scale.target),
        "activationValue": number(scale.activation_threshold),
        "protocol": protocol,
    }
    if scale.options.get("vhostName"):
        metadata["vhostName"] = str(scale.options["vhostName"])
    if scale.options.get("excludeUnacknowledged"):
        metadata["excludeUnacknowledged"] = "true"
    if settings.disable_certificate_validation:
        metadata["unsafeSsl"] = "true"
    return _trigger(function, metadata, {"host": str(host_setting or settings.connection_setting)})


def kafka(function: EventFunction) -> KedaTrigger:
    settings, scale = KAFKA.settings(function.settings, function.name), function.scale
    metadata: dict[str, str] = {}
    env: list[str] = []
    servers_setting = _setting_of(settings.broker_list_setting, settings.bootstrap_servers)
    if servers_setting:
        metadata["bootstrapServersFromEnv"] = servers_setting
        env.append(servers_setting)
    else:
        metadata["bootstrapServers"] = settings.bootstrap_servers
    metadata |= {
        "topic": settings.topic,
        "consumerGroup": settings.consumer_group,
        "lagThreshold": str(scale.target),
        "activationLagThreshold": whole(scale.activation_threshold),
        "offsetResetPolicy": str(scale.options.get("offsetResetPolicy", "latest")),
    }
    for flag in KAFKA_FLAGS:
        if scale.options.get(flag):
            metadata[flag] = "true"
    if scale.options.get("partitionLimitation"):
        metadata["partitionLimitation"] = str(scale.options["partitionLimitation"])
    return _trigger(function, metadata, _kafka_security(function, settings, metadata), tuple(env))


def _kafka_security(function: EventFunction, settings: KafkaSettings, metadata: dict[str, str]) -> dict[str, str]:
    """SASL (plain / SCRAM) with username and password from settings; TLS with the system's CA bundle."""
    where = f"Function '{function.name}'"
    if settings.ssl_ca_location or settings.ssl_certificate_location or settings.ssl_key_location:
        raise ManifestError(
            f"{where}: the Kafka trigger names certificate files (sslCaLocation / sslCertificateLocation / "
            "sslKeyLocation); KEDA needs the PEM contents as TriggerAuthentication parameters ca / cert / key. "
            "Fix: write that TriggerAuthentication by hand, or use the system's CA bundle"
        )
    if settings.protocol in ("ssl", "sasl_ssl"):
        metadata["tls"] = "enable"
    if settings.authentication_mode == "notset" or settings.protocol not in ("sasl_plaintext", "sasl_ssl"):
        return {}  # no SASL: an authenticationMode on a non-SASL protocol is ignored, as the host ignores it
    sasl = KAFKA_SASL.get(settings.authentication_mode)
    if sasl is None:
        raise ManifestError(
            f"{where}: authenticationMode '{settings.authentication_mode}' has no generated KEDA mapping. Fix: use "
            "Plain, ScramSha256 or ScramSha512, or write the kafka trigger's TriggerAuthentication by hand"
        )
    metadata["sasl"] = sasl
    secrets = {}
    for key in ("username", "password"):
        raw = str(function.spec.trigger.get(key) or "")
        reference = _SETTING_REFERENCE.fullmatch(raw)
        if reference is None:
            raise ManifestError(
                f"{where}: the Kafka trigger's {key} is not an app setting reference, and generated manifests "
                f'never write credentials literally. Fix: set {key}="%KafkaSaslUsername%"-style references to '
                "settings in local.settings.json"
            )
        secrets[key] = reference[1]
    return secrets


def _setting_of(raw: str, resolved: str) -> str | None:
    """The app setting a binding property names (`Setting` or `%Setting%`), None when it is a literal."""
    reference = _SETTING_REFERENCE.fullmatch(raw)
    if reference:
        return reference[1]
    return raw if raw != resolved else None


def azure_servicebus(function: EventFunction) -> KedaTrigger:
    settings, scale = SERVICE_BUS.settings(function.settings, function.name), function.scale
    if settings.connection_string is None:
        raise ManifestError(
            f"Function '{function.name}': Service Bus connection '{settings.connection_setting}' is identity-based "
            f"({settings.fully_qualified_namespace}); generated manifests support connection strings only. Fix: set "
            f"'{settings.connection_setting}' to a connection string of a policy with Manage rights"
        )
    if settings.queue_name:
        metadata = {"queueName": settings.queue_name}
    else:
        metadata = {"topicName": str(settings.topic_name), "subscriptionName": str(settings.subscription_name)}
    metadata |= {"messageCount": str(scale.target), "activationMessageCount": whole(scale.activation_threshold)}
    return _trigger(function, metadata, {"connection": settings.connection_setting})


# Trigger type → KEDA mapping (reference/keda.md §3.3); a new trigger type adds a row, as in scalers.SCALERS.
KEDA_TRIGGERS: dict[str, Callable[[EventFunction], KedaTrigger]] = {
    "blobTrigger": azure_blob,
    "kafkaTrigger": kafka,
    "queueTrigger": azure_queue,
    "rabbitMQTrigger": rabbitmq,
    "serviceBusTrigger": azure_servicebus,
}


def keda_trigger(function: EventFunction) -> KedaTrigger:
    mapping = KEDA_TRIGGERS.get(function.trigger_type)
    if mapping is None:
        raise ManifestError(
            f"Function '{function.name}': trigger '{function.trigger_type}' has no KEDA mapping. Fix: deploy with "
            f"--scaler builtin, or scale on one of {', '.join(KEDA_TRIGGERS)}"
        )
    return mapping(function)
