"""A simulated pool of queue workers fed by a load trace and scaled by a controller, in fixed steps of `DT` seconds.

The model (docs/scaling.md "Replaying a load trace"): messages arrive evenly within each second of the trace and
wait in one FIFO queue (as a fluid: fractions of messages). A replica counts from the moment it is spawned; it takes
`Workers.start_seconds` to start, then takes messages at `Workers.rate` per second while any wait, and holds each for
`slots / rate` seconds (so a busy worker holds `slots` messages, as a host with batchSize + newBatchThreshold).
The controller sees the queue's ApproximateMessagesCount (waiting + held) and is asked every step; it acts on its
own clock. Scale-in removes the newest replicas first (LocalProcessTarget); a removed replica that had started
drains, as a worker does on SIGTERM: it takes nothing more, but it still counts in replica-seconds (not in the
controller's count) until what it holds is finished — `slots / rate` after the pool's last take, as every started
worker shares each step's takes. One still starting stops at once. The run ends once the trace is over,
the queue is empty and the controller is at 0 replicas, or `tail_seconds` after the trace.
The workers and the standby are replay_pool's.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Protocol

from scale_controller.replay_metrics import Outcome, summarize
from scale_controller.replay_pool import DT, Pool, Workers
from scale_controller.replay_trace import Trace


class Controller(Protocol):
    name: str

    def step(self, now: float, metric: float, current: int) -> int:
        """The replicas wanted at `now` given the queue length metric; called every DT (acts on its own ticks)."""
        ...


@dataclass
class Timeline:
    """One sample per second: replicas (spawned), started workers, messages waiting, the metric."""

    at: list[float] = field(default_factory=list)
    replicas: list[int] = field(default_factory=list)
    started: list[int] = field(default_factory=list)
    waiting: list[float] = field(default_factory=list)
    metric: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Run:
    controller: str
    outcome: Outcome
    timeline: Timeline


def simulate(trace: Trace, workers: Workers, controller: Controller, tail_seconds: float = 1800.0) -> Run:
    per_step = round(1 / DT)
    hold_steps = max(1, round(workers.slots / workers.rate / DT))
    capacity = workers.rate * DT
    waiting: deque[list[float]] = deque()  # [arrival step, amount], oldest first
    held: deque[tuple[int, float]] = deque()  # (step it is finished, amount)
    pool = Pool(workers)
    waits: list[tuple[float, float]] = []  # (seconds waited, amount)
    changes: list[tuple[float, int]] = []  # (time, new replica count)
    draining: list[int] = []  # per scaled-in replica, the step it has finished what it holds
    last_take = -hold_steps  # the last step any worker took messages
    queued = in_hold = replica_steps = 0.0
    last_arrival = last_finish = 0.0
    episodes: list[float] = []  # activation latencies: arrival on an empty, unstarted pool → first message taken
    episode: float | None = None
    line = Timeline()
    end = trace.seconds * per_step + round(tail_seconds / DT)
    step = 0
    while step < end:
        now = step * DT
        second = step // per_step
        if second < trace.seconds and trace.arrivals[second]:
            amount = trace.arrivals[second] / per_step
            if episode is None and queued + in_hold == 0 and pool.started(step) == 0:
                episode = now
            waiting.append([step, amount])
            queued += amount
            last_arrival = now + DT
        desired = max(0, controller.step(now, queued + in_hold, len(pool.ready)))
        if desired != len(pool.ready):
            changes.append((now, desired))
        for first_take in pool.step(step, desired):
            if first_take <= last_take and last_take + hold_steps > step:  # it shared the last take: it holds some
                draining.append(last_take + hold_steps)
        draining = [end for end in draining if end > step]
        replica_steps += len(pool.ready) + len(draining)
        started = pool.started(step)
        free = capacity * started
        taken = 0.0
        while free > 1e-12 and waiting:
            head = waiting[0]
            amount = min(free, head[1])
            waits.append(((step - head[0]) * DT, amount))
            head[1] -= amount
            free -= amount
            taken += amount
            if head[1] <= 1e-12:
                waiting.popleft()
        if taken:
            queued = max(0.0, queued - taken)
            held.append((step + hold_steps, taken))
            last_take = step
            in_hold += taken
            if episode is not None:
                episodes.append(now - episode)
                episode = None
        while held and held[0][0] <= step:
            in_hold -= held.popleft()[1]
            last_finish = (step + 1) * DT
        if not held:
            in_hold = 0.0
        if step % per_step == 0:
            line.at.append(now)
            line.replicas.append(len(pool.ready))
            line.started.append(started)
            line.waiting.append(queued)
            line.metric.append(queued + in_hold)
        step += 1
        if second >= trace.seconds and not waiting and not held and not pool.ready and not draining:
            break
    line.at.append(step * DT)  # the final state (the loop may stop between samples)
    line.replicas.append(len(pool.ready))
    line.started.append(pool.started(step))
    line.waiting.append(queued)
    line.metric.append(queued + in_hold)
    outcome = summarize(
        waits=waits,
        episodes=episodes,
        changes=changes,
        replica_seconds=replica_steps * DT,
        busy_seconds=sum(a for _, a in waits) / workers.rate,
        last_arrival=last_arrival,
        last_finish=last_finish,
        unfinished=queued + in_hold,
        ended=step * DT,
        standby_seconds=pool.standby_steps * DT,
    )
    return Run(controller.name, outcome, line)
