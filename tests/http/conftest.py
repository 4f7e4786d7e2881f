"""Fixtures: the host's HTTP app built from a real function_app.py in tmp_path, and an ASGI client with lifespan."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.types import ASGIApp, Message

from funchost.http.app import build_http_app
from funchost.http.health import ListenerReport
from funchost.http.keys import KeyStore, load_keys
from funchost.http.throttle import HttpThrottle
from funchost.invocation import FunctionInvoker, InFlight
from funchost.metadata.app_loader import LoadedApp, load_app
from funchost.metrics import HostMetrics
from tests.support.apps import write_app

MASTER = "master-key-for-tests"
HOST_KEY = "host-key-for-tests"


@dataclass
class StubStatus:
    """A host as the HTTP side sees it (funchost.http.health.HostStatus)."""

    state: str = "Running"
    instance_id: str = "0123456789abcdef0123456789abcdef"
    listeners: dict[str, str] = field(default_factory=dict)

    def listener_reports(self) -> dict[str, ListenerReport]:
        return {name: ListenerReport(state, f"{name} is {state}") for name, state in self.listeners.items()}


@dataclass
class Built:
    app: Starlette
    loaded: LoadedApp
    keys: KeyStore
    metrics: HostMetrics
    status: StubStatus
    triggered: list[tuple[str, str]]
    root: Path


BuildApp = Callable[..., Built]


@pytest.fixture
def build_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[BuildApp]:
    """`build_app(source, host_json=..., env=..., keys_env=..., timeout=...)` → the app and what it was built from.

    Keys come from `keys_env` (default: a known master and host key in FUNCHOST_* variables) so tests can use them.
    """
    monkeypatch.setattr(sys, "path", list(sys.path))
    executors: list[ThreadPoolExecutor] = []
    counter = iter(range(1000))

    def build(
        source: str,
        *,
        host_json: dict[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        keys_env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        throttle: HttpThrottle | None = None,
    ) -> Built:
        root = write_app(tmp_path / f"app{next(counter)}", source, host_json=host_json)
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        loaded = load_app(root, apply_settings=False)
        metrics = HostMetrics()
        executor = ThreadPoolExecutor(max_workers=4)
        executors.append(executor)
        in_flight = InFlight()
        invokers = {
            f.spec.name: FunctionInvoker(
                f,
                executor=executor,
                timeout=timeout if timeout is not None else loaded.host_config.function_timeout,
                metrics=metrics,
                in_flight=in_flight,
                function_directory=str(root),
            )
            for f in loaded.functions
        }
        keys_env = {"FUNCHOST_MASTER_KEY": MASTER, "FUNCHOST_HOST_KEY": HOST_KEY} if keys_env is None else keys_env
        keys = load_keys(root, [f.spec.name for f in loaded.functions if f.spec.is_http], keys_env)
        status = StubStatus()
        triggered: list[tuple[str, str]] = []

        async def manual_trigger(name: str, payload: str) -> None:
            triggered.append((name, payload))

        app = build_http_app(
            loaded,
            invokers,
            keys=keys,
            metrics=metrics,
            status=status,
            manual_trigger=manual_trigger,
            throttle=throttle,
        )
        return Built(app, loaded, keys, metrics, status, triggered, root)

    yield build
    sys.modules.pop("function_app", None)
    for executor in executors:
        executor.shutdown(wait=False, cancel_futures=True)


@asynccontextmanager
async def lifespan(app: ASGIApp) -> AsyncIterator[None]:
    """Drive the ASGI lifespan protocol around a block, as uvicorn does."""
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()
    task = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, outbox.put)
    )
    await inbox.put({"type": "lifespan.startup"})
    answer = await outbox.get()
    if answer["type"] != "lifespan.startup.complete":
        await asyncio.gather(task, return_exceptions=True)
        raise RuntimeError(answer.get("message", "lifespan startup failed"))
    try:
        yield
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        answer = await outbox.get()
        await task
        assert answer["type"] == "lifespan.shutdown.complete", answer


@asynccontextmanager
async def serve(app: ASGIApp, *, raise_app_exceptions: bool = True) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to `app` in-process, inside the app's lifespan."""
    transport = httpx.ASGITransport(app, raise_app_exceptions=raise_app_exceptions)
    async with lifespan(app), httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
