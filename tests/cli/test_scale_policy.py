"""The scale-policy options shared by `funchost up` and `funchost scale run`: the same types in both (whole replicas
and stabilization seconds, fractional polling and cooldown seconds), their own defaults, and one error naming the
options when the values do not make a policy."""

from __future__ import annotations

import argparse

import pytest

from funchost.cli.main import build_parser
from funchost.cli.scale_policy import policy_from_args
from funchost.errors import ConfigurationError

UP = ["up"]
RUN = ["scale", "run", "--target", "kubernetes", "--deployment", "d"]


def parse(command: list[str], *options: str) -> argparse.Namespace:
    return build_parser().parse_args([*command, *options])


@pytest.mark.parametrize("command", [UP, RUN], ids=["up", "scale-run"])
def test_both_commands_take_the_same_types(command: list[str]) -> None:
    options = ["--max-replicas", "4", "--polling-interval", "0.5", "--cooldown-period", "2.5"]
    args = parse(command, *options, "--stabilization-window", "7")
    policy = policy_from_args(args)
    assert (args.polling_interval, policy.max_replicas, policy.cooldown_period) == (0.5, 4, 2.5)
    assert policy.scale_down.stabilization_window_seconds == 7


def test_defaults_stay_each_commands_own() -> None:
    up, run = parse(UP), parse(RUN)
    assert (up.min_replicas, up.max_replicas, up.polling_interval) == (None, 10, 1.0)
    assert (run.min_replicas, run.max_replicas, run.polling_interval) == (0, 100, 30.0)
    assert policy_from_args(up, min_replicas=1).min_replicas == 1  # up: 1 when the app has HTTP functions
    assert policy_from_args(run).scale_down.stabilization_window_seconds == 300  # HPA's default


@pytest.mark.parametrize("command", [UP, RUN], ids=["up", "scale-run"])
@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--min-replicas", "1.5", "not a whole number of 0 or more"),
        ("--max-replicas", "-1", "not a whole number of 0 or more"),
        ("--polling-interval", "0", "not a number of seconds above 0"),
        ("--cooldown-period", "-3", "not a number of seconds"),
        ("--stabilization-window", "x", "not a whole number of 0 or more"),
    ],
)
def test_bad_values_are_argparse_errors_naming_the_option(
    command: list[str], option: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse(command, option, value)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert option in err and message in err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--min-replicas", "5", "--max-replicas", "2"], "maxReplicaCount"),
        (["--stabilization-window", "4000"], "stabilizationWindowSeconds 4000 is out of range"),
    ],
)
def test_values_that_make_no_policy_name_the_options(options: list[str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=f"{message}.*Fix: correct --min-replicas / --max-replicas"):
        policy_from_args(parse(RUN, *options))
