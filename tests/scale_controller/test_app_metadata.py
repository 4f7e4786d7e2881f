"""The controller's view of an app: a project folder is indexed in a subprocess (the controller never imports user
code), local.settings.json Values reach the controller's environment, every event-triggered function gets a scaler
built from the same typed settings the listener uses, and HTTP and timer functions get none."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from funchost.errors import ConfigurationError, ConnectionSettingError
from funchost.metadata.broker_settings import KafkaSettings, RabbitMQSettings
from funchost.metadata.extension_options import QueuesOptions
from funchost.metadata.not_hosted import is_hosted
from scale_controller.app_metadata import AppMetadataError, load_app_metadata
from scale_controller.scalers import build_scalers, scaler_factories
from scale_controller.scalers.azure_queue import AzureQueueScaler
from scale_controller.scalers.kafka import KafkaScaler
from scale_controller.scalers.rabbitmq import RabbitMQScaler
from scale_controller.scalers.servicebus import ServiceBusScaler
from tests.support.apps import write_app

SOURCE = """
import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="hello")
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("hi")


@app.timer_trigger(arg_name="timer", schedule="0 */5 * * * *")
def tick(timer: func.TimerRequest) -> None:
    pass


@app.queue_trigger(arg_name="msg", queue_name="%OrdersQueue%", connection="AzureWebJobsStorage")
def orders(msg: func.QueueMessage) -> None:
    pass


@app.generic_trigger(arg_name="body", type="rabbitMQTrigger", queue_name="jobs", connection_string_setting="Rabbit")
def jobs(body: str) -> None:
    pass


@app.kafka_trigger(arg_name="event", topic="clicks", broker_list="Brokers", consumer_group="counter", lag_threshold=50)
def clicks(event: func.KafkaEvent) -> None:
    pass


@app.service_bus_queue_trigger(arg_name="message", queue_name="invoices", connection="Bus")
def invoices(message: func.ServiceBusMessage) -> None:
    pass
"""
SETTINGS = {
    "FUNCTIONS_WORKER_RUNTIME": "python",
    "AzureWebJobsStorage": "UseDevelopmentStorage=true",
    "OrdersQueue": "orders-in",
    "Rabbit": "amqp://guest:guest@127.0.0.1:5672/",
    "Brokers": "127.0.0.1:19092",
    "Bus": "Endpoint=sb://example.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=c2VjcmV0",
}
HOST = {"version": "2.0", "extensions": {"queues": {"batchSize": 8, "newBatchThreshold": 4}}}
# Until the Service Bus trigger is hosted, the host has 'invoices' in error and the controller skips it.
BUS_HOSTED = is_hosted("serviceBusTrigger")
BUS = ["invoices"] if BUS_HOSTED else []


def clean_environ() -> dict[str, str]:
    """The test process's environment without the app's settings (they must come from local.settings.json)."""
    return {k: v for k, v in os.environ.items() if k not in SETTINGS and not k.startswith("AzureFunctionsJobHost")}


async def test_project_folder_gets_one_scaler_per_event_trigger(tmp_path: Path) -> None:
    root = write_app(tmp_path / "app", SOURCE, host_json=HOST, settings=SETTINGS)
    environ = clean_environ()
    app = load_app_metadata(root, environ=environ)
    assert environ["OrdersQueue"] == "orders-in" and "OrdersQueue" not in os.environ  # applied where asked
    assert [f.name for f in app.functions] == ["hello", "tick", "orders", "jobs", "clicks", *BUS]
    assert {f.name: f.trigger_type for f in app.event_functions} == {
        "orders": "queueTrigger",
        "jobs": "rabbitMQTrigger",
        "clicks": "kafkaTrigger",
    } | {name: "serviceBusTrigger" for name in BUS}
    assert BUS_HOSTED or "Azure Service Bus" in app.skipped["invoices"]
    jobs = next(f for f in app.event_functions if f.name == "jobs")
    assert isinstance(jobs.settings, RabbitMQSettings) and jobs.settings.url == SETTINGS["Rabbit"]
    scalers = build_scalers(app)
    try:
        assert [(s.function, s.trigger, type(s.scaler)) for s in scalers] == [
            ("orders", "queueTrigger", AzureQueueScaler),
            ("jobs", "rabbitMQTrigger", RabbitMQScaler),
            ("clicks", "kafkaTrigger", KafkaScaler),
        ] + [(name, "serviceBusTrigger", ServiceBusScaler) for name in BUS]
        queue, rabbit, kafka = (s.scaler for s in scalers[:3])
        assert isinstance(queue, AzureQueueScaler) and queue.queue_name == "orders-in"  # %OrdersQueue% resolved
        assert queue.target == 12  # the host's batchSize + newBatchThreshold, not KEDA's 5
        assert isinstance(rabbit, RabbitMQScaler) and rabbit.target == 30  # prefetchCount's default
        assert isinstance(kafka, KafkaScaler) and kafka.rules.lag_threshold == 50  # the binding's lagThreshold
        assert kafka.rules.offset_reset_policy == "earliest"  # the host's autoOffsetReset, not KEDA's latest
        if BUS_HOSTED:
            bus = scalers[3].scaler
            assert isinstance(bus, ServiceBusScaler) and bus.name == "azure-servicebus:invoices"
    finally:
        for one in scalers:
            await one.scaler.aclose()


async def test_metadata_file_gives_the_same_view(tmp_path: Path) -> None:
    root = write_app(tmp_path / "app", SOURCE, host_json=HOST, settings=SETTINGS)
    from_folder = load_app_metadata(root, environ=clean_environ())
    document = tmp_path / "app.json"
    document.write_text(json.dumps(from_folder.document), encoding="utf-8")
    environ = clean_environ()
    from_file = load_app_metadata(document, environ=environ)  # local.settings.json found through scriptRoot
    assert from_file.event_functions == from_folder.event_functions
    clicks = next(f for f in from_file.event_functions if f.name == "clicks")
    assert isinstance(clicks.settings, KafkaSettings) and clicks.settings.bootstrap_servers == "127.0.0.1:19092"
    assert clicks.scale.to_metadata() == from_folder.document["functions"][4]["scale"]


async def test_factories_feed_the_loop_and_fail_early(tmp_path: Path) -> None:
    root = write_app(tmp_path / "app", SOURCE, host_json=HOST, settings=SETTINGS)
    app = load_app_metadata(root, environ=clean_environ())
    sources = scaler_factories(app)
    assert [(s.function, s.trigger) for s in sources] == [(f.name, f.trigger_type) for f in app.event_functions]
    first, second = sources[0].factory(), sources[0].factory()
    assert first is not second and isinstance(first, AzureQueueScaler)  # a fresh scaler per rebuild
    await first.aclose()
    await second.aclose()
    # Security the trigger cannot use puts the function in error, naming the property (no authenticationMode =
    # Kerberos): the host does not run it, so it is not scaled; strict refuses the app.
    kerberos = SOURCE.replace("lag_threshold=50)", 'lag_threshold=50, protocol="SASLSSL", username="u", password="p")')
    root = write_app(tmp_path / "kerberos", kerberos, host_json=HOST, settings=SETTINGS)
    skipped = load_app_metadata(root, environ=clean_environ()).skipped
    assert skipped["clicks"].startswith("binding 'event' (kafkaTrigger)") and "authenticationMode" in skipped["clicks"]
    with pytest.raises(ConfigurationError, match="Function 'clicks'.*authenticationMode"):
        scaler_factories(load_app_metadata(root, environ=clean_environ(), strict=True))
    plain = kerberos.replace('password="p")', 'password="p", authentication_mode="PLAIN")')
    root = write_app(tmp_path / "plain", plain, host_json=HOST, settings=SETTINGS)
    kafka = [s for s in scaler_factories(load_app_metadata(root, environ=clean_environ())) if s.function == "clicks"]
    scaler = kafka[0].factory()
    assert isinstance(scaler, KafkaScaler) and scaler.security_options["sasl_mechanism"] == "PLAIN"
    await scaler.aclose()


def test_a_missing_connection_setting_names_it(tmp_path: Path) -> None:
    settings = {k: v for k, v in SETTINGS.items() if k != "Rabbit"}
    root = write_app(tmp_path / "app", SOURCE, host_json=HOST, settings=settings)
    app = load_app_metadata(root, environ=clean_environ())  # the host runs the others: so are they scaled
    assert "jobs" not in {f.name for f in app.functions} and "clicks" in {f.name for f in app.functions}
    assert "'Rabbit'" in app.skipped["jobs"] and "Fix:" in app.skipped["jobs"]
    with pytest.raises(AppMetadataError) as caught:
        load_app_metadata(root, environ=clean_environ(), strict=True)
    message = str(caught.value)
    assert "'Rabbit'" in message and "jobs" in message and "Fix:" in message, message


def test_a_metadata_file_whose_setting_is_missing_here_names_it(tmp_path: Path) -> None:
    root = write_app(tmp_path / "app", SOURCE, host_json=HOST, settings=SETTINGS)
    document = load_app_metadata(root, environ=clean_environ()).document
    moved = dict(document, scriptRoot=str(tmp_path / "elsewhere"))  # indexed on another machine
    path = tmp_path / "app.json"
    path.write_text(json.dumps(moved), encoding="utf-8")
    environ = clean_environ() | {k: v for k, v in SETTINGS.items() if k != "Rabbit"}  # set here, except Rabbit
    with pytest.raises(ConnectionSettingError, match="Function 'jobs'.*app setting 'Rabbit' is not set"):
        load_app_metadata(path, environ=environ)


def test_indexing_errors_and_bad_sources_are_reported(tmp_path: Path) -> None:
    broken = write_app(tmp_path / "broken", "import azure.functions as func\napp = func.FunctionApp(\n")
    with pytest.raises(AppMetadataError, match=r"indexing .*broken failed \(exit code 2\).*function_app\.py"):
        load_app_metadata(broken, environ=clean_environ())
    with pytest.raises(AppMetadataError, match="neither a project folder nor a metadata file"):
        load_app_metadata(tmp_path / "nothing")
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(AppMetadataError, match="bad.json: invalid JSON"):
        load_app_metadata(bad)
    old = tmp_path / "old.json"  # a document written before `scale` existed
    doc = {"functions": [{"name": "q", "bindings": [{"type": "queueTrigger", "name": "m", "queueName": "orders"}]}]}
    old.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(AppMetadataError, match="'q' .* has no 'scale' entry. Fix: regenerate"):
        load_app_metadata(old, environ={"AzureWebJobsStorage": "UseDevelopmentStorage=true"})


def test_the_default_queue_target_is_the_host_concurrency(tmp_path: Path) -> None:
    root = write_app(tmp_path / "app", SOURCE, settings=SETTINGS)  # default host.json
    app = load_app_metadata(root, environ=clean_environ(), python=sys.executable)
    orders = next(f for f in app.event_functions if f.name == "orders")
    assert orders.scale.target == QueuesOptions.from_section({}).concurrency  # 16 + 8 × CPUs, as Azure
    assert orders.scale.source == "concurrency"


def test_a_disabled_event_function_is_listed_but_not_scaled(tmp_path: Path) -> None:
    """AzureWebJobs.<name>.Disabled (funchost/metadata/disabled.py): the controller does not scale on a trigger
    that does not run."""
    root = write_app(
        tmp_path / "app", SOURCE, host_json=HOST, settings={**SETTINGS, "AzureWebJobs.jobs.Disabled": "true"}
    )
    app = load_app_metadata(root, environ=clean_environ())
    assert "jobs" in [f.name for f in app.functions]
    assert next(f for f in app.functions if f.name == "jobs").disabled_by == "app setting AzureWebJobs.jobs.Disabled"
    assert "jobs" not in [f.name for f in app.event_functions]
    assert "orders" in [f.name for f in app.event_functions]
