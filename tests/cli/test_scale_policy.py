"""The scale-policy options shared by `funchost up`, `funchost scale run` and `funchost scale replay`: the same types
in all (whole replicas, stabilization and scale-up seconds, fractional polling and cooldown seconds, a headroom
fraction), each command's own defaults (`up` and `replay` start from LOCAL, `scale run` from KEDA), and one error
naming the options when the values do not make a policy."""

from __future__ import annotations

import argparse

import pytest

from funchost.cli.main import build_parser
from funchost.cli.scale_policy import policy_from_args
from funchost.errors import ConfigurationError
from scale_controller.hpa_rules import DEFAULT_SCALE_UP, Rate, Rules
from scale_controller.policy import LOCAL

UP = ["up"]
RUN = ["scale", "run", "--target", "kubernetes", "--deployment", "d"]
REPLAY = ["scale", "replay", "trace.csv"]


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


def test_up_and_replay_start_from_the_local_defaults_scale_run_from_keda() -> None:
    assert policy_from_args(parse(UP)) == LOCAL.policy(max_replicas=10)
    assert policy_from_args(parse(REPLAY)) == LOCAL.policy(max_replicas=100)
    run = policy_from_args(parse(RUN))
    assert (run.scale_up, run.cooldown_period, run.scale_in_headroom) == (DEFAULT_SCALE_UP, 300.0, 0.0)
    assert LOCAL.scale_up == Rules(0, (Rate("Pods", 4, 1),)) and LOCAL.scale_in_headroom == 0.25


@pytest.mark.parametrize(
    ("command", "options", "rate"),
    [
        (UP, ["--scale-up-pods", "8"], Rate("Pods", 8, 1)),  # the period stays up's 1 s
        (RUN, ["--scale-up-pods", "8"], Rate("Pods", 8, 15)),  # ... and run's 15 s
        (RUN, ["--scale-up-period", "5"], Rate("Pods", 4, 5)),
        (UP, ["--scale-up-pods", "2", "--scale-up-period", "30"], Rate("Pods", 2, 30)),
    ],
)
def test_scale_up_options_make_one_pods_policy(command: list[str], options: list[str], rate: Rate) -> None:
    assert policy_from_args(parse(command, *options)).scale_up == Rules(0, (rate,))


def test_the_headroom_and_keda_hold_times_can_be_given_to_up() -> None:
    options = ["--scale-in-headroom", "0", "--stabilization-window", "300", "--cooldown-period", "300"]
    policy = policy_from_args(parse(UP, *options))
    assert (policy.scale_in_headroom, policy.scale_down.stabilization_window_seconds) == (0.0, 300)


@pytest.mark.parametrize("command", [UP, RUN], ids=["up", "scale-run"])
@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--min-replicas", "1.5", "not a whole number of 0 or more"),
        ("--max-replicas", "-1", "not a whole number of 0 or more"),
        ("--polling-interval", "0", "not a number of seconds above 0"),
        ("--cooldown-period", "-3", "not a number of seconds"),
        ("--stabilization-window", "x", "not a whole number of 0 or more"),
        ("--scale-up-pods", "0", "not a whole number above 0"),
        ("--scale-up-period", "1.5", "not a whole number of 0 or more"),
        ("--scale-in-headroom", "1", "not a fraction from 0 to below 1"),
        ("--scale-in-headroom", "nan", "not a fraction from 0 to below 1"),
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
        (["--scale-up-period", "4000"], "invalid scaling policy"),
    ],
)
def test_values_that_make_no_policy_name_the_options(options: list[str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=f"{message}.*Fix: correct --min-replicas / --max-replicas"):
        policy_from_args(parse(RUN, *options))
