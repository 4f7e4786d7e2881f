"""host.json `extensions.<trigger>` sections as typed options, with Azure's defaults, and the per-instance
concurrency each implies — the number the listener enforces and the scale controller uses as its target.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from funchost.errors import HostJsonError
from funchost.metadata.booleans import host_json_flag as _bool
from funchost.metadata.spec import lookup
from funchost.metadata.timespan import parse_timespan


def processor_count() -> int:
    """CPUs this process may use (Environment.ProcessorCount in the .NET host)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _int(
    section: Mapping[str, Any], key: str, default: int, where: str, minimum: int, maximum: int | None = None
) -> int:
    value = lookup(section, key)
    if value is None:
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise HostJsonError(f"host.json {where}.{key} is {value!r}; expected a whole number") from None
    if number < minimum or (maximum is not None and number > maximum):
        bound = f"{minimum}..{maximum}" if maximum is not None else f">= {minimum}"
        raise HostJsonError(f"host.json {where}.{key} is {number}; allowed: {bound}")
    return number


def host_json_seconds(section: Mapping[str, Any], key: str, default: float, where: str) -> float:
    """A TimeSpan in a host.json section, in seconds (absent = `default`); `HostJsonError` naming `<where>.<key>`."""
    value = lookup(section, key)
    if value is None:
        return default
    try:
        return parse_timespan(str(value))
    except ValueError as exc:
        raise HostJsonError(f"host.json {where}.{key}: {exc}") from None


@dataclass(frozen=True)
class QueuesOptions:
    """extensions.queues (QueuesOptions.cs): batchSize 16 (max 32), newBatchThreshold batchSize/2 × CPUs, ..."""

    batch_size: int = 16
    new_batch_threshold: int = 8
    max_polling_interval: float = 60.0
    visibility_timeout: float = 0.0
    max_dequeue_count: int = 5
    message_encoding: str = "base64"

    @property
    def concurrency(self) -> int:
        """Messages one instance processes at once: batchSize + newBatchThreshold (Azure target-based scaling)."""
        return self.batch_size + self.new_batch_threshold

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> QueuesOptions:
        where = "extensions.queues"
        batch = _int(section, "batchSize", 16, where, 1, 32)
        threshold = _int(section, "newBatchThreshold", (batch // 2) * processor_count(), where, 0)
        polling = host_json_seconds(section, "maxPollingInterval", 60.0, where)
        if polling < 0.1:
            raise HostJsonError(f"host.json {where}.maxPollingInterval must be at least 00:00:00.100")
        encoding = str(lookup(section, "messageEncoding", "base64")).lower()
        if encoding not in ("base64", "none"):
            raise HostJsonError(f"host.json {where}.messageEncoding is {encoding!r}; use base64 or none")
        return cls(
            batch_size=batch,
            new_batch_threshold=threshold,
            max_polling_interval=polling,
            visibility_timeout=host_json_seconds(section, "visibilityTimeout", 0.0, where),
            max_dequeue_count=_int(section, "maxDequeueCount", 5, where, 1),
            message_encoding=encoding,
        )


@dataclass(frozen=True)
class RabbitMQOptions:
    """extensions.rabbitMQ (RabbitMQOptions.cs): prefetchCount 30."""

    prefetch_count: int = 30

    @property
    def concurrency(self) -> int:
        return self.prefetch_count

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> RabbitMQOptions:
        return cls(prefetch_count=_int(section, "prefetchCount", 30, "extensions.rabbitMQ", 1, 65535))


@dataclass(frozen=True)
class KafkaOptions:
    """extensions.kafka (KafkaOptions.cs): maxBatchSize 64, autoOffsetReset earliest, maxRetries 5,
    autoCommitIntervalMs 200, ..."""

    max_batch_size: int = 64
    subscriber_interval: float = 1.0
    auto_offset_reset: str = "earliest"
    session_timeout_ms: int = 10000
    max_poll_interval_ms: int = 300000
    commit_on_failure: bool = False
    max_retries: int = 5  # -1 = unlimited
    auto_commit_interval_ms: int = 200  # stored offsets are committed at most this often

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> KafkaOptions:
        where = "extensions.kafka"
        reset = str(lookup(section, "autoOffsetReset", "earliest")).lower()
        if reset not in ("earliest", "latest"):
            raise HostJsonError(f"host.json {where}.autoOffsetReset is {reset!r}; use Earliest or Latest")
        return cls(
            max_batch_size=_int(section, "maxBatchSize", 64, where, 1),
            subscriber_interval=float(_int(section, "subscriberIntervalInSeconds", 1, where, 1)),
            auto_offset_reset=reset,
            session_timeout_ms=_int(section, "sessionTimeoutMs", 10000, where, 1),
            max_poll_interval_ms=_int(section, "maxPollIntervalMs", 300000, where, 1),
            commit_on_failure=_bool(section, "commitOnFailure", False, where),
            max_retries=_int(section, "maxRetries", 5, where, -1),
            auto_commit_interval_ms=_int(section, "autoCommitIntervalMs", 200, where, 1),
        )


@dataclass(frozen=True)
class ServiceBusOptions:
    """extensions.serviceBus (ServiceBusOptions.cs): maxConcurrentCalls 16 × CPUs, prefetchCount 0,
    maxConcurrentSessions 8, maxConcurrentCallsPerSession 1, maxMessageBatchSize 1000, minMessageBatchSize 1,
    maxBatchWaitTime 30 s, maxAutoLockRenewalDuration 5 min, autoCompleteMessages true, sessionIdleTimeout unset
    (None: the SDK's try timeout, 60 s)."""

    prefetch_count: int = 0
    max_concurrent_calls: int = 16
    max_concurrent_sessions: int = 8
    auto_complete_messages: bool = True
    max_auto_lock_renewal_duration: float = 300.0
    max_message_batch_size: int = 1000
    max_concurrent_calls_per_session: int = 1
    min_message_batch_size: int = 1
    max_batch_wait_time: float = 30.0
    session_idle_timeout: float | None = None

    @property
    def concurrency(self) -> int:
        return self.max_concurrent_calls

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> ServiceBusOptions:
        where = "extensions.serviceBus"
        return cls(
            prefetch_count=_int(section, "prefetchCount", 0, where, 0),
            max_concurrent_calls=_int(section, "maxConcurrentCalls", 16 * processor_count(), where, 1),
            max_concurrent_sessions=_int(section, "maxConcurrentSessions", 8, where, 1),
            auto_complete_messages=_bool(section, "autoCompleteMessages", True, where),
            max_auto_lock_renewal_duration=host_json_seconds(section, "maxAutoLockRenewalDuration", 300.0, where),
            max_message_batch_size=_int(section, "maxMessageBatchSize", 1000, where, 1),
            max_concurrent_calls_per_session=_int(section, "maxConcurrentCallsPerSession", 1, where, 1),
            min_message_batch_size=_int(section, "minMessageBatchSize", 1, where, 1),
            max_batch_wait_time=host_json_seconds(section, "maxBatchWaitTime", 30.0, where),
            session_idle_timeout=(
                None
                if lookup(section, "sessionIdleTimeout") is None
                else host_json_seconds(section, "sessionIdleTimeout", 60.0, where)
            ),
        )


@dataclass(frozen=True)
class BlobsOptions:
    """extensions.blobs (BlobsOptions.cs): maxDegreeOfParallelism 8 × CPUs (min 1), poisonBlobThreshold 5.

    The blob trigger's shared queue runs with the queue options SharedBlobQueueListenerFactory derives from these
    (BlobsOptionsToQueuesOptions): batchSize = min(32, mdop / 2 + 1), newBatchThreshold = mdop − batchSize,
    maxDequeueCount = poisonBlobThreshold — so at most maxDegreeOfParallelism blobs are processed at once."""

    max_degree_of_parallelism: int = 8
    poison_blob_threshold: int = 5

    @property
    def concurrency(self) -> int:
        return self.max_degree_of_parallelism

    def queue_options(self) -> QueuesOptions:
        batch = min(32, self.max_degree_of_parallelism // 2 + 1)
        return QueuesOptions(
            batch_size=batch,
            new_batch_threshold=self.max_degree_of_parallelism - batch,
            max_dequeue_count=self.poison_blob_threshold,
            message_encoding="base64",
        )

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> BlobsOptions:
        where = "extensions.blobs"
        return cls(
            max_degree_of_parallelism=_int(section, "maxDegreeOfParallelism", 8 * processor_count(), where, 1),
            poison_blob_threshold=_int(section, "poisonBlobThreshold", 5, where, 1),
        )
