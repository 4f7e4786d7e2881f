"""Tests for ``funchost new`` / ``funchost templates`` (funchost.scaffold.functions): generated apps index correctly."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from funchost.errors import ConfigurationError, SettingsError
from funchost.scaffold.catalog import TEMPLATES, find_template
from funchost.scaffold.functions import list_templates, new_function
from funchost.scaffold.project import init_project
from funchost.scaffold.resources import template_path

IndexApp = Callable[..., dict[str, dict[str, Any]]]

TEMPLATE_NAMES = [
    "Blob input binding",
    "Blob output binding",
    "Blob trigger",
    "HTTP trigger",
    "Kafka trigger",
    "Queue trigger",
    "RabbitMQ trigger",
    "ServiceBus Queue trigger",
    "ServiceBus Topic trigger",
    "Timer Trigger",
    "Warmup trigger",
]

# template → (trigger type, fields of the trigger binding, settings added to a fresh project's local.settings.json)
EXPECTED: dict[str, tuple[str, dict[str, Any], dict[str, str]]] = {
    "blob-input": ("httpTrigger", {"name": "req", "authLevel": "FUNCTION", "route": "files/{name}"}, {}),
    "blob-output": ("httpTrigger", {"name": "req", "authLevel": "FUNCTION", "route": "upload/{name}"}, {}),
    "blob": (
        "blobTrigger",
        {"name": "blob", "path": "samples-workitems/{name}", "connection": "AzureWebJobsStorage"},
        {},
    ),
    "http": ("httpTrigger", {"name": "req", "authLevel": "FUNCTION", "route": "fn"}, {}),
    "kafka": (
        "kafkaTrigger",
        {"name": "kevent", "topic": "mytopic", "brokerList": "KafkaBrokerList", "consumerGroup": "$Default"},
        {"KafkaBrokerList": "127.0.0.1:19092"},
    ),
    "queue": ("queueTrigger", {"name": "msg", "queueName": "myqueue-items", "connection": "AzureWebJobsStorage"}, {}),
    "rabbitmq": (
        "rabbitMQTrigger",
        {"name": "msg", "queueName": "myqueue", "connectionStringSetting": "RabbitMQConnection"},
        {"RabbitMQConnection": "amqp://guest:guest@127.0.0.1:5672/"},
    ),
    "servicebus-queue": (
        "serviceBusTrigger",
        {"name": "msg", "queueName": "myqueue", "connection": "ServiceBusConnection"},
        {"ServiceBusConnection": ""},
    ),
    "servicebus-topic": (
        "serviceBusTrigger",
        {
            "name": "msg",
            "topicName": "mytopic",
            "subscriptionName": "mysubscription",
            "connection": "ServiceBusConnection",
        },
        {"ServiceBusConnection": ""},
    ),
    "timer": ("timerTrigger", {"name": "timer", "schedule": "0 */5 * * * *", "runOnStartup": False}, {}),
    "warmup": ("warmupTrigger", {"name": "warmup"}, {}),
}


def _trigger(function: dict[str, Any]) -> dict[str, Any]:
    (binding,) = [b for b in function["bindings"] if b["type"] == function["trigger"]]
    assert isinstance(binding, dict)
    return binding


def _values(project: Path) -> dict[str, str]:
    values: dict[str, str] = json.loads((project / "local.settings.json").read_text(encoding="utf-8"))["Values"]
    return values


@pytest.fixture
def project(tmp_path: Path) -> Path:
    init_project(tmp_path, docker=False)
    return tmp_path


# --- the catalogue ---------------------------------------------------------------------------------------------


def test_registry_is_alphabetised() -> None:
    assert list(TEMPLATES) == sorted(TEMPLATES, key=str.casefold)


def test_list_templates_gives_every_template_by_name() -> None:
    assert [info.name for info in list_templates()] == TEMPLATE_NAMES


@pytest.mark.parametrize("info", list_templates(), ids=lambda info: info.name)
def test_every_template_has_its_code_file_and_documented_params(info: Any) -> None:
    assert template_path(info.file).is_file()
    assert info.file.startswith("functions/") and info.file.endswith(".py.tmpl")
    assert info.description
    assert all(param.help for param in info.params)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("HTTP trigger", "HTTP trigger"),
        ("http trigger", "HTTP trigger"),
        ("http", "HTTP trigger"),
        ("HTTP", "HTTP trigger"),
        ("timer", "Timer Trigger"),
        ("timer trigger", "Timer Trigger"),
        ("queue", "Queue trigger"),
        ("servicebus-queue", "ServiceBus Queue trigger"),
        ("ServiceBus Queue Trigger", "ServiceBus Queue trigger"),
        ("servicebus-topic", "ServiceBus Topic trigger"),
        ("kafka", "Kafka trigger"),
        ("Kafka Trigger", "Kafka trigger"),
        ("rabbitmq", "RabbitMQ trigger"),
        ("blob-input", "Blob input binding"),
        ("Blob Output Binding", "Blob output binding"),
        ("RABBITMQ TRIGGER", "RabbitMQ trigger"),
    ],
)
def test_find_template_ignores_case_and_accepts_aliases(given: str, expected: str) -> None:
    assert find_template(given).name == expected


def test_unknown_template_lists_every_template(project: Path) -> None:
    with pytest.raises(ConfigurationError) as raised:
        new_function(project, "EventHub trigger", "fn")

    message = str(raised.value)
    assert "Unknown function template 'EventHub trigger'" in message
    for name in TEMPLATE_NAMES:
        assert f'"{name}"' in message
    assert "funchost templates" in message


# --- generated functions index as a real Azure Functions app ------------------------------------------------------


@pytest.mark.parametrize("template", list(EXPECTED))
def test_each_template_adds_an_indexable_function(project: Path, index_app: IndexApp, template: str) -> None:
    trigger, fields, settings = EXPECTED[template]

    result = new_function(project, template, "fn")

    functions = index_app(project)
    assert list(functions) == ["fn"]
    assert functions["fn"]["trigger"] == trigger
    assert fields.items() <= _trigger(functions["fn"]).items()
    assert result.function_name == "fn"
    assert result.template is find_template(template)
    assert result.app_file == project / "function_app.py"
    assert result.settings_added == settings
    assert settings.items() <= _values(project).items()


@pytest.mark.parametrize(
    ("template", "params", "fields", "settings"),
    [
        (
            "queue",
            {"queue_name": "orders", "connection": "OrdersStorage"},
            {"queueName": "orders", "connection": "OrdersStorage"},
            {"OrdersStorage": "UseDevelopmentStorage=true"},
        ),
        (
            "http",
            {"route": "greet/{who}", "auth_level": "anonymous"},
            {"route": "greet/{who}", "authLevel": "ANONYMOUS"},
            {},
        ),
        (
            "kafka",
            {"topic": "clicks", "brokerList": "Brokers", "consumer-group": "clickers"},
            {"topic": "clicks", "brokerList": "Brokers", "consumerGroup": "clickers"},
            {"Brokers": "127.0.0.1:19092"},
        ),
        ("timer", {"schedule": "*/30 * * * * *"}, {"schedule": "*/30 * * * * *"}, {}),
        (
            "servicebus-topic",
            {"topic_name": 'we"ird\\name'},
            {"topicName": 'we"ird\\name'},
            {"ServiceBusConnection": ""},
        ),
    ],
)
def test_template_parameters_reach_the_binding(
    project: Path,
    index_app: IndexApp,
    template: str,
    params: dict[str, str],
    fields: dict[str, Any],
    settings: dict[str, str],
) -> None:
    result = new_function(project, template, "fn", params)

    assert fields.items() <= _trigger(index_app(project)["fn"]).items()
    assert result.settings_added == settings


def test_two_functions_in_one_app(project: Path, index_app: IndexApp) -> None:
    new_function(project, "HTTP trigger", "hello")
    new_function(project, "Queue trigger", "process_orders", {"queue_name": "orders"})

    functions = index_app(project)

    assert sorted(functions) == ["hello", "process_orders"]
    assert functions["hello"]["trigger"] == "httpTrigger"
    assert _trigger(functions["process_orders"])["queueName"] == "orders"


def test_every_template_in_one_app_is_lint_clean(project: Path, index_app: IndexApp) -> None:
    for template in EXPECTED:
        new_function(project, template, template.replace("-", "_") + "_fn")

    assert len(index_app(project)) == len(EXPECTED)
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "E,F,W,I", "function_app.py"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout


def test_uses_the_files_own_app_variable_and_module_alias(tmp_path: Path, index_app: IndexApp) -> None:
    (tmp_path / "function_app.py").write_text(
        "import logging\n\nimport azure.functions as af\n\n"
        "my_app = af.FunctionApp(http_auth_level=af.AuthLevel.ADMIN)\n",
        encoding="utf-8",
    )

    new_function(tmp_path, "http", "hello", {"auth_level": "function"})

    text = (tmp_path / "function_app.py").read_text(encoding="utf-8")
    assert "@my_app.route(" in text and "req: af.HttpRequest" in text
    assert "func." not in text
    assert _trigger(index_app(tmp_path, "my_app")["hello"])["authLevel"] == "FUNCTION"


def test_adds_the_imports_the_function_needs(tmp_path: Path, index_app: IndexApp) -> None:
    (tmp_path / "function_app.py").write_text(
        '"""My app."""\n\nfrom azure.functions import FunctionApp\n\napp = FunctionApp()\n', encoding="utf-8"
    )

    new_function(tmp_path, "queue", "work")

    text = (tmp_path / "function_app.py").read_text(encoding="utf-8")
    assert text.startswith('"""My app."""\n\nimport logging\nimport azure.functions as func\n\nfrom azure.functions')
    assert index_app(tmp_path)["work"]["trigger"] == "queueTrigger"


def test_appends_after_a_file_without_final_newline(tmp_path: Path, index_app: IndexApp) -> None:
    (tmp_path / "function_app.py").write_text(
        "import logging\nimport azure.functions as func\napp = func.FunctionApp()", encoding="utf-8"
    )

    new_function(tmp_path, "timer", "tick")

    assert "app = func.FunctionApp()\n\n\n@app.timer_trigger(" in (tmp_path / "function_app.py").read_text("utf-8")
    assert index_app(tmp_path)["tick"]["trigger"] == "timerTrigger"


# --- app settings -------------------------------------------------------------------------------------------------


def test_existing_settings_are_kept_and_not_added_again(project: Path) -> None:
    settings_file = project / "local.settings.json"
    data = json.loads(settings_file.read_text(encoding="utf-8"))
    data["Values"]["KafkaBrokerList"] = "kafka:9092"
    settings_file.write_text(json.dumps(data), encoding="utf-8")

    first = new_function(project, "kafka", "one")
    second = new_function(project, "rabbitmq", "two")
    third = new_function(project, "rabbitmq", "three")

    assert first.settings_added == {}
    assert second.settings_added == {"RabbitMQConnection": "amqp://guest:guest@127.0.0.1:5672/"}
    assert third.settings_added == {}
    assert _values(project)["KafkaBrokerList"] == "kafka:9092"


def test_empty_placeholder_comes_with_a_note(project: Path) -> None:
    result = new_function(project, "servicebus-queue", "sb")

    assert result.settings_added == {"ServiceBusConnection": ""}
    (note,) = result.notes
    assert "ServiceBusConnection" in note and "Service Bus namespace connection string" in note


def test_missing_local_settings_gives_a_note(project: Path, index_app: IndexApp) -> None:
    (project / "local.settings.json").unlink()

    result = new_function(project, "kafka", "events")

    assert result.settings_added == {}
    (note,) = result.notes
    assert "does not exist" in note and "KafkaBrokerList" in note
    assert not (project / "local.settings.json").exists()
    assert "events" in index_app(project)


def test_settings_needed_by_no_template_leave_the_file_alone(project: Path) -> None:
    before = (project / "local.settings.json").read_bytes()

    result = new_function(project, "http", "hello")

    assert result.settings_added == {} and result.notes == ()
    assert (project / "local.settings.json").read_bytes() == before


# --- errors: each names the problem and changes nothing -----------------------------------------------------------


def _assert_unchanged(project: Path, run: Callable[[], object], error: type[Exception], *fragments: str) -> None:
    before = {path.name: path.read_bytes() for path in project.iterdir()}
    with pytest.raises(error) as raised:
        run()
    for fragment in fragments:
        assert fragment in str(raised.value)
    assert {path.name: path.read_bytes() for path in project.iterdir()} == before


def test_no_function_app_says_to_run_init(tmp_path: Path) -> None:
    _assert_unchanged(
        tmp_path,
        lambda: new_function(tmp_path, "http", "hello"),
        ConfigurationError,
        "No function_app.py in",
        "funchost init",
    )


@pytest.mark.parametrize("existing", ["hello", "Hello", "HELLO"])
def test_duplicate_function_name(project: Path, existing: str) -> None:
    new_function(project, "http", "hello")

    _assert_unchanged(
        project,
        lambda: new_function(project, "timer", existing),
        ConfigurationError,
        f"A function named '{existing}' already exists",
    )


def test_duplicate_of_a_function_name_decorator(project: Path) -> None:
    with (project / "function_app.py").open("a", encoding="utf-8") as handle:
        handle.write(
            '\n\n@app.function_name(name="ProcessOrders")\n@app.route(route="x")\n'
            "def handler(req: func.HttpRequest) -> str:\n    return 'x'\n"
        )

    _assert_unchanged(
        project,
        lambda: new_function(project, "queue", "processorders"),
        ConfigurationError,
        "A function named 'processorders' already exists",
    )


@pytest.mark.parametrize("taken", ["app", "func", "logging"])
def test_name_already_used_by_the_module(project: Path, taken: str) -> None:
    _assert_unchanged(
        project,
        lambda: new_function(project, "http", taken),
        ConfigurationError,
        f"The name '{taken}' is already used",
    )


@pytest.mark.parametrize("name", ["", "1st", "my-function", "my function", "class", "_private", "héllo", "a" * 129])
def test_invalid_function_name(project: Path, name: str) -> None:
    _assert_unchanged(
        project,
        lambda: new_function(project, "http", name),
        ConfigurationError,
        f"{name!r} is not a valid function name",
        "Python identifier",
    )


@pytest.mark.parametrize(
    ("template", "params", "fragments"),
    [
        ("queue", {"queue": "x"}, ["has no parameter 'queue'", "queue_name, connection"]),
        ("http", {"auth_level": "public"}, ["'auth_level'", "ANONYMOUS, FUNCTION, ADMIN"]),
        ("kafka", {"topic": "  "}, ["'topic'", "is empty"]),
    ],
)
def test_bad_template_parameter(project: Path, template: str, params: dict[str, str], fragments: list[str]) -> None:
    _assert_unchanged(project, lambda: new_function(project, template, "fn", params), ConfigurationError, *fragments)


def test_function_app_with_a_syntax_error(project: Path) -> None:
    (project / "function_app.py").write_text("app = (\n", encoding="utf-8")

    _assert_unchanged(
        project, lambda: new_function(project, "http", "hello"), ConfigurationError, "syntax error at line 1"
    )


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "is not valid JSON"),
        ('["a"]', "the top level must be a JSON object"),
        ('{"IsEncrypted": true, "Values": {"A": "xyz"}}', "is encrypted"),
    ],
)
def test_unusable_local_settings(project: Path, content: str, fragment: str) -> None:
    (project / "local.settings.json").write_text(content, encoding="utf-8")

    _assert_unchanged(project, lambda: new_function(project, "kafka", "events"), SettingsError, fragment)
