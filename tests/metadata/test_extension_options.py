"""host.json `extensions.serviceBus` (funchost/metadata/extension_options.py): the extension's defaults
(ServiceBusOptions.cs), TimeSpans and bad values named by key."""

from __future__ import annotations

import pytest

from funchost.errors import HostJsonError
from funchost.metadata.extension_options import ServiceBusOptions, processor_count


def test_service_bus_defaults_are_the_extensions() -> None:
    options = ServiceBusOptions.from_section({})
    assert options.max_concurrent_calls == 16 * processor_count()
    assert (options.prefetch_count, options.max_concurrent_sessions, options.max_concurrent_calls_per_session) == (
        0,
        8,
        1,
    )
    assert (options.max_message_batch_size, options.min_message_batch_size, options.max_batch_wait_time) == (
        1000,
        1,
        30.0,
    )
    assert options.auto_complete_messages is True and options.max_auto_lock_renewal_duration == 300.0
    assert options.session_idle_timeout is None


def test_service_bus_keys_are_read_case_insensitively_with_timespans() -> None:
    options = ServiceBusOptions.from_section(
        {
            "MaxConcurrentCallsPerSession": 4,
            "minMessageBatchSize": 10,
            "maxBatchWaitTime": "00:00:05",
            "sessionIdleTimeout": "00:00:02.5",
            "maxAutoLockRenewalDuration": "00:00:00",
            "autoCompleteMessages": "false",
        }
    )
    assert options.max_concurrent_calls_per_session == 4 and options.min_message_batch_size == 10
    assert options.max_batch_wait_time == 5.0 and options.session_idle_timeout == 2.5
    assert options.max_auto_lock_renewal_duration == 0.0 and options.auto_complete_messages is False


@pytest.mark.parametrize(
    ("key", "value"), [("maxBatchWaitTime", "soon"), ("minMessageBatchSize", 0), ("sessionIdleTimeout", "x")]
)
def test_bad_values_name_the_key(key: str, value: object) -> None:
    with pytest.raises(HostJsonError, match=f"extensions.serviceBus.{key}"):
        ServiceBusOptions.from_section({key: value})
