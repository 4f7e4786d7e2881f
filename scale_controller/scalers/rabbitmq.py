"""RabbitMQ scaler: the queue length, exactly as KEDA's `rabbitmq` scaler in QueueLength mode measures it.

kedacore/keda `pkg/scalers/rabbitmq_scaler.go` `getQueueStatus`: over AMQP, a passive `queue.declare` and its
message count (ready messages only); over HTTP, the management API `GET /api/queues/{vhost}/{queue}` and its
`messages` (ready + unacknowledged), or `messages_ready` with excludeUnacknowledged. The protocol "auto" follows
the scheme of the host URL (`hostFromEnv`, else the binding's AMQP connection). Active when length > activation.

The AMQP connection is a plain aio-pika connection: on a robust channel a passive declare returns a cached queue
whose count never changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Mapping
from urllib.parse import urlsplit

import aio_pika
import aiohttp
from aio_pika.abc import AbstractChannel, AbstractConnection
from aio_pika.exceptions import ChannelNotFoundEntity

from funchost.errors import ConfigurationError
from funchost.metadata.broker_settings import RabbitMQSettings
from funchost.metadata.connections import required_setting
from funchost.metadata.trigger_kinds import RABBITMQ
from scale_controller.app_metadata import EventFunction
from scale_controller.scalers.base import Measurement, ScalerError
from scale_controller.scalers.rabbitmq_urls import basic_auth, describe, management_host, queue_api_url

TIMEOUT = 10.0  # seconds for one measurement (connect included)


class RabbitMQScaler:
    def __init__(
        self,
        *,
        settings: RabbitMQSettings,
        target: float,
        activation: float = 0.0,
        protocol: str = "auto",
        host_url: str | None = None,
        exclude_unacknowledged: bool = False,
        vhost_name: str | None = None,
        function: str = "",
    ) -> None:
        self.name = f"rabbitmq:{settings.queue_name}"
        self.queue_name = settings.queue_name
        self.target, self.activation = target, activation
        host = host_url or settings.url
        if protocol == "auto":  # KEDA: the host's scheme decides
            protocol = "http" if urlsplit(host).scheme in ("http", "https") else "amqp"
        if protocol == "http" and urlsplit(host).scheme not in ("http", "https"):
            host = management_host(settings.url)
        if protocol == "amqp" and urlsplit(host).scheme not in ("amqp", "amqps"):
            raise ConfigurationError(
                f"Function '{function}': protocol amqp needs an amqp:// host, got {describe(host)}"
            )
        if exclude_unacknowledged and protocol != "http":
            raise ConfigurationError(f"Function '{function}': excludeUnacknowledged needs protocol http")
        self.protocol, self.exclude_unacknowledged = protocol, exclude_unacknowledged
        self._host, self._vhost_name = host, vhost_name
        self._settings, self._function = settings, function
        self._connection: AbstractConnection | None = None
        self._channel: AbstractChannel | None = None
        self._http: aiohttp.ClientSession | None = None

    @classmethod
    def from_function(cls, function: EventFunction, environ: Mapping[str, str] | None = None) -> RabbitMQScaler:
        settings, options = RABBITMQ.settings(function.settings, function.name), function.scale.options
        host_setting = options.get("hostFromEnv")
        where = f"Function '{function.name}' scale options"
        host = (
            required_setting(host_setting, where=where, property_name="hostFromEnv", env=environ)
            if host_setting
            else None
        )
        return cls(
            settings=settings,
            target=function.scale.target,
            activation=function.scale.activation_threshold,
            protocol=str(options.get("protocol", "auto")),
            host_url=host,
            exclude_unacknowledged=bool(options.get("excludeUnacknowledged", False)),
            vhost_name=options.get("vhostName"),
            function=function.name,
        )

    async def measure(self) -> Measurement:
        try:
            async with asyncio.timeout(TIMEOUT):
                length = await (self._via_http() if self.protocol == "http" else self._via_amqp())
        except ScalerError:
            raise
        except Exception as exc:  # any client failure: reconnect on the next poll (KEDA refreshes the scaler)
            await self.aclose()
            raise ScalerError(self._explain(exc)) from exc
        return Measurement(value=float(length), target=float(self.target), active=length > self.activation)

    async def _via_amqp(self) -> int:
        if self._channel is None or self._channel.is_closed:
            await self.aclose()
            self._connection = await aio_pika.connect(
                self._host,
                timeout=TIMEOUT,
                ssl_context=self._ssl_context(),
                client_properties={"connection_name": f"funchost-scale-controller {self._function}"},
            )
            self._channel = await self._connection.channel(publisher_confirms=False)
        queue = await self._channel.declare_queue(self.queue_name, passive=True)  # a fresh queue.declare each time
        return int(queue.declaration_result.message_count or 0)

    async def _via_http(self) -> int:
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT))
        url = queue_api_url(self._host, self.queue_name, self._vhost_name)
        headers = {"Authorization": basic_auth(self._host)}
        async with self._http.get(url, headers=headers, ssl=self._ssl_context() or True) as response:
            if response.status != 200:
                body = (await response.text())[:200]
                raise ScalerError(self._explain_http(response.status, body, url))
            info = await response.json()
        return int(info.get("messages_ready" if self.exclude_unacknowledged else "messages") or 0)

    def _ssl_context(self) -> ssl.SSLContext | None:
        if not self._settings.disable_certificate_validation or urlsplit(self._host).scheme not in ("amqps", "https"):
            return None
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        return context

    def _explain_http(self, status: int, body: str, url: str) -> str:
        where = f"Function '{self._function}': the RabbitMQ management API at {describe(url)} answered HTTP {status}"
        if status == 404:
            return f"{where}: queue '{self.queue_name}' (or its vhost) does not exist. Fix: declare it"
        if status in (401, 403):
            return f"{where}: access denied. Fix: use a user with the management (monitoring) tag"
        return f"{where}: {body}"

    def _explain(self, exc: BaseException) -> str:
        password = urlsplit(self._host).password or ""
        detail = f"{type(exc).__name__}: {exc}".replace(self._host, describe(self._host))
        if isinstance(exc, TimeoutError):
            detail = f"no answer within {TIMEOUT:.0f} s"
        if password:
            detail = detail.replace(password, "******")
        if isinstance(exc, ChannelNotFoundEntity):
            return (
                f"Function '{self._function}': RabbitMQ queue '{self.queue_name}' does not exist at "
                f"{describe(self._host)}. Fix: declare it (funchost does not create queues, as Azure's extension)"
            )
        return (
            f"Function '{self._function}': cannot measure RabbitMQ queue '{self.queue_name}' at "
            f"{describe(self._host)} ({self.protocol}): {detail}. Fix: start the broker or correct "
            f"app setting '{self._settings.connection_setting}'"
        )

    async def aclose(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and not connection.is_closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), TIMEOUT)
        http, self._http = self._http, None
        if http is not None:
            await http.close()
