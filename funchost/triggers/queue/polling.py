"""Storage-queue plumbing the queue listener shares: the polling back-off (Azure's randomized exponential
strategy) and its interruptible wait, the receive lease and its renewal cadence, and the connection string a
binding may use (the client and the classification of its errors are funchost/brokers/azure_storage.py).
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Mapping

from funchost.errors import ConfigurationError
from funchost.metadata.binding_settings import QueueBindingSettings

# QueuePollingIntervals.cs: polling backs off from 100 ms up to maxPollingInterval.
MINIMUM_POLLING_INTERVAL = 0.1
RANDOMIZATION_FACTOR = 0.2  # RandomizedExponentialBackoffStrategy.RandomizationFactor

# QueueListener.cs receives with a fixed 10-minute visibility timeout and renews it while the function runs.
LEASE_SETTING = "FUNCHOST_QUEUE_RECEIVE_VISIBILITY_TIMEOUT"
DEFAULT_LEASE_SECONDS = 600
MAX_LEASE_SECONDS = 7 * 24 * 3600  # the service's limit for a visibility timeout
MINIMUM_RENEWAL_INTERVAL = 60.0  # QueueListener.MinimumVisibilityRenewalInterval


async def backoff_wait(seconds: float, stopping: asyncio.Event, wake: asyncio.Event) -> bool:
    """Wait out a back-off delay, cut short by a wake-up (an output sent to the queue) or stop; True means stop."""
    waits = {asyncio.create_task(stopping.wait()), asyncio.create_task(wake.wait())}
    await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    for task in waits:
        task.cancel()
    return stopping.is_set()


class PollingBackoff:
    """RandomizedExponentialBackoffStrategy.cs: after finding messages the next delay is the minimum; each
    empty poll (or error) grows it by minimum × 2^(n-1) × random(0.8, 1.2) until it reaches the maximum."""

    def __init__(self, maximum: float, minimum: float = MINIMUM_POLLING_INTERVAL) -> None:
        self.minimum = min(minimum, maximum)
        self.maximum = maximum
        self._current = 0.0
        self._exponent = 0

    def next_delay(self, found_messages: bool) -> float:
        if found_messages:
            self._current, self._exponent = self.minimum, 1
        elif self._current != self.maximum:
            interval = self.minimum
            if self._exponent > 0:
                factor = random.uniform(1 - RANDOMIZATION_FACTOR, 1 + RANDOMIZATION_FACTOR)
                interval += factor * 2 ** (self._exponent - 1) * self.minimum
            if interval < self.maximum:
                self._current, self._exponent = interval, self._exponent + 1
            else:
                self._current = self.maximum
        return self._current


def lease_seconds(function: str, env: Mapping[str, str] | None = None) -> int:
    """The receive visibility timeout (funchost setting; Azure fixes it at 10 minutes)."""
    raw = (os.environ if env is None else env).get(LEASE_SETTING, "").strip()
    if not raw:
        return DEFAULT_LEASE_SECONDS
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 2 <= value <= MAX_LEASE_SECONDS:
        raise ConfigurationError(
            f"Queue trigger of function '{function}': {LEASE_SETTING} is {raw!r}; expected whole seconds from 2 "
            f"to {MAX_LEASE_SECONDS} (default {DEFAULT_LEASE_SECONDS}, as Azure). Fix: correct or unset it"
        )
    return value


def renewal_intervals(lease: int) -> tuple[float, float]:
    """(normal, fastest) renewal interval: halfway to expiry, speeding up after failures (LinearSpeedupStrategy)."""
    normal = lease / 2
    return normal, min(MINIMUM_RENEWAL_INTERVAL, normal / 4)


def connection_string(settings: QueueBindingSettings, where: str) -> str:
    value = settings.connection.effective_connection_string("queue")
    if value is None:
        name = settings.connection.setting_name
        raise ConfigurationError(
            f"{where} uses the identity-based connection '{name}' ({settings.connection.service_uri}), which "
            f"funchost does not support yet. Fix: set '{name}' to a storage connection string"
        )
    return value
