"""Service Bus scaler: no Service Bus server can be installed here, so the official administration client talks to a
protocol-level stand-in — a local HTTPS server answering the management API's Atom entries (queue and subscription
runtime properties) — over the network, never a patched client. A test against a real namespace or the emulator
belongs to the Service Bus issue. The stand-in's counts are made up; what is tested is which count the scaler
reads (ActiveMessageCount, as KEDA), for which entity, and how failures are reported."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from funchost.errors import ConfigurationError
from funchost.metadata.broker_settings import ServiceBusSettings
from scale_controller.scalers.base import ScalerError
from scale_controller.scalers.servicebus import ServiceBusScaler
from tests.support.hostproc import free_port

CONNECT = "http://schemas.microsoft.com/netservices/2010/10/servicebus/connect"
SB = "http://schemas.microsoft.com/netservices/2011/06/servicebus"


def entry(kind: str, name: str, active: int, dead_letter: int, scheduled: int) -> str:
    counts = (
        f'<CountDetails xmlns:d2p1="{SB}"><d2p1:ActiveMessageCount>{active}</d2p1:ActiveMessageCount>'
        f"<d2p1:DeadLetterMessageCount>{dead_letter}</d2p1:DeadLetterMessageCount>"
        f"<d2p1:ScheduledMessageCount>{scheduled}</d2p1:ScheduledMessageCount>"
        "<d2p1:TransferMessageCount>0</d2p1:TransferMessageCount>"
        "<d2p1:TransferDeadLetterMessageCount>0</d2p1:TransferDeadLetterMessageCount></CountDetails>"
    )
    total = active + dead_letter + scheduled
    return (
        f'<entry xmlns="http://www.w3.org/2005/Atom"><title type="text">{name}</title>'
        f'<content type="application/xml"><{kind} xmlns="{CONNECT}" '
        f'xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><MessageCount>{total}</MessageCount>{counts}'
        f"</{kind}></content></entry>"
    )


EMPTY_FEED = '<feed xmlns="http://www.w3.org/2005/Atom"><title type="text">Publicly Listed Services</title></feed>'


@dataclass
class StandIn:
    """Entities by path ('orders', 'events/subscriptions/audit'); `denied` answers 401; requests are recorded."""

    port: int
    cert: Path
    entities: dict[str, str] = field(default_factory=dict)
    denied: set[str] = field(default_factory=set)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, Authorization header scheme)

    def connection_string(self) -> str:
        return f"Endpoint=sb://127.0.0.1:{self.port}/;SharedAccessKeyName=Root;SharedAccessKey=c2VjcmV0"

    async def handle(self, request: web.Request) -> web.Response:
        path = request.path.strip("/").lower()
        self.requests.append((path, request.headers.get("Authorization", "").split(" ", 1)[0]))
        if path in self.denied:
            return web.Response(
                status=401, text="<Error><Code>401</Code><Detail>Manage claim required</Detail></Error>"
            )
        body = self.entities.get(path, EMPTY_FEED)  # Service Bus answers an empty feed for a missing entity
        return web.Response(text=body, content_type="application/atom+xml")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-days", "1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
async def standin(certificate: tuple[Path, Path]) -> AsyncIterator[StandIn]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    server = StandIn(port=free_port(), cert=certificate[0])
    app = web.Application()
    app.router.add_get("/{tail:.*}", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", server.port, ssl_context=context).start()
    yield server
    await runner.cleanup()


def scaler(server: StandIn, activation: float = 0, **entity: Any) -> ServiceBusScaler:
    settings = ServiceBusSettings(
        connection_setting="ServiceBusConnection",
        connection_string=server.connection_string(),
        fully_qualified_namespace=None,
        **entity,
    )
    options = {"connection_verify": str(server.cert)}  # trust the stand-in's self-signed certificate
    return ServiceBusScaler(settings=settings, target=16, activation=activation, function="f", client_options=options)


async def measure(one: ServiceBusScaler) -> tuple[float, bool]:
    try:
        measurement = await one.measure()
    finally:
        await one.aclose()
    assert measurement.target == 16
    return measurement.value, measurement.active


async def test_queue_active_message_count(standin: StandIn) -> None:
    standin.entities["orders"] = entry("QueueDescription", "orders", active=37, dead_letter=4, scheduled=2)
    assert await measure(scaler(standin, queue_name="orders")) == (37, True)  # not dead-lettered or scheduled
    assert await measure(scaler(standin, activation=37, queue_name="orders")) == (37, False)
    assert standin.requests[0] == ("orders", "SharedAccessSignature")


async def test_subscription_active_message_count(standin: StandIn) -> None:
    standin.entities["events/subscriptions/audit"] = entry("SubscriptionDescription", "audit", 5, 1, 0)
    one = scaler(standin, topic_name="events", subscription_name="audit")
    assert one.name == "azure-servicebus:events/subscriptions/audit"
    assert await measure(one) == (5, True)


async def test_missing_entity_and_denied_access(standin: StandIn) -> None:
    with pytest.raises(ScalerError, match="queue 'nope': it does not exist"):
        await measure(scaler(standin, queue_name="nope"))
    standin.denied.add("locked")
    with pytest.raises(ScalerError, match="Manage rights"):
        await measure(scaler(standin, queue_name="locked"))


async def test_unreachable_namespace() -> None:
    settings = ServiceBusSettings(
        "ServiceBusConnection",
        f"Endpoint=sb://127.0.0.1:{free_port()}/;SharedAccessKeyName=Root;SharedAccessKey=c2VjcmV0",
        None,
        queue_name="q",
    )
    with pytest.raises(ScalerError, match="queue 'q'.*ServiceBusConnection"):
        await measure(ServiceBusScaler(settings=settings, target=16))


def test_identity_based_connections_are_refused_clearly() -> None:
    settings = ServiceBusSettings("Bus", None, "ns.servicebus.windows.net", queue_name="q")
    with pytest.raises(ConfigurationError, match="identity-based Service Bus connection 'Bus'"):
        ServiceBusScaler(settings=settings, target=16, function="f")
