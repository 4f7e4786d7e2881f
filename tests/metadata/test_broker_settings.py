"""RabbitMQ connection resolution as the extension does it (Utility.ResolveConnectionString): the binding's
connectionStringSetting, else RabbitMQOptions.ConnectionString — host.json extensions.rabbitMQ.connectionString (or
its AzureFunctionsJobHost__ override) over the WebJobs connection string AzureWebJobsRabbitMQ."""

from __future__ import annotations

from pathlib import Path

import pytest

from funchost.errors import ConnectionSettingError, FunctionDefinitionError
from funchost.metadata.app_loader import load_app
from funchost.metadata.broker_settings import RabbitMQSettings, host_json_settings
from tests.support.apps import write_app

SOURCE = """
import azure.functions as func
app = func.FunctionApp()

@app.generic_trigger(arg_name="body", type="rabbitMQTrigger", queue_name="jobs"{extra})
def jobs(body: str) -> None:
    pass
"""


def settings_of(root: Path) -> RabbitMQSettings:
    found = load_app(root, apply_settings=False, strict=True).settings["jobs"]["body"]
    assert isinstance(found, RabbitMQSettings)
    return found


def test_without_connection_string_setting_host_json_is_used(tmp_path: Path) -> None:
    host = {"version": "2.0", "extensions": {"rabbitMQ": {"connectionString": "amqp://u:p@broker:5672/"}}}
    got = settings_of(write_app(tmp_path, SOURCE.format(extra=""), host_json=host))
    assert got.url == "amqp://u:p@broker:5672/"
    assert got.connection_setting == "AzureFunctionsJobHost__extensions__rabbitMQ__connectionString"


def test_the_binding_setting_wins_and_a_missing_one_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    host = {"version": "2.0", "extensions": {"rabbitMQ": {"connectionString": "amqp://from-host-json/"}}}
    monkeypatch.setenv("Rabbit", "amqp://from-setting/")
    root = write_app(tmp_path / "a", SOURCE.format(extra=', connection_string_setting="Rabbit"'), host_json=host)
    assert settings_of(root).url == "amqp://from-setting/"
    monkeypatch.delenv("Rabbit")
    assert settings_of(root).url == "amqp://from-host-json/"  # the extension falls back when the setting is empty


def test_the_webjobs_connection_string_is_the_last_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AzureWebJobsRabbitMQ", "amqp://webjobs/")
    got = settings_of(write_app(tmp_path, SOURCE.format(extra="")))
    assert (got.url, got.connection_setting) == ("amqp://webjobs/", "AzureWebJobsRabbitMQ")


def test_nothing_anywhere_names_both_places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AzureWebJobsRabbitMQ", raising=False)
    with pytest.raises(FunctionDefinitionError) as caught:
        settings_of(write_app(tmp_path / "none", SOURCE.format(extra="")))
    assert "connectionStringSetting" in str(caught.value) and "extensions.rabbitMQ.connectionString" in str(
        caught.value
    )
    with pytest.raises(ConnectionSettingError, match="app setting 'Missing' is not set"):
        settings_of(write_app(tmp_path / "named", SOURCE.format(extra=', connection_string_setting="Missing"')))


def test_host_json_settings_reads_the_section_case_insensitively() -> None:
    assert host_json_settings({"RabbitMQ": {"ConnectionString": "amqp://x/"}}) == {
        "AzureFunctionsJobHost__extensions__rabbitMQ__connectionString": "amqp://x/"
    }
    assert host_json_settings({"rabbitMQ": {"prefetchCount": 5}}) == {}
