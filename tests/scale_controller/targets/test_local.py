"""LocalProcessTarget against real `funchost start` workers of a small app on a real Azurite: scale 0→2→0, HTTP
served by both workers on one port (SO_REUSEPORT), a SIGKILLed worker is replaced, and scale-in drains the
stopping worker's in-flight queue messages (nothing lost)."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from scale_controller.targets.local import LocalProcessTarget
from tests.scale_controller.targets.queue_app import Queues, write_queue_app
from tests.support.hostproc import free_port
from tests.support.waiting import until

pytestmark = pytest.mark.azurite


@pytest.fixture
async def queues(azurite: str, unique_name: str) -> AsyncIterator[Queues]:
    state = Queues(azurite, unique_name)
    await state.create()
    yield state
    await state.delete()


def make_target(tmp_path: Path, queues: Queues, azurite: str, **env: str) -> LocalProcessTarget:
    settings = {"AzureWebJobsStorage": azurite, "WORK_QUEUE": queues.work, "DONE_QUEUE": queues.done, **env}
    root = write_queue_app(tmp_path / "app")
    return LocalProcessTarget(
        root, free_port(), settings, host="127.0.0.1", grace_seconds=20, log_dir=tmp_path / "logs"
    )


@pytest.fixture
async def target(tmp_path: Path, queues: Queues, azurite: str) -> AsyncIterator[LocalProcessTarget]:
    local = make_target(tmp_path, queues, azurite)
    yield local
    await local.aclose()


async def http_pids(target: LocalProcessTarget, wanted: set[int], within: float = 30.0) -> set[int]:
    """GET /api/whoami on fresh connections until every pid in `wanted` has answered."""
    seen: set[int] = set()
    url = f"http://127.0.0.1:{target.port}/api/whoami"
    no_keepalive = httpx.Limits(max_keepalive_connections=0)

    async def all_seen() -> bool:
        try:
            async with httpx.AsyncClient(limits=no_keepalive, timeout=5) as client:
                seen.add(int((await client.get(url)).text))
        except httpx.TransportError:
            pass  # no worker listens yet
        return wanted <= seen

    await until(all_seen, within=within, what=f"workers {sorted(wanted)} to answer HTTP (seen {sorted(seen)})")
    return seen


async def test_scale_0_to_2_to_0_with_http_on_one_port(target: LocalProcessTarget, queues: Queues) -> None:
    assert await target.current() == 0
    await target.scale_to(2)
    assert await target.current() == 2
    first, second = target.pids
    assert first != second
    assert await http_pids(target, {first, second}) == {first, second}  # the kernel spread connections over both
    await queues.send(*(f"m{i}" for i in range(6)))
    await until(lambda: _done_all(queues, 6), what="six messages processed")

    await target.scale_to(0)
    assert await target.current() == 0
    async with asyncio.timeout(30):
        await target.wait_until(lambda t: not t.draining_pids)
    assert sorted((e.pid, e.returncode, e.requested) for e in target.exits) == sorted(
        [(first, 0, True), (second, 0, True)]
    )
    assert sorted(p.name for p in target.log_dir.iterdir()) == ["worker-0.log", "worker-1.log"]
    assert "Host started" in (target.log_dir / "worker-0.log").read_text()


async def _done_all(queues: Queues, count: int) -> bool:
    return len(await queues.take_done()) == count


async def test_a_killed_worker_is_replaced(target: LocalProcessTarget) -> None:
    await target.scale_to(2)
    victim, survivor = target.pids
    await http_pids(target, {victim, survivor})
    os.kill(victim, signal.SIGKILL)
    async with asyncio.timeout(30):
        await target.wait_until(lambda t: len(t.pids) == 2 and victim not in t.pids)
    replacement = next(pid for pid in target.pids if pid != survivor)
    assert [(e.pid, e.returncode, e.requested) for e in target.exits] == [(victim, -signal.SIGKILL, False)]
    assert await target.current() == 2
    assert replacement in await http_pids(target, {replacement, survivor})
    assert (target.log_dir / "worker-2.log").exists()


async def test_scale_in_drains_the_stopping_workers_messages(tmp_path: Path, queues: Queues, azurite: str) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    target = make_target(tmp_path, queues, azurite, MARK_DIR=str(marks), WORK_SECONDS="1")
    try:
        bodies = {f"d{i}" for i in range(12)}
        await target.scale_to(2)
        newest = target.pids[-1]
        await queues.send(*sorted(bodies))
        await until(lambda: any(marks.glob(f"{newest}-*.start")), what="the newest worker to take messages")
        await target.scale_to(1)  # SIGTERM to the newest worker, which has invocations in flight
        assert target.draining_pids == [newest]
        async with asyncio.timeout(30):
            await target.wait_until(lambda t: not t.draining_pids)
        assert [(e.pid, e.returncode, e.requested) for e in target.exits] == [(newest, 0, True)]
        await until(lambda: _done_all(queues, len(bodies)), within=60, what="every message processed")
        await until(lambda: _work_empty(queues), what="every work message deleted")
        assert {r["id"] for r in queues.results} == bodies  # nothing lost (duplicates would be allowed)
        started_by_newest = {p.name.split("-", 1)[1].removesuffix(".start") for p in marks.glob(f"{newest}-*")}
        finished_by_newest = {r["id"] for r in queues.results if r["pid"] == newest}
        assert started_by_newest and started_by_newest == finished_by_newest  # it finished what it had begun
    finally:
        await target.aclose()


async def _work_empty(queues: Queues) -> bool:
    return await queues.work_count() == 0


async def test_a_worker_killed_during_scale_in_loses_nothing(tmp_path: Path, queues: Queues, azurite: str) -> None:
    """SIGKILL the draining worker mid-drain: its leased messages come back after the receive visibility timeout
    and the remaining worker processes them (at-least-once: duplicates allowed, losses not)."""
    marks = tmp_path / "marks"
    marks.mkdir()
    target = make_target(
        tmp_path, queues, azurite, MARK_DIR=str(marks), WORK_SECONDS="2", FUNCHOST_QUEUE_RECEIVE_VISIBILITY_TIMEOUT="3"
    )
    try:
        bodies = {f"k{i}" for i in range(12)}
        await target.scale_to(2)
        newest = target.pids[-1]
        await queues.send(*sorted(bodies))
        await until(lambda: any(marks.glob(f"{newest}-*.start")), what="the newest worker to take messages")
        await target.scale_to(1)  # scale-in: SIGTERM to the newest worker, which has invocations in flight
        assert target.draining_pids == [newest]
        os.kill(newest, signal.SIGKILL)  # ... and it dies mid-drain
        async with asyncio.timeout(30):
            await target.wait_until(lambda t: not t.draining_pids)
        await until(lambda: _done_all(queues, len(bodies)), within=90, what="every message processed")
        await until(lambda: _work_empty(queues), within=30, what="every work message deleted")
        assert {r["id"] for r in queues.results} >= bodies  # nothing lost
        assert await target.current() == 1
    finally:
        await target.aclose()


async def test_a_standby_worker_is_promoted_then_replaced(tmp_path: Path, queues: Queues, azurite: str) -> None:
    """standby=True keeps one loaded-but-idle worker; scale-out promotes it (same pid serves), a new one follows."""
    settings = {"AzureWebJobsStorage": azurite, "WORK_QUEUE": queues.work, "DONE_QUEUE": queues.done}
    root = write_queue_app(tmp_path / "app")
    target = LocalProcessTarget(
        root, free_port(), settings, host="127.0.0.1", grace_seconds=20, log_dir=tmp_path / "logs", standby=True
    )
    try:
        await target.scale_to(0)
        await until(lambda: target.standby_pid is not None, what="a standby worker")
        standby = target.standby_pid
        assert await target.current() == 0
        await until(lambda: "waiting for 'go'" in _log_text(tmp_path), what="the standby to load the app")
        await target.scale_to(1)
        assert target.pids == [standby] and target.standby_pid is None
        assert await http_pids(target, {standby}) == {standby}  # the promoted process serves
        await queues.send("m0", "m1")
        await until(lambda: _done_all(queues, 2), what="two messages processed by the promoted worker")
        await until(lambda: target.standby_pid not in (None, standby), within=30, what="a new standby")
    finally:
        await target.aclose()
    assert target.standby_pid is None and not target.draining_pids
    assert [(e.pid, e.returncode, e.requested) for e in target.exits] == [(standby, 0, True)]


def _log_text(tmp_path: Path) -> str:
    return "".join(p.read_text() for p in (tmp_path / "logs").glob("worker-*.log"))
