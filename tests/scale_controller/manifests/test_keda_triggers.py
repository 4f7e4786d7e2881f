"""KEDA trigger metadata from the same bindings and scale settings the built-in scalers use (reference/keda.md §2),
and the errors for what cannot be expressed (identity connections, missing settings)."""

from __future__ import annotations

from typing import Any

import pytest

from scale_controller.app_metadata import AppMetadata, from_document
from scale_controller.manifests import DeployOptions, ManifestError, build_manifests, keda_trigger
from tests.scale_controller.manifests.validation import validate

ENV = {
    "Storage": "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=a2V5;EndpointSuffix=core.windows.net",
    "Rabbit": "amqp://user:secret@rabbit:5672/",
    "RabbitAdmin": "http://user:secret@rabbit:15672/",
    "Brokers": "kafka-0:9092,kafka-1:9092",
    "KafkaUser": "u",
    "KafkaPassword": "p",
    "Bus": "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=manage;SharedAccessKey=a2V5",
}


def app(binding: dict[str, Any], scale: dict[str, Any], env: dict[str, str] = ENV) -> AppMetadata:
    function = {"name": "work_items", "scriptFile": "function_app.py", "bindings": [binding], "scale": scale}
    return from_document({"functions": [function]}, origin="test.json", environ=env)


def scale(target: int, activation: float = 0, **options: Any) -> dict[str, Any]:
    return {"target": target, "activationThreshold": activation, "source": "concurrency", "options": options}


def queue(**extra: Any) -> dict[str, Any]:
    return {
        "type": "queueTrigger",
        "direction": "in",
        "name": "msg",
        "queueName": "Work",
        "connection": "Storage",
    } | extra


def test_azure_queue_carries_the_target_activation_and_strategy() -> None:
    trigger = keda_trigger(app(queue(), scale(24, 2.5, queueLengthStrategy="visibleonly")).event_functions[0])
    assert trigger.type == "azure-queue"
    assert trigger.metadata == {
        "queueName": "work",
        "queueLength": "24",
        "activationQueueLength": "2",  # whole-number metric: > 2.5 is > 2
        "queueLengthStrategy": "visibleonly",
    }
    assert trigger.secrets == {"connection": "Storage"}


def test_rabbitmq_host_comes_from_the_secret_and_options_pass_through() -> None:
    binding = {"type": "rabbitMQTrigger", "name": "m", "queueName": "orders", "connectionStringSetting": "Rabbit"}
    options = {"protocol": "http", "hostFromEnv": "RabbitAdmin", "excludeUnacknowledged": True, "vhostName": "v"}
    trigger = keda_trigger(app(binding, scale(30, 1.5, **options)).event_functions[0])
    assert trigger.metadata == {
        "queueName": "orders",
        "mode": "QueueLength",
        "value": "30",
        "activationValue": "1.5",
        "protocol": "http",
        "vhostName": "v",
        "excludeUnacknowledged": "true",
    }
    assert trigger.secrets == {"host": "RabbitAdmin"}


def test_rabbitmq_over_http_needs_a_management_url_setting() -> None:
    binding = {"type": "rabbitMQTrigger", "name": "m", "queueName": "orders", "connectionStringSetting": "Rabbit"}
    with pytest.raises(ManifestError, match='protocol is "http".*hostFromEnv'):
        keda_trigger(app(binding, scale(30, protocol="http")).event_functions[0])


def test_kafka_reads_brokers_from_env_and_maps_sasl_to_the_trigger_authentication() -> None:
    binding = {
        "type": "kafkaTrigger", "name": "e", "topic": "clicks", "brokerList": "Brokers", "consumerGroup": "g",
        "protocol": "SASLSSL", "authenticationMode": "ScramSha512", "username": "%KafkaUser%",
        "password": "%KafkaPassword%",
    }  # fmt: skip
    options = {"offsetResetPolicy": "earliest", "limitToPartitionsWithLag": True, "partitionLimitation": "0,2-4"}
    trigger = keda_trigger(app(binding, scale(1000, **options)).event_functions[0])
    assert trigger.metadata == {
        "bootstrapServersFromEnv": "Brokers",
        "topic": "clicks",
        "consumerGroup": "g",
        "lagThreshold": "1000",
        "activationLagThreshold": "0",
        "offsetResetPolicy": "earliest",
        "limitToPartitionsWithLag": "true",
        "partitionLimitation": "0,2-4",
        "tls": "enable",
        "sasl": "scram_sha512",
    }
    assert trigger.secrets == {"username": "KafkaUser", "password": "KafkaPassword"}
    assert trigger.env_settings == ("Brokers",)


def test_kafka_credentials_are_never_written_literally() -> None:
    binding = {
        "type": "kafkaTrigger", "name": "e", "topic": "t", "brokerList": "Brokers", "protocol": "SASLPLAINTEXT",
        "authenticationMode": "PLAIN", "username": "literal-user", "password": "%KafkaPassword%",
    }  # fmt: skip
    with pytest.raises(ManifestError, match="username is not an app setting reference"):
        keda_trigger(app(binding, scale(10)).event_functions[0])


def test_service_bus_subscription() -> None:
    binding = {
        "type": "serviceBusTrigger", "name": "m", "topicName": "t", "subscriptionName": "s", "connection": "Bus",
    }  # fmt: skip
    trigger = keda_trigger(app(binding, scale(16, 3)).event_functions[0])
    assert trigger.type == "azure-servicebus"
    assert trigger.metadata == {
        "topicName": "t", "subscriptionName": "s", "messageCount": "16", "activationMessageCount": "3",
    }  # fmt: skip
    assert trigger.secrets == {"connection": "Bus"}


def test_identity_based_storage_is_refused_with_the_fix() -> None:
    env = {"Storage__queueServiceUri": "https://a.queue.core.windows.net"}
    with pytest.raises(ManifestError, match="'Storage' is identity-based.*Fix: set 'Storage'"):
        keda_trigger(app(queue(), scale(16), env).event_functions[0])


def test_scaled_object_points_its_trigger_at_a_trigger_authentication_over_the_secret() -> None:
    options = DeployOptions(name="orders", image="r/orders:1", namespace="ns", min_replicas=2, max_replicas=7)
    objects = build_manifests(app(queue(), scale(24)), ENV, options).objects
    for obj in objects:
        validate(obj)
    by_kind = {o["kind"]: o for o in objects}
    scaled = by_kind["ScaledObject"]["spec"]
    assert (scaled["minReplicaCount"], scaled["maxReplicaCount"], scaled["pollingInterval"]) == (2, 7, 30)
    (trigger,) = scaled["triggers"]
    auth = by_kind["TriggerAuthentication"]
    assert trigger["authenticationRef"] == {"name": auth["metadata"]["name"]}
    assert auth["spec"]["secretTargetRef"] == [{"parameter": "connection", "name": "orders", "key": "Storage"}]
    assert "replicas" not in by_kind["Deployment"]["spec"]  # KEDA owns the count: re-applying never resets it


def test_a_connection_setting_missing_from_local_settings_is_named_with_the_fix() -> None:
    options = DeployOptions(name="orders", image="r/orders:1")
    values = {k: v for k, v in ENV.items() if k != "Storage"}
    with pytest.raises(ManifestError) as caught:
        build_manifests(app(queue(), scale(24)), values, options)
    assert "Function 'work_items' needs app setting 'Storage'" in str(caught.value)
    assert "--secret-name" in str(caught.value)
    build_manifests(app(queue(), scale(24)), values, DeployOptions(name="o", image="r/o:1", secret_name="existing"))
