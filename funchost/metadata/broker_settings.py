"""Typed settings of the broker bindings: RabbitMQ, Kafka and Service Bus triggers and outputs.

Parsed once from the binding JSON (with `%Setting%` expressions and connection settings resolved) and shared
by the listeners, the output senders, the scalers and the manifest generator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from funchost.errors import FunctionDefinitionError
from funchost.metadata.booleans import binding_flag
from funchost.metadata.connections import required_setting, resolve_expressions, setting
from funchost.metadata.entity_names import check_entity_name
from funchost.metadata.spec import BindingSpec

KAFKA_PROTOCOLS = ("notset", "plaintext", "ssl", "sasl_plaintext", "sasl_ssl")
KAFKA_AUTH_MODES = ("notset", "gssapi", "plain", "scramsha256", "scramsha512", "oauthbearer")


def _where(binding: BindingSpec, function: str) -> str:
    return f"Function '{function}' binding '{binding.name}' ({binding.type})"


def _required(binding: BindingSpec, function: str, key: str, env: Mapping[str, str] | None) -> str:
    value = binding.get(key)
    if value is None or not str(value).strip():
        raise FunctionDefinitionError(
            function, f"binding '{binding.name}' ({binding.type}) has no '{key}'", f"set {key} on the binding"
        )
    return resolve_expressions(str(value), env=env, where=f"{_where(binding, function)} property '{key}'")


def _optional(
    binding: BindingSpec, function: str, key: str, env: Mapping[str, str] | None, entity: str | None = None
) -> str | None:
    """The resolved property, or None; `entity` names its rule in ENTITY_NAME_RULES when it names an entity."""
    value = binding.get(key)
    if value is None or str(value) == "":
        return None
    resolved = resolve_expressions(str(value), env=env, where=f"{_where(binding, function)} property '{key}'")
    if entity is not None:
        check_entity_name(entity, resolved, function=function, binding=binding.name, prop=key, raw=value)
    return resolved


def _named(binding: BindingSpec, function: str, key: str, env: Mapping[str, str] | None, entity: str) -> str:
    """A required property naming an entity: resolved, then checked against the entity's naming rule."""
    name = _required(binding, function, key, env)
    check_entity_name(entity, name, function=function, binding=binding.name, prop=key, raw=binding.get(key))
    return name


def _choice(binding: BindingSpec, function: str, key: str, allowed: tuple[str, ...], default: str) -> str:
    raw = str(binding.get(key, default) or default)
    # Decorators emit "SASLSSL", function.json has "SaslSsl", docs write "SASL_SSL": compare without underscores.
    canonical = {name.replace("_", ""): name for name in allowed}
    folded = raw.replace("_", "").lower()
    if folded not in canonical:
        raise FunctionDefinitionError(
            function, f"binding '{binding.name}' {key} is '{raw}'", f"use one of {', '.join(allowed)}"
        )
    return canonical[folded]


# -- RabbitMQ -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RabbitMQSettings:
    """`rabbitMQTrigger` and the `rabbitMQ` output binding."""

    queue_name: str
    connection_setting: str
    url: str = field(repr=False)  # contains credentials
    disable_certificate_validation: bool = False


# Where the RabbitMQ extension looks when the binding's setting gives nothing (RabbitMQWebJobsBuilderExtensions:
# options.ConnectionString = the WebJobs connection string "RabbitMQ", then host.json extensions.rabbitMQ binds over
# it; Utility.ResolveConnectionString falls back to it). `host_json_settings()` puts host.json's value under the
# environment-override name, so an app setting of that name and host.json are one source, as in the host.
RABBITMQ_OPTIONS_SETTING = "AzureFunctionsJobHost__extensions__rabbitMQ__connectionString"
RABBITMQ_FALLBACKS = (RABBITMQ_OPTIONS_SETTING, "ConnectionStrings:RabbitMQ", "AzureWebJobsRabbitMQ")


def parse_rabbitmq(binding: BindingSpec, function: str, env: Mapping[str, str] | None) -> RabbitMQSettings:
    queue = _named(binding, function, "queueName", env, "rabbitmq-queue")
    setting_name = str(binding.get("connectionStringSetting") or "")
    candidates = ((setting_name,) if setting_name else ()) + RABBITMQ_FALLBACKS
    found = next(((name, value) for name in candidates if (value := setting(name, env))), None)
    if found is None:
        if setting_name:  # the usual case: name the setting the binding asked for
            required_setting(
                setting_name, where=_where(binding, function), property_name="connectionStringSetting", env=env
            )
        raise FunctionDefinitionError(
            function,
            f"binding '{binding.name}' ({binding.type}) has no 'connectionStringSetting' and host.json sets no "
            "extensions.rabbitMQ.connectionString",
            "set connection_string_setting to the name of an app setting holding amqp://user:pass@host:5672/vhost, "
            'or set "extensions": {"rabbitMQ": {"connectionString": "amqp://..."}} in host.json',
        )
    return RabbitMQSettings(
        queue_name=queue,
        connection_setting=found[0],
        url=found[1],
        disable_certificate_validation=binding_flag(binding, function, "disableCertificateValidation"),
    )


def host_json_settings(extensions: Mapping[str, object]) -> dict[str, str]:
    """Connection values host.json carries (extensions.rabbitMQ.connectionString), under their override names."""
    rabbit = next((v for k, v in extensions.items() if k.casefold() == "rabbitmq"), None)
    if isinstance(rabbit, Mapping):
        value = next((v for k, v in rabbit.items() if str(k).casefold() == "connectionstring"), None)
        if isinstance(value, str) and value:
            return {RABBITMQ_OPTIONS_SETTING: value}
    return {}


# -- Kafka ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KafkaSettings:
    """`kafkaTrigger` and the `kafka` output binding (security settings shared)."""

    topic: str
    broker_list_setting: str
    bootstrap_servers: str
    consumer_group: str = "$Default"
    cardinality: str = "one"  # "one" | "many"
    data_type: str | None = None
    protocol: str = "notset"
    authentication_mode: str = "notset"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ssl_ca_location: str | None = None
    ssl_certificate_location: str | None = None
    ssl_key_location: str | None = None
    ssl_key_password: str | None = field(default=None, repr=False)
    lag_threshold: int = 1000


def _broker_list(binding: BindingSpec, function: str, env: Mapping[str, str] | None) -> tuple[str, str]:
    """brokerList is an app-setting name (as the templates write it) or, failing that, a literal list."""
    raw = str(binding.get("brokerList") or "")
    if not raw:
        raise FunctionDefinitionError(
            function, f"binding '{binding.name}' ({binding.type}) has no 'brokerList'", "set broker_list"
        )
    if "%" in raw:
        return raw, resolve_expressions(raw, env=env, where=f"{_where(binding, function)} property 'brokerList'")
    value = setting(raw, env)
    if value:
        return raw, value
    if ":" in raw or "," in raw or "." in raw:
        return raw, raw  # a literal host:port list
    raise FunctionDefinitionError(
        function,
        f"binding '{binding.name}' brokerList '{raw}' is neither an app setting nor a host:port list",
        f'add "{raw}": "host:9092" to Values in local.settings.json (or set the environment variable)',
    )


def parse_kafka(binding: BindingSpec, function: str, env: Mapping[str, str] | None) -> KafkaSettings:
    setting_name, servers = _broker_list(binding, function, env)
    lag = binding.get("lagThreshold", 1000)
    try:
        lag_threshold = int(lag)
    except (TypeError, ValueError):
        raise FunctionDefinitionError(function, f"lagThreshold '{lag}' is not a number", "use e.g. 1000") from None
    return KafkaSettings(
        topic=_named(binding, function, "topic", env, "kafka-topic"),
        broker_list_setting=setting_name,
        bootstrap_servers=servers,
        consumer_group=_optional(binding, function, "consumerGroup", env) or "$Default",
        cardinality=_choice(binding, function, "cardinality", ("one", "many"), "one"),
        data_type=binding.data_type,
        protocol=_choice(binding, function, "protocol", KAFKA_PROTOCOLS, "notset"),
        authentication_mode=_choice(binding, function, "authenticationMode", KAFKA_AUTH_MODES, "notset"),
        username=_optional(binding, function, "username", env),
        password=_optional(binding, function, "password", env),
        ssl_ca_location=_optional(binding, function, "sslCaLocation", env),
        ssl_certificate_location=_optional(binding, function, "sslCertificateLocation", env),
        ssl_key_location=_optional(binding, function, "sslKeyLocation", env),
        ssl_key_password=_optional(binding, function, "sslKeyPassword", env),
        lag_threshold=lag_threshold,
    )


# -- Service Bus ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceBusSettings:
    """`serviceBusTrigger` (queue, or topic + subscription) and the `serviceBus` output binding."""

    connection_setting: str
    connection_string: str | None = field(repr=False)
    fully_qualified_namespace: str | None
    queue_name: str | None = None
    topic_name: str | None = None
    subscription_name: str | None = None
    cardinality: str = "one"
    is_sessions_enabled: bool = False
    auto_complete_messages: bool = True

    @property
    def entity(self) -> str:
        return self.queue_name or f"{self.topic_name}/subscriptions/{self.subscription_name}"


def parse_service_bus(binding: BindingSpec, function: str, env: Mapping[str, str] | None) -> ServiceBusSettings:
    connection = str(binding.get("connection") or "ServiceBusConnection")
    queue = _optional(binding, function, "queueName", env, "service-bus-entity")
    topic = _optional(binding, function, "topicName", env, "service-bus-entity")
    subscription = _optional(binding, function, "subscriptionName", env, "service-bus-subscription")
    if binding.is_trigger and not queue and not (topic and subscription):
        raise FunctionDefinitionError(
            function,
            f"binding '{binding.name}' names neither queueName nor topicName + subscriptionName",
            "set queue_name, or topic_name and subscription_name",
        )
    namespace = setting(f"{connection}__fullyQualifiedNamespace", env)
    connection_string = (
        None
        if namespace
        else required_setting(connection, where=_where(binding, function), property_name="connection", env=env)
    )
    return ServiceBusSettings(
        connection_setting=connection,
        connection_string=connection_string,
        fully_qualified_namespace=namespace,
        queue_name=queue,
        topic_name=topic,
        subscription_name=subscription,
        cardinality=_choice(binding, function, "cardinality", ("one", "many"), "one"),
        is_sessions_enabled=binding_flag(binding, function, "isSessionsEnabled"),
        auto_complete_messages=binding_flag(binding, function, "autoCompleteMessages", default=True),
    )
