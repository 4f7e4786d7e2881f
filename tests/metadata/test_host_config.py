"""host.json: defaults, validation with positions, and AzureFunctionsJobHost__* overrides."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from funchost.errors import HostJsonError
from funchost.metadata.host_config import load_host_config


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "host.json").write_text(text, encoding="utf-8")
    return tmp_path


def test_defaults_without_host_json(tmp_path: Path) -> None:
    config = load_host_config(tmp_path, env={})
    assert config.function_timeout == 1800 and config.route_prefix == "api" and config.functions is None
    assert config.max_request_body_size == 100 * 1024 * 1024
    assert config.log_level_for("Function.x") == logging.INFO


def test_values_are_read(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        '{"version": "2.0", "functionTimeout": "00:00:05", "functions": ["a"],'
        ' "extensions": {"http": {"routePrefix": ""}, "queues": {"batchSize": 8}},'
        ' "logging": {"logLevel": {"default": "Warning", "Function.a": "Debug", "Function.a.User": "Error"}}}',
    )
    config = load_host_config(root, env={})
    assert config.function_timeout == 5 and config.route_prefix == "" and config.functions == ("a",)
    assert config.extension("Queues") == {"batchSize": 8}
    assert config.log_level_for("Function.a") == logging.DEBUG
    assert config.log_level_for("Function.a.User") == logging.ERROR
    assert config.log_level_for("Host.Results") == logging.WARNING


def test_unlimited_timeout(tmp_path: Path) -> None:
    assert (
        load_host_config(write(tmp_path, '{"version": "2.0", "functionTimeout": "-1"}'), env={}).function_timeout
        is None
    )


@pytest.mark.parametrize(("value", "seconds"), [("00:05", 300), ("00:00:01.5", 1.5), ("1", 86400)])
def test_function_timeout_is_a_dotnet_timespan_as_timer_schedules(tmp_path: Path, value: str, seconds: float) -> None:
    text = f'{{"version": "2.0", "functionTimeout": "{value}"}}'  # hh:mm, fractions, a bare number of days
    assert load_host_config(write(tmp_path, text), env={}).function_timeout == seconds


def test_env_overrides_nested_keys_case_insensitively_and_lists(tmp_path: Path) -> None:
    root = write(tmp_path, '{"version": "2.0", "extensions": {"http": {"routePrefix": "api"}}}')
    env = {
        "AzureFunctionsJobHost__extensions__HTTP__routeprefix": "v1",
        "AzureFunctionsJobHost__functionTimeout": "00:02:00",
        "AzureFunctionsJobHost__functions__1": "b",
        "AzureFunctionsJobHost__functions__0": "a",
    }
    config = load_host_config(root, env=env)
    assert config.route_prefix == "v1" and config.function_timeout == 120 and config.functions == ("a", "b")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"version": "2.0",\n  "functionTimeout": "00:05:00",,\n}', "line 2, column 33"),
        ('{"version": "1.0"}', "'version' is \"1.0\""),
        ("{}", "'version' is null"),
        ('{"version": "2.0", "functionTimeout": "five minutes"}', "functionTimeout 'five minutes' is not a TimeSpan"),
        ('{"version": "2.0", "functionTimeout": "00:00:00"}', "below the minimum"),
        ('{"version": "2.0", "functions": "a"}', "'functions' must be an array of strings, not a string"),
        ('{"version": "2.0", "functions": ["a", 1]}', "'functions[1]' must be a string, not a number"),
        ('{"version": "2.0", "logging": {"logLevel": {"default": "Loud"}}}', "logging.logLevel.default is 'Loud'"),
        ('{"version": "2.0", "extensions": {"http": {"routePrefix": 5}}}', "'extensions.http.routePrefix' must be a"),
        ('{"version": "2.0", "extensions": "http"}', "'extensions' must be an object, not a string (\"http\")"),
        ('{"version": "2.0", "extensions": {"http": [1]}}', "'extensions.http' must be an object, not an array"),
        ('{"version": "2.0", "Extensions": {"Queues": {"batchSize": {}}}}', "'Extensions.Queues.batchSize' must be"),
        ('{"version": "2.0", "extensions": {"durableTask": 1}}', "'extensions.durableTask' must be an object"),
        ('{"version": "2.0", "logging": "Debug"}', "'logging' must be an object, not a string (\"Debug\")"),
        ('{"version": "2.0", "logging": {"logLevel": ["Debug"]}}', "'logging.logLevel' must be an object"),
        ('{"version": "2.0", "logging": {"logLevel": {"default": {}}}}', "'logging.logLevel.default' must be"),
        ('{"version": "2.0", "singleton": "x"}', "'singleton' must be an object"),
        ('{"version": "2.0", "scale": {"functions": {"f": 3}}}', "'scale.functions.f' must be an object"),
        ('{"version": {"v": 2}}', "'version' must be a string, a number or true/false"),
        ('{"version": "2.0", "functionTimeout": Infinity}', "line 1 has Infinity"),
        ("[1]", "must be a JSON object"),
    ],
)
def test_invalid_host_json_names_the_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(HostJsonError) as info:
        load_host_config(write(tmp_path, text), env={})
    assert message in str(info.value) and "host.json" in str(info.value)


def test_a_wrong_shape_says_what_to_write(tmp_path: Path) -> None:
    with pytest.raises(HostJsonError) as info:
        load_host_config(write(tmp_path, '{"version": "2.0", "extensions": {"queues": [16]}}'), env={})
    assert str(info.value).endswith('Fix: write it as {"batchSize": 16}')


def test_unknown_keys_and_nulls_are_left_alone(tmp_path: Path) -> None:
    text = '{"version": "2.0", "logging": null, "myOwnSection": [1, {"x": []}], "extensions": {"http": null}}'
    config = load_host_config(write(tmp_path, text), env={})
    assert config.route_prefix == "api" and config.log_level_for("Host") == logging.INFO


def test_an_environment_override_with_the_wrong_shape_names_the_environment(tmp_path: Path) -> None:
    with pytest.raises(HostJsonError) as info:
        load_host_config(write(tmp_path, '{"version": "2.0"}'), env={"AzureFunctionsJobHost__logging": "Debug"})
    assert "AzureFunctionsJobHost__* environment variables" in str(info.value)
    assert "'logging' must be an object" in str(info.value)


def test_comments_and_trailing_commas_are_accepted_as_azure_does(tmp_path: Path) -> None:
    text = '{\n  "version": "2.0", // schema\n  "extensions": {"http": {"routePrefix": "v1",},},\n}'
    assert load_host_config(write(tmp_path, text), env={}).route_prefix == "v1"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda root: (root / "host.json").mkdir(), "host.json is a folder, not a file"),
        (lambda root: (root / "host.json").write_bytes(b'{"version": "\xff"}'), "host.json is not UTF-8 text"),
        (lambda root: (root / "host.json").write_text("[" * 100 + "]" * 100), "more than 64 levels deep"),
    ],
    ids=["folder", "not-utf8", "too-deep"],
)
def test_unreadable_host_json_is_reported(tmp_path: Path, make: Callable[[Path], object], message: str) -> None:
    make(tmp_path)
    with pytest.raises(HostJsonError, match=message):
        load_host_config(tmp_path, env={})
