"""The one boolean parser (funchost/metadata/booleans.py): what Json.NET / bool.Parse accept binds, anything else
fails naming the function, binding and property (or the file and key) — never silently false."""

from __future__ import annotations

from typing import Any

import pytest

from funchost.errors import ConfigurationError, FunctionDefinitionError, HostJsonError, SettingsError
from funchost.metadata.booleans import env_flag, parse_bool, strict_bool
from funchost.metadata.broker_settings import parse_rabbitmq, parse_service_bus
from funchost.metadata.extension_options import KafkaOptions
from funchost.metadata.function_errors import strict_requested
from funchost.metadata.spec import BindingSpec


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("true", True), ("False", False), (" TRUE ", True), ("fAlSe", False)]
    + [("yes", None), ("1", None), ("on", None), ("", None), (1, None), (0, None), (None, None), ("t", None)],
)
def test_json_booleans_and_bool_parse_strings_only(value: Any, expected: bool | None) -> None:
    assert strict_bool(value) is expected


def service_bus(**properties: Any) -> BindingSpec:
    raw = {"name": "msg", "type": "serviceBusTrigger", "queueName": "orders", "connection": "SB"} | properties
    return BindingSpec.from_dict(raw)


ENV = {"SB": "Endpoint=sb://127.0.0.1/;SharedAccessKeyName=k;SharedAccessKey=a2V5"}


def test_is_sessions_enabled_yes_fails_naming_function_binding_and_property() -> None:
    with pytest.raises(FunctionDefinitionError) as info:
        parse_service_bus(service_bus(isSessionsEnabled="yes"), "orders_fn", ENV)
    text = str(info.value)
    assert text.startswith("Function 'orders_fn': binding 'msg' property 'isSessionsEnabled' is 'yes', not true/false")
    assert "Fix: set isSessionsEnabled to true or false" in text


def test_service_bus_flags_bind_strings_and_booleans_and_keep_their_defaults() -> None:
    parsed = parse_service_bus(service_bus(isSessionsEnabled="True", autoCompleteMessages=False), "f", ENV)
    assert parsed.is_sessions_enabled is True and parsed.auto_complete_messages is False
    defaults = parse_service_bus(service_bus(), "f", ENV)
    assert defaults.is_sessions_enabled is False and defaults.auto_complete_messages is True
    with pytest.raises(FunctionDefinitionError, match="'autoCompleteMessages' is 'no'"):  # used to read as true
        parse_service_bus(service_bus(autoCompleteMessages="no"), "f", ENV)


def test_rabbitmq_disable_certificate_validation_is_strict() -> None:
    raw = {"name": "m", "type": "rabbitMQTrigger", "queueName": "q", "connectionStringSetting": "R"}
    env = {"R": "amqp://127.0.0.1"}
    assert parse_rabbitmq(
        BindingSpec.from_dict(raw | {"disableCertificateValidation": "TRUE"}), "f", env
    ).disable_certificate_validation
    with pytest.raises(FunctionDefinitionError, match="'disableCertificateValidation' is 'yes'"):
        parse_rabbitmq(BindingSpec.from_dict(raw | {"disableCertificateValidation": "yes"}), "f", env)


def test_host_json_and_settings_flags_name_the_file_and_key() -> None:
    assert KafkaOptions.from_section({"commitOnFailure": "TRUE"}).commit_on_failure is True
    with pytest.raises(HostJsonError, match=r"host.json: extensions.kafka.commitOnFailure is 'yes'; expected true"):
        KafkaOptions.from_section({"commitOnFailure": "yes"})
    with pytest.raises(SettingsError, match=r"^local.settings.json: IsEncrypted is 1; expected true or false"):
        parse_bool(1, "local.settings.json", "IsEncrypted", SettingsError)


@pytest.mark.parametrize(("value", "on"), [("1", True), ("TRUE", True), ("yes", True), ("", False), ("0", False)])
def test_env_flags_take_the_documented_words(value: str, on: bool) -> None:
    assert env_flag({"FUNCHOST_STRICT": value}, "FUNCHOST_STRICT") is on
    assert strict_requested({"FUNCHOST_STRICT": value}) is on
    assert strict_requested({}) is False


def test_an_env_flag_with_another_word_fails_naming_it() -> None:
    with pytest.raises(ConfigurationError, match=r"the setting FUNCHOST_STRICT is 'on'; expected true or false"):
        strict_requested({"FUNCHOST_STRICT": "on"})
