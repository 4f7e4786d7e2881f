"""The per-function scale rule (funchost/metadata/scale_settings.py): targets from the host's real per-instance
concurrency — a deliberate difference from KEDA's fixed defaults, pinned here — overrides and KEDA mode from
host.json, scaler options, their validation, and the `scale` entry in `funchost functions list --json`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from funchost.errors import HostJsonError
from funchost.metadata.binding_settings import BindingSettings, QueueBindingSettings, TimerTriggerSettings
from funchost.metadata.broker_settings import KafkaSettings, RabbitMQSettings, ServiceBusSettings
from funchost.metadata.connections import StorageConnection
from funchost.metadata.extension_options import QueuesOptions, ServiceBusOptions
from funchost.metadata.host_config import load_host_config
from funchost.metadata.scale_options import parse_partition_limitation
from funchost.metadata.scale_settings import ScaleSettings, scale_settings
from funchost.metadata.spec import FunctionSpec
from tests.support.apps import write_app
from tests.support.hostproc import run_cli

QUEUE = QueueBindingSettings("orders", StorageConnection("AzureWebJobsStorage", "UseDevelopmentStorage=true"))
RABBIT = RabbitMQSettings("jobs", "Rabbit", "amqp://guest:guest@localhost/")
KAFKA = KafkaSettings("clicks", "Brokers", "localhost:9092", consumer_group="g")
BUS = ServiceBusSettings("Bus", "Endpoint=sb://x/;SharedAccessKeyName=a;SharedAccessKey=b", None, queue_name="q")
TYPES = {QueueBindingSettings: "queueTrigger", RabbitMQSettings: "rabbitMQTrigger", KafkaSettings: "kafkaTrigger"}


def spec(name: str = "f", settings: BindingSettings = QUEUE) -> FunctionSpec:
    kind = TYPES.get(type(settings), "serviceBusTrigger")
    return FunctionSpec.from_metadata({"name": name, "bindings": [{"type": kind, "name": "m", "direction": "in"}]})


def rule(tmp_path: Path, settings: BindingSettings, host: dict[str, Any] | None = None) -> ScaleSettings:
    (tmp_path / "host.json").write_text(json.dumps({"version": "2.0", **(host or {})}), encoding="utf-8")
    result = scale_settings(spec("f", settings), settings, load_host_config(tmp_path, env={}))
    assert result is not None
    return result


def test_targets_are_the_host_concurrency_not_kedas_defaults(tmp_path: Path) -> None:
    """The deliberate difference from KEDA: a queue replica works on batchSize + newBatchThreshold messages at once,
    so that is its target — not KEDA's queueLength 5 (nor 20 for RabbitMQ, 10 for Kafka, 5 for Service Bus)."""
    queue = rule(tmp_path, QUEUE)
    assert (queue.target, queue.source) == (QueuesOptions.from_section({}).concurrency, "concurrency")
    assert queue.target != 5
    assert rule(tmp_path, QUEUE, {"extensions": {"queues": {"batchSize": 8, "newBatchThreshold": 4}}}).target == 12
    assert rule(tmp_path, RABBIT).target == 30  # prefetchCount default
    assert rule(tmp_path, RABBIT, {"extensions": {"rabbitMQ": {"prefetchCount": 7}}}).target == 7
    assert rule(tmp_path, KAFKA).target == 1000  # lagThreshold, as Azure's Kafka target scaler
    assert rule(tmp_path, KafkaSettings("t", "B", "h:1", lag_threshold=50)).target == 50
    assert rule(tmp_path, BUS).target == ServiceBusOptions.from_section({}).max_concurrent_calls
    sessions = ServiceBusSettings("Bus", "x", None, queue_name="q", is_sessions_enabled=True)
    assert rule(tmp_path, sessions).target == 8  # maxConcurrentSessions
    batches = ServiceBusSettings("Bus", "x", None, queue_name="q", cardinality="many")
    assert rule(tmp_path, batches).target == 1000  # maxMessageBatchSize


@pytest.mark.parametrize(
    ("settings", "target"), [(QUEUE, 5), (RABBIT, 20), (KAFKA, 10), (BUS, 5)], ids=["queue", "rabbit", "kafka", "bus"]
)
def test_keda_mode_uses_kedas_defaults(tmp_path: Path, settings: BindingSettings, target: int) -> None:
    result = rule(tmp_path, settings, {"scale": {"targetMode": "keda"}})
    assert (result.target, result.source) == (target, "keda-default")


def test_per_function_overrides(tmp_path: Path) -> None:
    host = {"scale": {"targetMode": "keda", "functions": {"F": {"target": 40, "activationThreshold": 3}}}}
    result = rule(tmp_path, QUEUE, host)  # function names are case-insensitive
    assert (result.target, result.activation_threshold, result.source) == (40, 3, "override")
    assert result.to_metadata() == {
        "target": 40,
        "activationThreshold": 3,
        "source": "override",
        "options": {"queueLengthStrategy": "all"},
    }
    assert ScaleSettings.from_metadata(result.to_metadata(), "doc") == result


def test_environment_overrides_reach_the_scale_section(tmp_path: Path) -> None:
    env = {
        "AzureFunctionsJobHost__scale__targetMode": "keda",
        "AzureFunctionsJobHost__scale__functions__f__activationThreshold": "4",
    }
    result = scale_settings(spec(), QUEUE, load_host_config(tmp_path, env=env))
    assert result is not None and (result.target, result.activation_threshold) == (5, 4)


def test_kafka_offset_reset_policy_follows_the_host(tmp_path: Path) -> None:
    assert rule(tmp_path, KAFKA).options["offsetResetPolicy"] == "earliest"  # the host's default, not KEDA's latest
    host: dict[str, Any] = {"extensions": {"kafka": {"autoOffsetReset": "Latest"}}}
    assert rule(tmp_path, KAFKA, host).options["offsetResetPolicy"] == "latest"
    host["scale"] = {"functions": {"f": {"offsetResetPolicy": "Earliest", "allowIdleConsumers": "true"}}}
    options = rule(tmp_path, KAFKA, host).options
    assert (options["offsetResetPolicy"], options["allowIdleConsumers"]) == ("earliest", True)


def test_timer_functions_have_no_scale_rule(tmp_path: Path) -> None:
    timer = TimerTriggerSettings("0 * * * * *", run_on_startup=False, use_monitor=True)
    assert scale_settings(spec(), timer, load_host_config(tmp_path, env={})) is None


@pytest.mark.parametrize(
    ("scale", "message"),
    [
        ({"targetMode": "fast"}, 'targetMode is "fast"; use "concurrency"'),
        ({"functions": {"f": {"target": 0}}}, "scale.functions.f.target is 0; expected a whole number >= 1"),
        ({"functions": {"f": {"target": 2.5}}}, "target is 2.5"),
        ({"functions": {"f": {"activationThreshold": -1}}}, "activationThreshold is -1; expected a number >= 0"),
        ({"functions": {"f": {"lagThreshold": 5}}}, '"lagThreshold", which is not a queueTrigger scale option'),
        ({"functions": {"f": {"queueLengthStrategy": "some"}}}, "queueLengthStrategy is 'some'; use one of all"),
    ],
)
def test_invalid_scale_settings_name_the_setting(tmp_path: Path, scale: dict[str, Any], message: str) -> None:
    with pytest.raises(HostJsonError, match="host.json") as caught:
        rule(tmp_path, QUEUE, {"scale": scale})
    assert message in str(caught.value)


def test_kafka_option_combinations_as_keda_validates_them(tmp_path: Path) -> None:
    both = {"scale": {"functions": {"f": {"allowIdleConsumers": True, "limitToPartitionsWithLag": True}}}}
    with pytest.raises(HostJsonError, match="allowIdleConsumers and limitToPartitionsWithLag"):
        rule(tmp_path, KAFKA, both)
    bad = {"scale": {"functions": {"f": {"partitionLimitation": "0,x"}}}}
    with pytest.raises(HostJsonError, match='partitionLimitation has "x"'):
        rule(tmp_path, KAFKA, bad)
    assert parse_partition_limitation("0, 2-4,7", "w") == (0, 2, 3, 4, 7)


SOURCE = """
import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="hello")
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("hi")


@app.queue_trigger(arg_name="msg", queue_name="orders", connection="AzureWebJobsStorage")
def orders(msg: func.QueueMessage) -> None:
    pass
"""


def test_functions_list_json_carries_the_scale_entry(tmp_path: Path) -> None:
    host = {"version": "2.0", "scale": {"functions": {"orders": {"activationThreshold": 2}}}}
    root = write_app(tmp_path / "app", SOURCE, host_json=host, settings={"AzureWebJobsStorage": "x"})
    env = {k: v for k, v in os.environ.items() if k != "AzureWebJobsStorage"}
    done = run_cli(["functions", "list", "--json"], cwd=root, env=env)
    assert done.returncode == 0, done.stderr
    functions = {f["name"]: f for f in json.loads(done.stdout)["functions"]}
    assert "scale" not in functions["hello"]
    expected = QueuesOptions.from_section({}).concurrency
    assert functions["orders"]["scale"] == {
        "target": expected,
        "activationThreshold": 2,
        "source": "concurrency",
        "options": {"queueLengthStrategy": "all"},
    }
    assert functions["orders"]["concurrency"] == expected


def test_functions_list_refuses_scale_settings_for_unknown_functions(tmp_path: Path) -> None:
    host = {"version": "2.0", "scale": {"functions": {"order": {"target": 3}}}}
    root = write_app(tmp_path / "app", SOURCE, host_json=host, settings={"AzureWebJobsStorage": "x"})
    done = run_cli(["functions", "list", "--json"], cwd=root)
    assert done.returncode == 2
    assert "scale.functions names ['order'], which are not functions of this app (functions: hello, orders)" in (
        done.stderr
    )
