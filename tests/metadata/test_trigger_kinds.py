"""The trigger-kind table: every kind is complete across the runtime's tables (listener or not-hosted row, scaler
or "not scaled", KEDA mapping, template, sample), one concurrency rule with the scale target derived from it
(Kafka's lagThreshold the documented exception; Service Bus batch / sessions / single dispatch as Azure's
ServiceBusTargetScaler), options parsed once per host.json, and typed settings without isinstance narrowing."""

from __future__ import annotations

import json
import os
import typing
from pathlib import Path
from typing import Any

import pytest

from funchost.errors import ConfigurationError, FunctionDefinitionError
from funchost.metadata import binding_settings
from funchost.metadata.binding_settings import OutputHttpSettings, parse_binding
from funchost.metadata.blob_settings import BlobBindingSettings
from funchost.metadata.host_config import HostConfig, load_host_config
from funchost.metadata.not_hosted import is_hosted
from funchost.metadata.spec import BindingSpec
from funchost.metadata.trigger_kinds import HTTP, KAFKA, QUEUE, SERVICE_BUS, TRIGGER_KINDS, kind_named, kind_of
from funchost.outputs import OUTPUTS
from funchost.scaffold.catalog import TEMPLATES
from funchost.triggers.base import LISTENERS
from scale_controller.app_metadata import index_project
from scale_controller.manifests.keda_triggers import KEDA_TRIGGERS
from scale_controller.scalers import SCALERS

ROOT = Path(__file__).resolve().parents[2]
SB_ENV = {"SB": "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=a2V5"}


def host_config(tmp_path: Path, extensions: dict[str, Any]) -> HostConfig:
    (tmp_path / "host.json").write_text(json.dumps({"version": "2.0", "extensions": extensions}))
    return load_host_config(tmp_path, env={})


def folded(table: Any) -> set[str]:
    return {name.casefold() for name in table}


def test_every_kind_is_complete_across_the_tables() -> None:
    templates = {t.trigger.casefold() for t in TEMPLATES.values()}
    for kind in TRIGGER_KINDS:
        name = kind.name.casefold()
        if kind is not HTTP:  # HTTP is served by funchost.http, not by a listener
            assert (name in folded(LISTENERS)) != (not is_hosted(kind.name)), kind.name
        assert (name in folded(SCALERS)) == kind.scaled == (name in folded(KEDA_TRIGGERS)), kind.name
        assert (kind.keda_scaler is not None) == (kind.keda_default_target is not None) == kind.scaled, kind.name
        assert name in templates, f"{kind.name} has no template in funchost.scaffold.catalog.TEMPLATES"
        # every output of a hosted kind has a sender, or is still listed as not hosted (metadata.not_hosted)
        hosted_outputs = {t for t in kind.output_types if is_hosted(t)}
        assert hosted_outputs <= set(OUTPUTS) or not is_hosted(kind.name), kind.name
    # nothing registered for a trigger type the table does not know
    known = {kind.name.casefold() for kind in TRIGGER_KINDS}
    assert folded(LISTENERS) | folded(SCALERS) | folded(KEDA_TRIGGERS) <= known


def test_every_hosted_kind_has_a_sample() -> None:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME")}
    used: set[str] = set()
    for sample in sorted((ROOT / "samples").iterdir()):
        document = index_project(sample, environ=env)
        used |= {b["type"].casefold() for f in document["functions"] for b in f["bindings"]}
    missing = [kind.name for kind in TRIGGER_KINDS if is_hosted(kind.name) and kind.name.casefold() not in used]
    assert missing == []


def test_the_settings_union_is_the_table() -> None:
    union = set(typing.get_args(binding_settings.BindingSettings))
    assert union == {kind.settings_type for kind in TRIGGER_KINDS} | {OutputHttpSettings, BlobBindingSettings}


@pytest.mark.parametrize(
    ("binding", "extensions", "expected"),
    [
        ({}, {"maxConcurrentCalls": 7, "maxConcurrentSessions": 3, "maxMessageBatchSize": 50}, 7),
        ({"isSessionsEnabled": True}, {"maxConcurrentCalls": 7, "maxConcurrentSessions": 3}, 3),
        ({"cardinality": "many"}, {"maxConcurrentCalls": 7, "maxMessageBatchSize": 50}, 50),
        ({"cardinality": "many", "isSessionsEnabled": True}, {"maxConcurrentSessions": 3, "maxMessageBatchSize": 5}, 5),
        ({"isSessionsEnabled": True}, {}, 8),  # ServiceBusOptions.MaxConcurrentSessions default
        ({"cardinality": "many"}, {}, 1000),  # MaxMessageBatchSize default
    ],
)
def test_service_bus_concurrency_and_target_follow_service_bus_target_scaler(
    tmp_path: Path, binding: dict[str, Any], extensions: dict[str, Any], expected: int
) -> None:
    """Batch: maxMessageBatchSize, sessions: maxConcurrentSessions, else maxConcurrentCalls — for the listener's
    concurrency and the scale target alike (before, concurrency said maxConcurrentCalls for all three)."""
    raw = {
        "name": "m",
        "type": "serviceBusTrigger",
        "direction": "in",
        "queueName": "orders",
        "connection": "SB",
        **binding,
    }
    settings = parse_binding(BindingSpec.from_dict(raw), "f", SB_ENV)
    config = host_config(tmp_path, {"serviceBus": extensions})
    assert SERVICE_BUS.concurrency(settings, config, "f") == expected
    assert SERVICE_BUS.scale_target(settings, config, "f") == expected


def test_scale_target_is_the_concurrency_except_kafkas_lag_threshold(tmp_path: Path) -> None:
    config = host_config(tmp_path, {"queues": {"batchSize": 4, "newBatchThreshold": 2}, "kafka": {"maxBatchSize": 9}})
    queue = parse_binding(
        BindingSpec.from_dict({"name": "m", "type": "queueTrigger", "direction": "in", "queueName": "orders"}),
        "f",
        {"AzureWebJobsStorage": "UseDevelopmentStorage=true"},
    )
    assert QUEUE.concurrency(queue, config) == QUEUE.scale_target(queue, config) == 6
    raw = {"name": "e", "type": "kafkaTrigger", "direction": "in", "topic": "clicks", "brokerList": "b:9092"}
    kafka = parse_binding(BindingSpec.from_dict({**raw, "cardinality": "many", "lagThreshold": 70}), "f", {})
    assert KAFKA.concurrency(kafka, config) == 9 and KAFKA.scale_target(kafka, config) == 70
    with pytest.raises(ConfigurationError, match="Function 'g': a httpTrigger is not scaled on events"):
        HTTP.scale_target(object(), config, "g")


def test_options_are_parsed_once_per_host_config(tmp_path: Path) -> None:
    first = host_config(tmp_path, {"queues": {"batchSize": 4}})
    assert QUEUE.options(first) is QUEUE.options(first) and QUEUE.options(first).batch_size == 4
    second = host_config(tmp_path, {"queues": {"batchSize": 5}})
    assert QUEUE.options(second).batch_size == 5


def test_typed_settings_name_the_function_and_both_types() -> None:
    queue = parse_binding(
        BindingSpec.from_dict({"name": "m", "type": "queueTrigger", "direction": "in", "queueName": "orders"}),
        "f",
        {"AzureWebJobsStorage": "UseDevelopmentStorage=true"},
    )
    assert QUEUE.settings(queue, "f") is queue and kind_of(queue) is QUEUE
    with pytest.raises(FunctionDefinitionError, match="Function 'f'.*QueueBindingSettings, not the KafkaSettings"):
        KAFKA.settings(queue, "f")


def test_kind_lookup_is_case_insensitive_and_lists_the_table() -> None:
    assert kind_named("rabbitMqTrigger").name == "rabbitMQTrigger"
    with pytest.raises(ConfigurationError, match="trigger type 'cosmosDBTrigger' is not one funchost knows; known: "):
        kind_named("cosmosDBTrigger")
