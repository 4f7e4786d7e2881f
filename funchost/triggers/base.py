"""The `Listener` contract and the registry of listener implementations, one row per trigger type.

A listener owns its client connection, turns events into invocations, settles them only after the
outcome is known, and drains on stop. Rows are lazy "module:Class" strings so broker clients stay
optional and are imported only when an app uses that trigger.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from funchost.invocation import FunctionInvoker
from funchost.metadata.app_loader import LoadedApp
from funchost.metadata.binding_settings import BindingSettings
from funchost.metadata.registry import registered_class
from funchost.metrics import HostMetrics

# Binding type (canonical spelling) → "module:Class" of its listener. Alphabetical. HTTP is served by funchost.http.
LISTENERS: dict[str, str] = {
    "blobTrigger": "funchost.triggers.blob.listener:BlobListener",
    "kafkaTrigger": "funchost.triggers.kafka.listener:KafkaListener",
    "queueTrigger": "funchost.triggers.queue.listener:QueueListener",
    "rabbitMQTrigger": "funchost.triggers.rabbitmq.listener:RabbitMQListener",
    "serviceBusTrigger": "funchost.triggers.servicebus.listener:ServiceBusListener",
    "timerTrigger": "funchost.triggers.timer.listener:TimerListener",
    "warmupTrigger": "funchost.triggers.warmup:WarmupListener",
}


class ListenerState(StrEnum):
    """A listener's one-word state, as /readyz shows it (the values are the wire format; funchost.http.health
    counts running, standby and waiting as ready)."""

    STARTING = "starting"
    RUNNING = "running"
    WAITING = "waiting"  # the broker or storage answers but the queue does not exist yet
    STANDBY = "standby"  # a timer another instance holds the lease for
    RECONNECTING = "reconnecting"
    FAILED = "failed"
    STOPPING = "stopping"
    STOPPED = "stopped"


@dataclass(frozen=True)
class ListenerContext:
    """What every listener gets: the app, its own invoker and typed trigger settings, and host services."""

    app: LoadedApp
    invoker: FunctionInvoker
    settings: BindingSettings
    metrics: HostMetrics
    host_id: str


class Listener(Protocol):
    """One trigger of one function."""

    name: str  # e.g. "timer:cleanup" — shown in /readyz

    async def start(self) -> None:
        """Begin delivering events; return once listening (raise `StartupError` if that is impossible)."""

    async def stop(self, grace_seconds: float) -> None:
        """Stop taking new events, let in-flight invocations finish (up to the grace period), settle, close."""

    def state(self) -> ListenerState:
        """The state /readyz shows."""

    @property
    def in_flight(self) -> int:
        """Invocations running now."""

    async def trigger_manually(self, payload: str) -> None:
        """Run the function once with `payload` as the event body (POST /admin/functions/{name})."""


def listener_class(trigger_type: str, function_name: str) -> Any:
    """Import the listener class for a trigger type, or explain that no listener exists for it."""
    return registered_class(
        LISTENERS,
        trigger_type,
        function_name,
        problem="trigger '{type}' has no listener in this version of funchost",
        fix="use one of: {names}",
        also=("httpTrigger",),
    )
