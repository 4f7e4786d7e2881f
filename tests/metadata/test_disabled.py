"""Which functions are disabled (funchost/metadata/disabled.py): Azure's app setting, function.json's forms, and
a value that is not a boolean refused naming the setting."""

from __future__ import annotations

import pytest

from funchost.errors import ConfigurationError
from funchost.metadata.disabled import is_disabled


@pytest.mark.parametrize("value", ["true", "True", " TRUE ", "1"])
def test_the_app_setting_disables(value: str) -> None:
    assert (
        is_disabled("Orders", False, {"AzureWebJobs.Orders.Disabled": value})
        == "app setting AzureWebJobs.Orders.Disabled"
    )


@pytest.mark.parametrize("env", [{}, {"AzureWebJobs.Orders.Disabled": "false"}, {"AzureWebJobs.Orders.Disabled": "0"}])
def test_unset_or_false_runs(env: dict[str, str]) -> None:
    assert is_disabled("Orders", False, env) is None


def test_setting_names_are_case_insensitive_and_an_exact_match_wins() -> None:
    assert is_disabled("Orders", False, {"azurewebjobs.orders.disabled": "true"}) is not None
    env = {"AzureWebJobs.Orders.Disabled": "false", "AZUREWEBJOBS.ORDERS.DISABLED": "true"}
    assert is_disabled("Orders", False, env) is None


def test_function_json_true_or_a_setting_that_is_true() -> None:
    assert is_disabled("f", True, {}) == 'function.json "disabled": true'
    assert is_disabled("f", "IS_OFF", {"IS_OFF": "1"}) is not None
    assert is_disabled("f", "IS_OFF", {"IS_OFF": "false"}) is None
    assert is_disabled("f", "IS_OFF", {}) is None
    assert is_disabled("f", True, {"AzureWebJobs.f.Disabled": "false"}) is not None  # either one disables


@pytest.mark.parametrize("value", ["yes", "on", "disabled"])
def test_a_value_that_is_not_a_boolean_is_refused_with_the_fix(value: str) -> None:
    with pytest.raises(ConfigurationError, match=r"AzureWebJobs.f.Disabled is .*expected true or false.*Fix:"):
        is_disabled("f", False, {"AzureWebJobs.f.Disabled": value})
