"""The HTTP scaler of `funchost up`: in-flight HTTP function requests summed over the workers, plus the
connections still waiting in the shared listening socket's accept queue, against a per-worker target.

The metric is the KEDA HTTP add-on's (its interceptor counts requests in flight per host and the scaler asks for
`ceil(in-flight / targetValue)`), measured without a proxy: each worker publishes its running + waiting function
requests (`funchost.metadata.http_load`, written by the host's throttle) and the controller, which owns the
listening socket, reads the accept backlog (`http_backlog`). The target is
`funchost.metadata.http_concurrency.HttpConcurrency.scale_target` (maxConcurrentRequests, else 16), or the
override `funchost up --http-target`. Active (0 → 1) as soon as anything is in flight or waiting.
docs/scaling.md "HTTP functions".
"""

from __future__ import annotations

import select
import socket
from collections.abc import Callable, Sequence
from pathlib import Path

from funchost.metadata.http_load import read_load
from scale_controller.scalers.base import Measurement, TriggerSource
from scale_controller.scalers.http_backlog import accept_backlog

HTTP_TRIGGER = "httpTrigger"
HTTP_SOURCE = "http"  # the function column of the status: one metric for all HTTP functions of the app


class HttpScaler:
    def __init__(
        self,
        *,
        listener: socket.socket | None,
        load_files: Callable[[], Sequence[Path]],
        target: float,
        app: str = "",
    ) -> None:
        self.name = f"http:{app}" if app else "http"
        self.listener = listener
        self.load_files = load_files
        self.target = target

    def in_flight(self) -> int:
        return sum(read_load(path) for path in self.load_files())

    def backlog(self) -> int:
        if self.listener is None:
            return 0
        depth = accept_backlog(self.listener)
        if depth == 0 and _readable(self.listener):
            return 1  # a platform without TCP_INFO depth: a readable listener has at least one connection waiting
        return depth

    async def measure(self) -> Measurement:
        value = self.in_flight() + self.backlog()
        return Measurement(value=float(value), target=float(self.target), active=value > 0)

    async def aclose(self) -> None:
        return None  # the listening socket belongs to `funchost up`


def _readable(sock: socket.socket) -> bool:
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


def http_source(
    listener: socket.socket | None, load_files: Callable[[], Sequence[Path]], target: float, app: str = ""
) -> TriggerSource:
    """The scale loop's source for all HTTP functions of an app."""

    def factory() -> HttpScaler:
        return HttpScaler(listener=listener, load_files=load_files, target=target, app=app)

    return TriggerSource(HTTP_SOURCE, HTTP_TRIGGER, factory)
