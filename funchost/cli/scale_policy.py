"""The scale-policy options `funchost up` and `funchost scale run` share (replicas, polling interval, cooldown,
scale-down stabilization window), with one type per option, and the `Policy` they build.

Replicas and the stabilization window (HPA's stabilizationWindowSeconds) are whole numbers of 0 or more; the polling
interval is seconds above 0 and the cooldown seconds of 0 or more, fractions allowed (the built-in controller is not
bound to the ScaledObject CRD's whole seconds). The commands differ only in their defaults.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from funchost.cli import arguments
from funchost.errors import ConfigurationError

if TYPE_CHECKING:  # the controller is imported only when a scaling command runs
    from scale_controller.policy import Policy

OPTIONS = "--min-replicas / --max-replicas / --cooldown-period / --stabilization-window"


def add_policy_options(
    parser: argparse.ArgumentParser,
    *,
    min_replicas: int | None,
    max_replicas: int,
    polling_interval: float,
    min_replicas_help: str = "minReplicaCount (default 0)",
) -> None:
    """`min_replicas` None: the command decides (`policy_from_args(min_replicas=...)`, else 0)."""
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
    parser.add_argument(
        "--cooldown-period", type=arguments.seconds, default=300.0, help="seconds idle before → 0 (KEDA: 300)"
    )
    parser.add_argument(
        "--stabilization-window",
        type=arguments.count,
        default=300,
        help="scale-down stabilization whole seconds (HPA: 300)",
    )


def policy_from_args(args: argparse.Namespace, min_replicas: int | None = None) -> Policy:
    """The policy of the parsed options; `min_replicas` replaces a --min-replicas the command left to itself."""
    from scale_controller.hpa_rules import DEFAULT_SCALE_DOWN, Rules
    from scale_controller.policy import Policy

    minimum = args.min_replicas if args.min_replicas is not None else (min_replicas or 0)
    try:
        return Policy(
            min_replicas=minimum,
            max_replicas=args.max_replicas,
            cooldown_period=args.cooldown_period,
            scale_down=Rules(args.stabilization_window, DEFAULT_SCALE_DOWN.rates),
        )
    except ValueError as exc:  # PolicyError, and the HPA rule's range check
        raise ConfigurationError(f"{exc}. Fix: correct {OPTIONS}") from None
