"""KEDA's Kafka lag rules as pure functions: per-partition lag, the total, and the partition cap.

Source: kedacore/keda `pkg/scalers/kafka_scaler.go` — `getLagForPartition`, `getTotalLag`,
`getNextFactorThatBalancesConsumersToTopicPartitions`, `GetMetricsAndActivity`. "latest" is the partition's high
watermark (ListOffsets latest, what a read_uncommitted consumer can read up to), "committed" the consumer group's
committed offset, None when the group has none (Kafka answers -1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class LagRules:
    lag_threshold: int  # the target: lag one replica handles
    offset_reset_policy: str = "latest"  # what a consumer without a committed offset does: "latest" | "earliest"
    allow_idle_consumers: bool = False
    exclude_persistent_lag: bool = False
    scale_to_zero_on_invalid_offset: bool = False
    limit_to_partitions_with_lag: bool = False
    ensure_even_distribution_of_partitions: bool = False


@dataclass(frozen=True)
class PartitionOffsets:
    latest: int | None  # None: the partition was missing from the ListOffsets answer
    committed: int | None  # None: no committed offset


@dataclass(frozen=True)
class TotalLag:
    lag: int  # the metric (after excluding persistent lag and the cap)
    lag_with_persistent: int  # drives activity
    partitions: int
    partitions_with_lag: int


def partition_lag(offsets: PartitionOffsets, rules: LagRules, previous_committed: int | None) -> tuple[int, int, bool]:
    """(lag, lag including persistent lag, whether to remember `committed` as this partition's last offset)."""
    committed, latest = offsets.committed, offsets.latest
    if committed is None:
        if rules.offset_reset_policy == "latest":
            # No commit and reset to latest: report 1 so one consumer starts and commits (KEDA issue #2612).
            missing = 0 if rules.scale_to_zero_on_invalid_offset else 1
            return missing, missing, False
        if rules.scale_to_zero_on_invalid_offset:
            return 0, 0, False
    if latest is None:
        return 0, 0, False  # partition missing from the latest-offsets answer: counts as no lag
    if committed is None:  # earliest: everything in the partition is waiting
        return latest, latest, False
    lag = latest - committed
    if rules.exclude_persistent_lag and previous_committed is not None and previous_committed == committed:
        return 0, lag, False  # the consumer has not moved since the last poll: not worth more replicas
    return lag, lag, rules.exclude_persistent_lag


def total_lag(
    offsets: Mapping[int, PartitionOffsets], rules: LagRules, previous: Mapping[int, int]
) -> tuple[TotalLag, dict[int, int]]:
    """Sum the partitions and apply the cap; returns the result and the updated last-committed memory."""
    remembered = dict(previous)
    lag = with_persistent = with_lag = 0
    for partition, partition_offsets in offsets.items():
        one, one_with_persistent, remember = partition_lag(partition_offsets, rules, previous.get(partition))
        lag += one
        with_persistent += one_with_persistent
        with_lag += one > 0
        if remember and partition_offsets.committed is not None:
            remembered[partition] = partition_offsets.committed
    partitions = len(offsets)
    threshold = rules.lag_threshold
    if (
        not rules.allow_idle_consumers
        or rules.limit_to_partitions_with_lag
        or rules.ensure_even_distribution_of_partitions
    ):
        # Never ask for more replicas than partitions (or than partitions with lag): idle consumers do nothing.
        upper_bound = partitions
        if rules.ensure_even_distribution_of_partitions:
            lag = next_factor(lag, partitions, threshold) * threshold
        if rules.limit_to_partitions_with_lag:
            upper_bound = with_lag
        if _go_div(lag, threshold) > upper_bound:
            lag = upper_bound * threshold
    return TotalLag(lag, with_persistent, partitions, with_lag), remembered


def next_factor(lag: int, partitions: int, threshold: int) -> int:
    """The smallest factor of the partition count that covers the lag, so partitions spread evenly."""
    for factor in (f for f in range(1, partitions + 1) if partitions % f == 0):
        if factor * threshold >= lag:
            return factor
    return partitions


def _go_div(a: int, b: int) -> int:
    """Integer division truncating toward zero, as Go's int64 `/` (a negative lag must not round down)."""
    quotient = abs(a) // abs(b)
    return quotient if (a >= 0) == (b >= 0) else -quotient
