"""Azure's naming rules for queues, topics and subscriptions, checked at load after `%Setting%` resolution."""

from __future__ import annotations

from typing import Any

import pytest

from funchost.errors import FunctionDefinitionError
from funchost.metadata.binding_settings import QueueBindingSettings, parse_binding
from funchost.metadata.entity_names import ENTITY_NAME_RULES, entity_name_problem
from funchost.metadata.spec import BindingSpec

VALID = {
    "storage-queue": ["abc", "orders-in", "a1-b2-c3", "x" * 63, "0ab"],
    "blob-container": ["uploads", "a-b-c"],
    "service-bus-entity": [
        "orders",
        "Orders.v2_x",
        "a/b/c",
        "x" * 260,
        "orders/$DeadLetterQueue",
        "o/$deadletterQUEUE",
    ],
    "service-bus-subscription": ["billing", "Bill_ing.v1-x", "x" * 50, "billing/$DeadLetterQueue"],
    "kafka-topic": ["orders", "a", "Orders.v1_x-y", "x" * 249, "..."],
    "rabbitmq-queue": ["orders", "amq.gen-x", "é" * 127, "with space and ünïcode"],
}
INVALID = {
    "storage-queue": ["ab", "x" * 64, "bad_queue!", "Orders", "-orders", "orders-", "a--b", "a.b"],
    "blob-container": ["ab", "UPLOADS", "a_b"],
    "service-bus-entity": ["", "x" * 261, "-orders", "orders/", "/orders", "a b", "a#b", "a*b"],
    "service-bus-subscription": ["", "x" * 51, "a/b", "_billing", "a@b"],
    "kafka-topic": ["", ".", "..", "x" * 250, "a b", "a/b", "ä"],
    "rabbitmq-queue": ["", "é" * 128],
}


def test_every_rule_has_valid_and_invalid_examples() -> None:
    assert set(VALID) == set(INVALID) == set(ENTITY_NAME_RULES)


@pytest.mark.parametrize(("kind", "name"), [(k, n) for k, names in VALID.items() for n in names])
def test_valid_names_pass(kind: str, name: str) -> None:
    assert entity_name_problem(kind, name) is None


@pytest.mark.parametrize(("kind", "name"), [(k, n) for k, names in INVALID.items() for n in names])
def test_invalid_names_are_refused(kind: str, name: str) -> None:
    assert entity_name_problem(kind, name) is not None


def binding(**raw: Any) -> BindingSpec:
    return BindingSpec.from_dict({"direction": "in", "name": "msg", **raw})


def test_a_storage_queue_name_is_checked_after_lowercasing_and_names_function_property_and_rule() -> None:
    spec = binding(type="queueTrigger", queueName="Bad_Queue!", connection="Store")
    with pytest.raises(FunctionDefinitionError) as info:
        parse_binding(spec, "orders", {"Store": "UseDevelopmentStorage=true"})
    message = str(info.value)
    assert "Function 'orders'" in message and "property 'queueName'" in message
    assert "'bad_queue!' (from 'Bad_Queue!')" in message and "3-63 lowercase letters" in message and "Fix:" in message


def test_a_70_character_queue_name_is_too_long() -> None:
    spec = binding(type="queue", direction="out", queueName="q" * 70, connection="Store")
    with pytest.raises(FunctionDefinitionError, match=r"is too long \(70 characters, at most 63\)"):
        parse_binding(spec, "f", {"Store": "UseDevelopmentStorage=true"})


def test_a_name_from_an_app_setting_is_checked_once_resolved() -> None:
    env = {"Store": "UseDevelopmentStorage=true", "QUEUE": "Has Spaces"}
    with pytest.raises(FunctionDefinitionError, match=r"'has spaces' \(from '%QUEUE%'\)"):
        parse_binding(binding(type="queueTrigger", queueName="%QUEUE%", connection="Store"), "f", env)
    env["QUEUE"] = "work-items"
    settings = parse_binding(binding(type="queueTrigger", queueName="%QUEUE%", connection="Store"), "f", env)
    assert isinstance(settings, QueueBindingSettings) and settings.queue_name == "work-items"


def test_a_parameter_filled_per_invocation_is_not_judged_at_load() -> None:
    spec = binding(type="queue", direction="out", queueName="{name}-out", connection="Store")
    settings = parse_binding(spec, "f", {"Store": "UseDevelopmentStorage=true"})
    assert isinstance(settings, QueueBindingSettings) and settings.queue_name == "{name}-out"


@pytest.mark.parametrize(
    ("raw", "env", "message"),
    [
        (
            {"type": "kafkaTrigger", "topic": "bad topic", "brokerList": "localhost:9092"},
            {},
            "property 'topic' is 'bad topic', which has characters or a shape that are not allowed for a Kafka topic",
        ),
        (
            {"type": "rabbitMQTrigger", "queueName": "é" * 200, "connectionStringSetting": "Rabbit"},
            {"Rabbit": "amqp://guest:guest@localhost:5672/"},
            "is too long (400 bytes, at most 255) for a RabbitMQ queue name",
        ),
        (
            {"type": "serviceBusTrigger", "queueName": "x" * 261, "connection": "Bus"},
            {"Bus": "Endpoint=sb://x/;SharedAccessKeyName=a;SharedAccessKey=b"},
            "is too long (261 characters, at most 260) for a Service Bus queue or topic name",
        ),
        (
            {"type": "serviceBusTrigger", "topicName": "t", "subscriptionName": "a/b", "connection": "Bus"},
            {"Bus": "Endpoint=sb://x/;SharedAccessKeyName=a;SharedAccessKey=b"},
            "property 'subscriptionName' is 'a/b'",
        ),
    ],
    ids=["kafka", "rabbitmq", "service-bus-queue", "service-bus-subscription"],
)
def test_broker_entity_names_are_checked(raw: dict[str, Any], env: dict[str, str], message: str) -> None:
    with pytest.raises(FunctionDefinitionError) as info:
        parse_binding(binding(**raw), "f", env)
    assert message in str(info.value)
