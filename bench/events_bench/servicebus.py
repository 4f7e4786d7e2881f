"""The Service Bus side: a private stand-in broker per run, pre-loading, counting, and the raw receive loop.

There is no Service Bus server here: every run gets a fresh AMQP 1.0 stand-in (tests/support/servicebus_standin,
docs/servicebus-standin.md) as a process of its own on a free port, with the run's queue. It is pure Python, so its
own CPU per message bounds both consumers; the harness reports it (`broker_cpu_s`). The connection string goes into
this process's environment as `BenchServiceBus`, which the funchost app's trigger names and the workers inherit.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

from bench.common.procs import PYTHON, ROOT, stop_process, tail
from bench.events_bench.progress import Progress, body, noop
from bench.events_bench.settings import SERVICEBUS_MAX_CALLS, SERVICEBUS_PREFETCH, TEXT

CONNECTION = "BenchServiceBus"  # the app setting the benchmark app's trigger names
POLL_SECONDS = 1.0  # the listener's longest receive wait (funchost/triggers/servicebus/receiving.py)


def start_standin(name: str, logdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A stand-in with queue `name` (default settings: 60 s locks); its connection string is exported."""
    argv = [PYTHON, "-m", "tests.support.servicebus_standin", "--port", "0", "--queue", name]
    log = logdir / "servicebus-standin.log"
    with log.open("ab") as err:
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, start_new_session=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()  # bounded by the run budget
    try:
        info = json.loads(line)
    except ValueError:
        stop_process(proc, signal.SIGKILL)
        raise RuntimeError(f"the Service Bus stand-in did not start: {tail(log)}") from None
    os.environ[CONNECTION] = info["connection_string"]
    os.environ["BENCH_SERVICEBUS_CERT"] = info["certificate"]
    return proc, str(info["connection_string"])


async def servicebus_preload(name: str, n: int, chunk: int = 500) -> None:
    """Batches of `chunk` messages (ServiceBusMessageBatch), one send at a time."""
    from azure.servicebus import ServiceBusMessage
    from azure.servicebus.aio import ServiceBusClient

    async with ServiceBusClient.from_connection_string(os.environ[CONNECTION]) as client:
        async with client.get_queue_sender(name) as sender:
            for start in range(0, n, chunk):
                batch = await sender.create_message_batch()
                for i in range(start, min(n, start + chunk)):
                    batch.add_message(ServiceBusMessage(body(i), content_type=TEXT))
                await sender.send_messages(batch)


async def servicebus_remaining(name: str) -> int:
    """Active (available + locked) and dead-lettered messages, from the administration API."""
    from azure.servicebus.aio.management import ServiceBusAdministrationClient

    admin = ServiceBusAdministrationClient.from_connection_string(
        os.environ[CONNECTION], connection_verify=os.environ["BENCH_SERVICEBUS_CERT"]
    )
    async with admin:
        props = await admin.get_queue_runtime_properties(name)
        return int(props.active_message_count or 0) + int(props.dead_letter_message_count or 0)


async def worker_raw_servicebus(name: str, n: int, group: str) -> dict[str, float]:
    """The listener's loop (cardinality one) with the client funchost builds: one peek-lock receiver with
    prefetch 0, at most maxConcurrentCalls (16) messages in work, a receive for as many as are free, each message
    handled in its own task and completed after the no-op returns. No lock renewal: the no-op ends long before a
    lock would need one (funchost starts and cancels a renewal task per message; that is part of its cost)."""
    from azure.servicebus.aio import ServiceBusClient

    progress = Progress(n)
    slots = asyncio.Semaphore(SERVICEBUS_MAX_CALLS)
    running: set[asyncio.Task[None]] = set()

    async def handle(receiver: Any, message: Any) -> None:
        await noop(str(message))
        progress.done()  # as the other peers count before their ack (funchost counts before it settles)
        await receiver.complete_message(message)

    def finished(task: asyncio.Task[None]) -> None:  # as WorkGate: the slot and the count go together
        running.discard(task)
        slots.release()

    async with ServiceBusClient.from_connection_string(os.environ[CONNECTION]) as client:
        receiver = client.get_queue_receiver(name, prefetch_count=SERVICEBUS_PREFETCH, max_wait_time=POLL_SECONDS)
        async with receiver:
            progress.begin()
            while not progress.finished.is_set():
                await slots.acquire()
                free = SERVICEBUS_MAX_CALLS - len(running)  # the slot just taken counts too, as WorkGate.free
                messages = await receiver.receive_messages(max_message_count=free, max_wait_time=POLL_SECONDS)
                if not messages:
                    slots.release()
                    continue
                for index, message in enumerate(messages):
                    if index:
                        await slots.acquire()
                    task = asyncio.create_task(handle(receiver, message))
                    running.add(task)
                    task.add_done_callback(finished)
            if running:
                await asyncio.wait(running)
    return progress.report()
