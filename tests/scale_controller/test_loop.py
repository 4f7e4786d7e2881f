"""The scale loop with small in-memory implementations of the Scaler and ScaleTarget protocols, defined here:
this tests our own loop (concurrency, timeouts, rebuild-once, closing, status, lag), not a broker client."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from scale_controller import status
from scale_controller.loop import ScaleLoop, TriggerSource
from scale_controller.policy import Fallback, Policy
from scale_controller.scalers.base import Measurement, Scaler, ScalerError
from scale_controller.targets.base import TargetError

T0 = 1_000_000.0


class Backlog:
    """What a broker would hold for one trigger, plus scripted trouble."""

    def __init__(self, value: float = 0) -> None:
        self.value = value
        self.fail_next = 0  # the next n measure() calls raise ScalerError
        self.hang = False  # measure() never answers
        self.barrier: asyncio.Barrier | None = None  # measure() waits for the other scalers to be asked too


class MemoryScaler:
    def __init__(self, backlog: Backlog, target: float = 10) -> None:
        self.name, self.backlog, self.target, self.closed = "memory:orders", backlog, target, False

    async def measure(self) -> Measurement:
        if self.backlog.fail_next:
            self.backlog.fail_next -= 1
            raise ScalerError("memory broker at 127.0.0.1:1 refused the connection")
        if self.backlog.hang:
            await asyncio.Event().wait()
        if self.backlog.barrier is not None:
            await self.backlog.barrier.wait()
        return Measurement(self.backlog.value, self.target, self.backlog.value > 0)

    async def aclose(self) -> None:
        self.closed = True


class Factory:
    """A stored scaler factory that keeps every instance it built."""

    def __init__(self, backlog: Backlog, *, error: Exception | None = None) -> None:
        self.backlog, self.error = backlog, error
        self.built: list[MemoryScaler] = []

    def __call__(self) -> Scaler:
        if self.error is not None:
            raise self.error
        self.built.append(MemoryScaler(self.backlog))
        return self.built[-1]


class MemoryTarget:
    name = "memory:app"

    def __init__(self, replicas: int = 0) -> None:
        self.replicas, self.fail_next = replicas, 0  # fail_next: the next n scale_to calls raise TargetError
        self.calls: list[int] = []
        self.on_current: Callable[[], None] = lambda: None

    async def current(self) -> int:
        self.on_current()
        return self.replicas

    async def scale_to(self, replicas: int) -> None:
        self.calls.append(replicas)
        if self.fail_next:
            self.fail_next -= 1
            raise TargetError("memory engine refused the change")
        self.replicas = replicas

    async def aclose(self) -> None:
        pass


def make(
    *backlogs: Backlog, replicas: int = 0, policy: Policy | None = None, timeout: float = 10, path: Path | None = None
) -> tuple[ScaleLoop, MemoryTarget, list[Factory]]:
    factories = [Factory(b) for b in backlogs]
    sources = [TriggerSource(f"fn{i}", "queueTrigger", f) for i, f in enumerate(factories)]
    target = MemoryTarget(replicas)
    loop = ScaleLoop(sources, target, policy, scaler_timeout=timeout, status_path=path, clock=lambda: T0)
    return loop, target, factories


async def test_activation_and_scale_to_only_when_desired_differs(caplog: pytest.LogCaptureFixture) -> None:
    loop, target, _ = make(Backlog(3))
    with caplog.at_level(logging.INFO, logger="scale_controller.loop"):
        first = await loop.tick()
        second = await loop.tick()
    assert first is not None and first.reason == "0 → 1: activated by fn0"
    assert second is not None and second.desired == 1  # ceil(3 / 10) = 1 = current
    assert target.calls == [1]
    assert [r.getMessage() for r in caplog.records] == ["memory:app 0 → 1: activated by fn0 [lag 0.0 ms]"]


async def test_all_scalers_are_queried_concurrently() -> None:
    # each measure() waits until all three were asked; one after the other, they would all time out
    backlogs = [Backlog(5), Backlog(15), Backlog(25)]
    barrier = asyncio.Barrier(3)
    for backlog in backlogs:
        backlog.barrier = barrier
    loop, _, _ = make(*backlogs, replicas=1, timeout=5)
    decision = await loop.tick()
    assert decision is not None
    assert [p.replicas for p in decision.proposals] == [1, 2, 3]


async def test_an_error_rebuilds_the_scaler_once_and_asks_again() -> None:
    backlog = Backlog(20)
    backlog.fail_next = 1
    loop, _, [factory] = make(backlog, replicas=1)
    decision = await loop.tick()
    assert decision is not None and decision.proposals[0].replicas == 2  # the rebuilt scaler answered
    assert [s.closed for s in factory.built] == [True, False]  # the failed one was closed
    await loop.tick()
    assert len(factory.built) == 2  # cached: no rebuild while it works


async def test_a_second_error_counts_as_one_failure_and_fallback_follows() -> None:
    backlog = Backlog(20)
    backlog.fail_next = 4  # two ticks, each: first try + one retry
    loop, target, [factory] = make(
        backlog, replicas=2, policy=Policy(fallback=Fallback(failure_threshold=1, replicas=5))
    )
    first = await loop.tick()
    assert first is not None and first.desired == 2  # 1 failure, not more than the threshold: the HPA holds
    assert "memory broker at 127.0.0.1:1 refused the connection" in first.proposals[0].detail
    second = await loop.tick()
    assert second is not None and second.desired == 5  # 2 failures > 1: fallback
    # built, rebuilt after the first error (kept although it failed too), rebuilt again on the next tick's error
    assert len(factory.built) == 3 and target.replicas == 5


async def test_a_scaler_that_does_not_answer_times_out() -> None:
    backlog = Backlog(20)
    backlog.hang = True
    loop, _, [factory] = make(backlog, replicas=1, timeout=0.05)
    decision = await loop.tick()
    assert decision is not None and decision.proposals[0].replicas is None
    assert "TimeoutError: no answer within 0.05 s" in decision.proposals[0].detail
    assert len(factory.built) == 2 and factory.built[0].closed


async def test_a_factory_that_cannot_build_is_a_failing_trigger() -> None:
    broken = Factory(Backlog(0), error=ValueError("'nope' is not a storage connection string"))
    loop = ScaleLoop([TriggerSource("fn0", "queueTrigger", broken)], MemoryTarget(1), clock=lambda: T0)
    decision = await loop.tick()
    assert decision is not None and decision.desired == 1
    assert "ValueError: 'nope' is not a storage connection string" in decision.reason


async def test_a_failed_scale_is_retried_on_the_next_tick(tmp_path: Path) -> None:
    loop, target, _ = make(Backlog(3), path=tmp_path / "status.json")
    target.fail_next = 1
    assert (await loop.tick()) is not None
    doc = status.read(tmp_path / "status.json")
    assert doc["target_error"] == "cannot scale to 1: memory engine refused the change"
    assert doc["last_change"] is None and doc["last_active_at"] is None  # nothing recorded for a failed change
    await loop.tick()
    assert target.calls == [1, 1] and target.replicas == 1
    assert status.read(tmp_path / "status.json")["target_error"] is None


async def test_run_publishes_status_with_lag_and_closes_scalers(tmp_path: Path) -> None:
    path = tmp_path / ".funchost" / "scale-status.json"
    loop, target, factories = make(Backlog(30), Backlog(0), path=path)
    loop.interval = 0.01
    stop = asyncio.Event()
    seen = 0

    def count() -> None:
        nonlocal seen
        seen += 1
        if seen == 3:
            stop.set()

    target.on_current = count
    await loop.run(stop)
    doc = json.loads(path.read_text())
    assert doc["loop"]["ticks"] == 3
    assert 0 <= doc["loop"]["lag_seconds"] <= doc["loop"]["max_lag_seconds"]
    # ticks: 0 → 1 (activation), 1 → 3 (30 / 10), 3 stays
    assert (doc["current"], doc["desired"], doc["target"]) == (3, 3, "memory:app")
    assert doc["reason"] == "3: fn0 30 / target 10 = 3 → 3 (highest of 2 triggers)"
    assert doc["last_change"] | {"at": None} == {
        "at": None,
        "from": 1,
        "to": 3,
        "reason": "1 → 3: fn0 30 / target 10 = 3 → 3 (highest of 2 triggers)",
    }
    rows = {r["function"]: r for r in doc["triggers"]}
    assert rows["fn0"] | {"detail": None} == {
        "function": "fn0",
        "trigger": "queueTrigger",
        "name": "fn0",
        "scaler": "memory:orders",
        "value": 30,
        "target": 10,
        "active": True,
        "error": None,
        "failures": 0,
        "replicas": 3,
        "detail": None,
    }
    assert rows["fn1"]["active"] is False
    assert all(s.closed for f in factories for s in f.built)
    assert list(path.parent.iterdir()) == [path]  # no temporary files left behind


async def test_a_restarted_loop_keeps_the_cooldown(tmp_path: Path) -> None:
    path = tmp_path / "status.json"
    backlog = Backlog(3)
    first, target, _ = make(backlog, path=path)
    await first.tick()  # 0 → 1, last active at T0
    await first.aclose()
    backlog.value = 0
    again = ScaleLoop(
        [TriggerSource("fn0", "queueTrigger", Factory(backlog))], target, status_path=path, clock=lambda: T0 + 100
    )
    decision = await again.tick()
    # without the remembered lastActiveTime a new controller would scale to 0 at once (initialCooldownPeriod 0)
    assert decision is not None and decision.desired == 1
    assert decision.reason.endswith("scale to 0 in 200 s (cooldownPeriod 300 s)")


def test_bad_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="expected both > 0"):
        ScaleLoop([], MemoryTarget(), interval=0)
