"""The scale-policy options `funchost up`, `funchost scale run` and `funchost scale replay` share (replicas, polling
interval, cooldown, scale-down stabilization window, scale-up rate, scale-in headroom), with one type per option,
and the `Policy` they build.

Each command starts from one of scale_controller.policy's `DEFAULTS`: `funchost up` (and the replay of it) from
`LOCAL`, `funchost scale run` from `KEDA`; every option given replaces its own field. Replicas, the stabilization
window (HPA's stabilizationWindowSeconds), the scale-up pods and period are whole numbers; the polling interval is
seconds above 0 and the cooldown seconds of 0 or more, fractions allowed (the built-in controller is not bound to
the ScaledObject CRD's whole seconds).
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from funchost.cli import arguments
from funchost.errors import ConfigurationError
from scale_controller.hpa_rules import Rate, Rules
from scale_controller.policy import DEFAULTS, Defaults, Policy

OPTIONS = (
    "--min-replicas / --max-replicas / --cooldown-period / --stabilization-window / --scale-up-pods / "
    "--scale-up-period / --scale-in-headroom"
)


def add_policy_options(
    parser: argparse.ArgumentParser,
    *,
    min_replicas: int | None,
    max_replicas: int,
    polling_interval: float,
    defaults: Defaults,
    min_replicas_help: str = "minReplicaCount (default 0)",
) -> None:
    """`min_replicas` None: the command decides (`policy_from_args(min_replicas=...)`, else 0)."""
    parser.set_defaults(policy_defaults=defaults.name)
    parser.add_argument("--min-replicas", type=arguments.count, default=min_replicas, help=min_replicas_help)
    parser.add_argument(
        "--max-replicas", type=arguments.count, default=max_replicas, help=f"maxReplicaCount (default {max_replicas})"
    )
    parser.add_argument(
        "--polling-interval",
        type=arguments.positive_seconds,
        default=polling_interval,
        help=f"seconds between polls (default {polling_interval:g}; KEDA: 30)",
    )
    up = defaults.scale_up.rates[0]
    parser.add_argument(
        "--cooldown-period",
        type=arguments.seconds,
        default=defaults.cooldown_period,
        help=f"seconds idle before → 0 (default {defaults.cooldown_period:g}; KEDA: 300)",
    )
    parser.add_argument(
        "--stabilization-window",
        type=arguments.count,
        default=defaults.stabilization_window,
        help=f"scale-down stabilization whole seconds (default {defaults.stabilization_window}; HPA: 300)",
    )
    parser.add_argument(
        "--scale-up-pods",
        type=arguments.positive_count,
        help=f"add at most this many replicas per --scale-up-period (default: {defaults.scale_up.describe('+')}; "
        "HPA: +4 or +100 %% per 15 s)",
    )
    parser.add_argument(
        "--scale-up-period",
        type=arguments.positive_count,
        help=f"whole seconds of the scale-up limit, 1..1800 (default {up.period_seconds})",
    )
    parser.add_argument(
        "--scale-in-headroom",
        type=arguments.fraction,
        default=defaults.scale_in_headroom,
        help="scale in no lower than ceil(metric / target + this), a fraction of one replica's target below 1 "
        f"(default {defaults.scale_in_headroom:g}; the HPA has none: 0)",
    )


def policy_from_args(args: argparse.Namespace, min_replicas: int | None = None) -> Policy:
    """The policy of the parsed options; `min_replicas` replaces a --min-replicas the command left to itself."""
    defaults = DEFAULTS[args.policy_defaults]
    minimum = args.min_replicas if args.min_replicas is not None else (min_replicas or 0)
    try:
        scale_up = defaults.scale_up
        if args.scale_up_pods is not None or args.scale_up_period is not None:
            first = scale_up.rates[0]
            pods = args.scale_up_pods if args.scale_up_pods is not None else first.value
            period = args.scale_up_period if args.scale_up_period is not None else first.period_seconds
            scale_up = Rules(0, (Rate("Pods", pods, period),))
        given = replace(
            defaults,
            cooldown_period=args.cooldown_period,
            stabilization_window=args.stabilization_window,
            scale_up=scale_up,
            scale_in_headroom=args.scale_in_headroom,
        )
        return given.policy(min_replicas=minimum, max_replicas=args.max_replicas)
    except ValueError as exc:  # PolicyError, and the HPA rule's range check
        raise ConfigurationError(f"{exc}. Fix: correct {OPTIONS}") from None
