"""KEDA's Kafka lag rules (kafka_scaler.go getLagForPartition / getTotalLag), table-driven: one commented row per
rule, then the persistent-lag memory across polls."""

from __future__ import annotations

import pytest

from scale_controller.scalers.kafka_lag import LagRules, PartitionOffsets, next_factor, partition_lag, total_lag

P = PartitionOffsets


@pytest.mark.parametrize(
    ("offsets", "rules", "expected"),
    [
        # committed offset → latest - committed
        (P(latest=10, committed=4), LagRules(10), (6, 6)),
        # caught up
        (P(latest=10, committed=10), LagRules(10), (0, 0)),
        # no commit, reset to latest → 1, so one consumer starts (KEDA issue #2612) — even on an empty partition
        (P(latest=10, committed=None), LagRules(10, "latest"), (1, 1)),
        (P(latest=0, committed=None), LagRules(10, "latest"), (1, 1)),
        # no commit, reset to latest, scaleToZeroOnInvalidOffset → 0
        (P(latest=10, committed=None), LagRules(10, "latest", scale_to_zero_on_invalid_offset=True), (0, 0)),
        # no commit, reset to earliest → everything in the partition
        (P(latest=10, committed=None), LagRules(10, "earliest"), (10, 10)),
        # no commit, earliest, scaleToZeroOnInvalidOffset → 0
        (P(latest=10, committed=None), LagRules(10, "earliest", scale_to_zero_on_invalid_offset=True), (0, 0)),
        # partition missing from the ListOffsets answer → 0 (Event Hubs sometimes omits partitions)
        (P(latest=None, committed=3), LagRules(10), (0, 0)),
        # ... but the latest-policy rule for a missing commit comes first
        (P(latest=None, committed=None), LagRules(10, "latest"), (1, 1)),
    ],
)
def test_partition_lag(offsets: PartitionOffsets, rules: LagRules, expected: tuple[int, int]) -> None:
    lag, with_persistent, _ = partition_lag(offsets, rules, previous_committed=None)
    assert (lag, with_persistent) == expected


def parts(*pairs: tuple[int | None, int | None]) -> dict[int, PartitionOffsets]:
    return {i: P(latest=latest, committed=committed) for i, (latest, committed) in enumerate(pairs)}


@pytest.mark.parametrize(
    ("offsets", "rules", "lag", "partitions_with_lag"),
    [
        # sum over partitions, below the cap
        (parts((10, 5), (7, 0), (3, 3)), LagRules(10), 12, 2),
        # cap: lag/threshold = 120/10 = 12 > 3 partitions → 3 × 10
        (parts((100, 0), (10, 0), (10, 0)), LagRules(10), 30, 3),
        # cap uses integer division: 39/10 = 3, not > 3 → uncapped
        (parts((13, 0), (13, 0), (13, 0)), LagRules(10), 39, 3),
        # allowIdleConsumers lifts the cap
        (parts((100, 0), (10, 0), (10, 0)), LagRules(10, allow_idle_consumers=True), 120, 3),
        # limitToPartitionsWithLag: cap at partitions with lag (1) → 1 × 10
        (parts((100, 0), (5, 5), (7, 7)), LagRules(10, limit_to_partitions_with_lag=True), 10, 1),
        # ensureEvenDistributionOfPartitions: 6 partitions, lag 25 → smallest factor f with f×10 ≥ 25 is 3 → 30
        (parts((25, 0), *[(0, 0)] * 5), LagRules(10, ensure_even_distribution_of_partitions=True), 30, 1),
        # missing commits with the latest policy add 1 each, towards the lag and towards partitions with lag
        (parts((50, None), (50, None)), LagRules(10, "latest"), 2, 2),
        # a lag threshold of 1: 8 waiting, capped at one replica per partition (3), empty partitions included
        (parts((5, 0), (3, 0), (0, None)), LagRules(1, "earliest"), 3, 2),
    ],
)
def test_total_lag(offsets: dict[int, PartitionOffsets], rules: LagRules, lag: int, partitions_with_lag: int) -> None:
    result, _ = total_lag(offsets, rules, {})
    assert (result.lag, result.partitions_with_lag, result.partitions) == (lag, partitions_with_lag, len(offsets))


def test_exclude_persistent_lag_needs_memory_of_the_last_committed_offsets() -> None:
    rules = LagRules(10, exclude_persistent_lag=True)
    first, memory = total_lag(parts((10, 4), (10, 2)), rules, {})
    assert (first.lag, first.lag_with_persistent) == (14, 14)  # nothing remembered yet: all lag counts
    assert memory == {0: 4, 1: 2}
    # Partition 0 did not move since the last poll: its lag no longer counts for the metric, but still for activity.
    second, memory = total_lag(parts((12, 4), (10, 5)), rules, memory)
    assert (second.lag, second.lag_with_persistent, second.partitions_with_lag) == (5, 13, 1)
    assert memory == {0: 4, 1: 5}
    # It moves again: counted again.
    third, _ = total_lag(parts((12, 6), (10, 5)), rules, memory)
    assert (third.lag, third.lag_with_persistent) == (6, 11)


def test_without_exclude_persistent_lag_nothing_is_remembered() -> None:
    result, memory = total_lag(parts((10, 4)), LagRules(10), {})
    assert (result.lag, memory) == (6, {})


@pytest.mark.parametrize(("lag", "partitions", "factor"), [(0, 6, 1), (10, 6, 1), (11, 6, 2), (25, 6, 3), (61, 6, 6)])
def test_next_factor(lag: int, partitions: int, factor: int) -> None:
    assert next_factor(lag, partitions, 10) == factor
