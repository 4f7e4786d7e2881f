"""Scaler options and value checks for host.json `scale.functions.<name>`: a trigger kind's option schema (KEDA's
trigger metadata names, allowed values and defaults, in `trigger_kinds`) applied, and KEDA's combination rules
(kafka_scaler.go `Validate`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from funchost.errors import HostJsonError
from funchost.metadata.trigger_kind import TriggerKind

BOOL = (False, True)  # a true/false scaler option (default false)


def scaler_options(
    kind: TriggerKind[Any, Any], options: Any, override: Mapping[str, Any], where: str
) -> dict[str, Any]:
    """Every scaler option of a `kind` trigger, defaults filled in (`options`: the kind's host.json options)."""
    allowed = kind.scaler_options
    result: dict[str, Any] = {name: values[0] for name, values in allowed.items() if values is not None}
    result.update(kind.option_defaults(options))
    for key, value in override.items():
        if key.casefold() in ("target", "activationthreshold"):
            continue
        name = next((n for n in allowed if n.casefold() == key.casefold()), None)
        if name is None:
            names = ", ".join(["target", "activationThreshold", *allowed])
            raise HostJsonError(f'{where} has "{key}", which is not a {kind.name} scale option; use one of {names}')
        result[name] = _option_value(allowed[name], value, f"{where}.{name}")
    kind.check_options(result, where)
    return result


def check_rabbitmq(options: Mapping[str, Any], where: str) -> None:
    """The queue-length-with-unacked count comes from the management API only."""
    if options["excludeUnacknowledged"] and options["protocol"] == "amqp":
        raise HostJsonError(f'{where}: excludeUnacknowledged needs protocol "http" (the management API)')


def parse_partition_limitation(text: str, where: str) -> tuple[int, ...]:
    """KEDA's partitionLimitation (kafka_scaler.go `parsePartitionLimitation`): "0,2-4" → (0, 2, 3, 4)."""
    partitions: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        low, dash, high = part.partition("-")
        try:
            bounds = (int(low), int(high)) if dash else (int(part), int(part))
        except ValueError:
            raise HostJsonError(f'{where} has "{part}"; expected partition numbers and ranges like "0,2-4"') from None
        partitions.extend(range(bounds[0], bounds[1] + 1))
    return tuple(partitions)


def _option_value(allowed: tuple[Any, ...] | None, value: Any, where: str) -> Any:
    if allowed is None:
        return str(value)
    if allowed == BOOL:
        if isinstance(value, bool) or str(value).lower() in ("true", "false"):
            return value if isinstance(value, bool) else str(value).lower() == "true"
        raise HostJsonError(f"{where} is {value!r}; expected true or false")
    text = str(value).lower()
    if text not in allowed:
        raise HostJsonError(f"{where} is {value!r}; use one of {', '.join(allowed)}")
    return text


def check_kafka(options: Mapping[str, Any], where: str) -> None:
    """KEDA's kafkaMetadata.Validate combinations (the topic is always set by the binding)."""
    if options["allowIdleConsumers"] and options["limitToPartitionsWithLag"]:
        raise HostJsonError(f"{where}: allowIdleConsumers and limitToPartitionsWithLag cannot both be true")
    if options["limitToPartitionsWithLag"] and options["ensureEvenDistributionOfPartitions"]:
        raise HostJsonError(
            f"{where}: limitToPartitionsWithLag and ensureEvenDistributionOfPartitions cannot both be true"
        )
    if "partitionLimitation" in options:
        parse_partition_limitation(options["partitionLimitation"], f"{where}.partitionLimitation")


def whole_number(value: Any, where: str, minimum: int) -> int:
    try:
        number = int(value)
        if number != float(value) or isinstance(value, bool):
            raise ValueError
    except (TypeError, ValueError):
        number = minimum - 1
    if number < minimum:
        raise HostJsonError(f"{where} is {value!r}; expected a whole number >= {minimum}")
    return number


def non_negative(value: Any, where: str) -> float:
    try:
        number = float(value)
        if isinstance(value, bool) or number < 0:
            raise ValueError
    except (TypeError, ValueError):
        raise HostJsonError(f"{where} is {value!r}; expected a number >= 0 (default 0)") from None
    return number
