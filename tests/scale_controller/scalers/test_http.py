"""The HTTP scaler on real sockets and real load files: the accept backlog of a listening socket (Linux TCP_INFO),
the workers' published in-flight counts, the measurement through the same `decide` as every trigger, and the
immediate tick when a connection arrives at 0 workers (`ZeroWake` + `ScaleLoop.wake`; the stand-in target is the
in-memory one of test_loop)."""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from funchost.metadata.http_load import LoadGauge, read_load
from scale_controller.decision import State, decide
from scale_controller.loop import ScaleLoop
from scale_controller.policy import Policy
from scale_controller.scalers.http import HttpScaler, http_source
from scale_controller.scalers.http_backlog import accept_backlog
from scale_controller.scalers.http_wake import ZeroWake
from tests.scale_controller.test_loop import MemoryTarget
from tests.support.waiting import until

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="TCP_INFO accept queue is Linux's")


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.setblocking(False)
    yield sock
    sock.close()


def connect(sock: socket.socket, count: int) -> list[socket.socket]:
    return [socket.create_connection(sock.getsockname()) for _ in range(count)]


@linux_only
def test_the_accept_backlog_counts_connections_no_worker_accepted(listener: socket.socket) -> None:
    assert accept_backlog(listener) == 0
    clients = connect(listener, 3)
    assert accept_backlog(listener) == 3
    accepted, _ = listener.accept()
    assert accept_backlog(listener) == 2
    for s in (*clients, accepted):
        s.close()
    plain = socket.socket()
    assert accept_backlog(plain) == 0  # not listening: nothing to count
    plain.close()


def test_load_files_carry_each_workers_count(tmp_path: Path) -> None:
    gauge = LoadGauge(tmp_path / "w0.load")
    gauge.set(7)
    assert read_load(tmp_path / "w0.load") == 7
    assert read_load(tmp_path / "missing.load") == 0  # a worker still starting


@linux_only
async def test_in_flight_plus_backlog_against_the_target_decides_the_replicas(
    listener: socket.socket, tmp_path: Path
) -> None:
    files = [tmp_path / "w0.load", tmp_path / "w1.load"]
    LoadGauge(files[0]).set(20)
    LoadGauge(files[1]).set(9)
    clients = connect(listener, 3)
    scaler = HttpScaler(listener=listener, load_files=lambda: files, target=16, app="shop")
    measured = await scaler.measure()
    assert (measured.value, measured.target, measured.active) == (32.0, 16.0, True)
    source = http_source(listener, lambda: files, 16, "shop")
    assert (source.function, source.trigger, source.factory().name) == ("http", "httpTrigger", "http:shop")
    from scale_controller.decision import Reading

    reading = Reading("http", measured.value, measured.target, measured.active)
    decision = decide([reading], 1, Policy(), State.initial(0.0, 1), 1.0)
    assert decision.desired == 2
    assert "http 32 / target 16" in decision.reason
    for s in clients:
        s.close()


def test_a_mixed_app_scales_on_the_larger_of_its_triggers() -> None:
    from scale_controller.decision import Reading

    queue = Reading("work", 10.0, 5.0, True)  # asks for 2
    http = Reading("http", 48.0, 16.0, True)  # asks for 3
    for readings in ([queue, http], [http, queue]):
        assert decide(readings, 2, Policy(), State.initial(0.0, 2), 1.0).desired == 3
    busy_queue = Reading("work", 40.0, 5.0, True)  # asks for 8, capped by the scale-up policy (+4 pods) at 6
    decision = decide([busy_queue, http], 2, Policy(), State.initial(0.0, 2), 1.0)
    assert decision.desired == 6
    assert "work 40 / target 5 = 8 → 8 (highest of 2 triggers)" in decision.reason


async def test_a_connection_at_zero_workers_ticks_the_loop_at_once(listener: socket.socket, tmp_path: Path) -> None:
    target = MemoryTarget(0)
    source = http_source(listener, list, 16)
    loop = ScaleLoop([source], target, Policy(cooldown_period=0), interval=3600)  # no second poll in this test
    wake = ZeroWake(listener, loop.wake)
    loop.on_tick = wake.after_tick
    stop = asyncio.Event()
    running = asyncio.create_task(loop.run(stop))
    await until(lambda: wake.armed, what="the watch set after the first tick left the app at 0")
    client = await asyncio.to_thread(socket.create_connection, listener.getsockname())
    await until(lambda: target.replicas == 1, within=10, what="the wake to scale to 1")
    assert (wake.wakes, wake.armed, target.calls) == (1, False, [1])
    stop.set()
    await running
    client.close()
