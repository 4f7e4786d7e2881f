"""A Service Bus STAND-IN for tests — not Service Bus, not the Microsoft emulator: an AMQP 1.0 broker plus the
administration API's runtime properties, reached by the real `azure-servicebus` SDK over TCP with
`UseDevelopmentEmulator=true`. docs/servicebus-standin.md says what it models and what it does not.

    with StandIn({"queues": {"orders": {"lock_duration": 2}}}) as bus:
        client = ServiceBusClient.from_connection_string(bus.connection_string)

`StandIn` runs the broker on a thread of its own (so sync and async SDK clients both work); `Broker` is the same on
the caller's event loop. Modules: codec (the SDK's AMQP codec), connection / links / nodes (the AMQP side),
deliver (receive links), entity / sessions / namespace (state), management ($management), sas (token checks),
admin (HTTPS runtime properties), tls (a throw-away certificate), broker (the shared port), target (what the
`servicebus` fixture runs against: this stand-in or a real namespace), __main__ (the launcher)."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from .broker import Broker
from .namespace import DEFAULT_KEY, DEFAULT_POLICY, Namespace
from .tls import self_signed

T = TypeVar("T")

__all__ = ["Broker", "StandIn", "connection_string"]


def connection_string(port: int, policy: str = DEFAULT_POLICY, key: str = DEFAULT_KEY, host: str = "127.0.0.1") -> str:
    return (
        f"Endpoint=sb://{host}:{port}/;SharedAccessKeyName={policy};SharedAccessKey={key};UseDevelopmentEmulator=true"
    )


class StandIn:
    """The broker on a background event loop; `certificate` is the self-signed one the HTTPS side presents."""

    def __init__(self, config: Mapping[str, Any] | None = None, *, port: int = 0, tls_dir: Path | None = None) -> None:
        self._own_tls_dir = None if tls_dir else Path(tempfile.mkdtemp(prefix="servicebus-standin-tls-"))
        self.certificate, key = self_signed(tls_dir or self._own_tls_dir)
        self.broker = Broker(config, port=port, certificate=(self.certificate, key))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="servicebus-standin", daemon=True)

    def start(self) -> StandIn:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.broker.start(), self._loop).result(10)
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self.broker.stop(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop.close()
        if self._own_tls_dir is not None:
            shutil.rmtree(self._own_tls_dir, ignore_errors=True)

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self.broker.port

    @property
    def namespace(self) -> Namespace:
        return self.broker.namespace

    def connection_string(self, policy: str = DEFAULT_POLICY, key: str | None = None) -> str:
        if key is None:
            key = self.namespace.policies[policy].key if policy in self.namespace.policies else DEFAULT_KEY
        return connection_string(self.port, policy, key)

    def call(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `work` on the broker's loop (state is only touched there) and return its result."""

        async def run() -> T:
            return work(*args, **kwargs)

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(10)

    def drop_connections(self) -> int:
        """Cut every AMQP connection (a network failure); clients reconnect, state is kept. Returns how many."""
        return self.call(self.broker.drop_connections)

    def add_queue(self, name: str, **settings: Any) -> str:
        self.call(self.namespace.add_queue, name, **settings)
        return name

    def add_topic(self, name: str, subscriptions: Mapping[str, Mapping[str, Any]]) -> str:
        self.call(self.namespace.add_topic, name, subscriptions)
        return name
