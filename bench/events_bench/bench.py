"""One measured run per variant: fill, start the consumer, time the window, check, clean up."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common.procs import PYTHON, ROOT, cpu_seconds, free_port, http_get, stop_process, tail
from bench.events_bench.azure_queue import queue_create, queue_delete, queue_remaining, start_private_azurite
from bench.events_bench.kafka import KafkaCommitted, kafka_committed, kafka_create, kafka_delete, kafka_preload
from bench.events_bench.progress import bench_name
from bench.events_bench.pyspy import print_py_spy, start_py_spy
from bench.events_bench.rabbitmq import rabbitmq_create, rabbitmq_delete, rabbitmq_preload, rabbitmq_remaining
from bench.events_bench.report import describe
from bench.events_bench.result import Result
from bench.events_bench.servicebus import servicebus_preload, servicebus_remaining, start_standin
from bench.events_bench.settings import APPS, MIN_RATE

ENTRY = ROOT / "bench" / "events.py"  # workers and the feeder are this benchmark run with --worker / --feeder


@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    function: str = ""  # funchost: the app's function to run (--functions)


VARIANTS: dict[str, list[Variant]] = {
    "queue": [
        Variant("raw", "raw azure-storage-queue loop"),
        Variant("funchost", "funchost", "queue_noop"),
    ],
    "rabbitmq": [
        Variant("raw", "raw aio-pika consumer"),
        Variant("funchost", "funchost", "rabbitmq_noop"),
        Variant("faststream", "FastStream RabbitBroker"),
    ],
    "kafka": [
        Variant("raw", "raw aiokafka consumer"),
        Variant("funchost", "funchost (cardinality one)", "kafka_noop"),
        Variant("faststream", "FastStream KafkaBroker (commit per message)"),
        Variant("funchost-batch", "funchost (cardinality many, batches ≤ 64)", "kafka_noop_batch"),
        Variant("faststream-batch", "FastStream KafkaBroker (batch ≤ 64, commit per batch)"),
    ],
    "servicebus": [
        Variant("raw", "raw azure-servicebus aio receive loop"),
        Variant("funchost", "funchost", "servicebus_noop"),
    ],
}


class Bench:
    def __init__(self, args: argparse.Namespace, logdir: Path) -> None:
        self.args = args
        self.logdir = logdir
        self.loop = asyncio.new_event_loop()
        self.cleanup: list[Callable[[], Awaitable[None]]] = []
        self.feeder: subprocess.Popen[bytes] | None = None
        self.azurite: subprocess.Popen[bytes] | None = None
        self.standin: subprocess.Popen[bytes] | None = None  # Service Bus: a private stand-in per consumer run

    def run(self, coro: Awaitable[Any]) -> Any:
        return self.loop.run_until_complete(coro)

    def timeout_for(self, broker: str) -> float:
        if self.args.run_timeout:
            return float(self.args.run_timeout)
        return 30.0 + self.n(broker) / MIN_RATE[broker]

    def n(self, broker: str) -> int:
        """Messages per consumer run: --messages, for Kafka --kafka-messages (default 5 × --messages)."""
        if broker == "kafka":
            return int(self.args.kafka_messages or 5 * self.args.messages)
        if broker == "servicebus":
            return int(self.args.servicebus_messages)
        return int(self.args.messages)

    def pinned(self, argv: list[str]) -> list[str]:
        return ["taskset", "-c", str(self.args.consumer_cpu), *argv]  # taskset execs: the pid is the consumer's

    # -- preparing a queue / topic -------------------------------------------------------------------------------

    def prepare(self, broker: str) -> tuple[str, str]:
        """Create and fill a fresh queue / topic; return its name and how it was filled."""
        name = bench_name(broker)
        if broker == "queue":  # a fresh Azurite for every consumer run, see start_private_azurite
            self.stop_azurite()
            self.azurite = start_private_azurite(self.logdir)
        if broker == "servicebus":  # a fresh stand-in with the queue for every consumer run
            return self.prepare_servicebus(name)
        create, delete = {
            "queue": (queue_create, queue_delete),
            "rabbitmq": (rabbitmq_create, rabbitmq_delete),
            "kafka": (kafka_create, kafka_delete),
        }[broker]
        if broker != "queue":  # a private Azurite is stopped instead
            self.cleanup.append(lambda: delete(name))
        self.run(create(name))
        n = self.n(broker)
        started = time.monotonic()
        if broker == "queue":
            depth = min(self.args.queue_depth, n)
            self.start_feeder(name, depth)
            filled = f"{depth:,} pre-loaded, topped up to {depth:,} until {n:,} were sent"
        else:
            self.run(rabbitmq_preload(name, n) if broker == "rabbitmq" else kafka_preload(name, n))
            filled = f"{n:,} pre-loaded at {n / (time.monotonic() - started):,.0f} msg/s"
        print(f"  {broker} '{name}': {filled}", flush=True)
        return name, filled

    def prepare_servicebus(self, name: str) -> tuple[str, str]:
        self.stop_standin()
        self.standin, _ = start_standin(name, self.logdir)
        n = self.n("servicebus")
        started = time.monotonic()
        self.run(servicebus_preload(name, n))
        filled = f"{n:,} pre-loaded at {n / (time.monotonic() - started):,.0f} msg/s (batches of 500)"
        print(f"  servicebus '{name}': {filled}", flush=True)
        return name, filled

    def broker_cpu(self) -> float:
        """The stand-in's CPU seconds so far (0 for the other brokers: they are not measured)."""
        return (cpu_seconds(self.standin.pid) or 0.0) if self.standin is not None else 0.0

    def stop_standin(self) -> None:
        if self.standin is not None:
            stop_process(self.standin, timeout=5)
            self.standin = None

    def start_feeder(self, name: str, depth: int) -> None:
        argv = ["taskset", "-c", str(self.args.producer_cpu), PYTHON, str(ENTRY), "--feeder", "--name", name]
        argv += ["--messages", str(self.n("queue")), "--queue-depth", str(depth)]
        err = (self.logdir / "feeder.log").open("ab")
        self.feeder = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, start_new_session=True)
        err.close()
        assert self.feeder.stdout is not None
        line = self.feeder.stdout.readline()  # bounded by the run budget
        if line.strip() != b"READY":
            stop_process(self.feeder, signal.SIGKILL)
            raise RuntimeError(f"the queue feeder failed: {tail(self.logdir / 'feeder.log')}")

    def stop_azurite(self) -> None:
        if self.azurite is not None:
            stop_process(self.azurite, timeout=5)
            self.azurite = None

    def stop_feeder(self) -> None:
        if self.feeder is not None:
            try:
                self.feeder.wait(10)  # it is done once the consumer has seen all N messages
            except subprocess.TimeoutExpired:
                stop_process(self.feeder, signal.SIGKILL)
            self.feeder = None

    def check(self, broker: str, name: str, group: str, result: Result) -> None:
        """After the consumer stopped: nothing left in the queue / all offsets committed."""
        try:
            if broker == "queue":
                left = self.run(queue_remaining(name))
                result.checks.append("queue empty" if left == 0 else f"{left} messages left in the queue")
            elif broker == "servicebus":
                left = self.run(servicebus_remaining(name))
                result.checks.append("all completed" if left == 0 else f"{left} messages not completed")
            elif broker == "rabbitmq":
                left = self.run(rabbitmq_remaining(name))
                result.checks.append("all acked" if left == 0 else f"{left} messages back in the queue")
            else:
                committed = self.run(kafka_committed(name, group))
                ok = committed == self.n(broker)
                result.checks.append("all committed" if ok else f"committed {committed} of {self.n(broker)}")
        except Exception as exc:  # a check must not end the run
            result.checks.append(f"check failed: {type(exc).__name__}: {exc}")

    # -- consumers ------------------------------------------------------------------------------------------------

    def measure_worker(self, broker: str, variant: Variant, name: str, group: str, filled: str) -> Result:
        result = Result(broker, variant.key, variant.label, self.n(broker), filled=filled)
        kind = f"{variant.key}-{broker}"
        log = self.logdir / f"{kind}.log"
        argv = [PYTHON, str(ENTRY), "--worker", kind, "--name", name, "--group", group]
        argv += ["--messages", str(self.n(broker))]
        with log.open("wb") as err:
            proc = subprocess.Popen(
                self.pinned(argv), cwd=ROOT, stdout=subprocess.PIPE, stderr=err, start_new_session=True
            )
        spawned, broker_cpu = time.monotonic(), self.broker_cpu()
        try:
            out, _ = proc.communicate(timeout=self.timeout_for(broker))
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGTERM)
            try:
                out, _ = proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                stop_process(proc, signal.SIGKILL)
                out = b""
            partial = [line for line in out.decode().splitlines() if line.startswith("PARTIAL ")]
            done = json.loads(partial[-1].removeprefix("PARTIAL "))["processed"] if partial else "?"
            result.error = f"timed out after {self.timeout_for(broker):.0f} s with {done} processed"
            return result
        lines = [line for line in out.decode().splitlines() if line.startswith("RESULT ")]
        if proc.returncode != 0 or not lines:
            result.error = f"worker exited with {proc.returncode}: {tail(log, 8)}"
            return result
        report = json.loads(lines[-1].removeprefix("RESULT "))
        result.processed = int(report["processed"])
        result.window_messages = int(report["window_messages"])
        result.window_s = float(report["window_s"])
        result.cpu_s = float(report["cpu_s"])
        result.wall_s = float(report["last_t"]) - spawned
        result.broker_cpu_s = self.broker_cpu() - broker_cpu  # to the worker's exit: its last settlements too
        self.check(broker, name, group, result)
        return result

    def spawn_funchost(
        self, broker: str, function: str, name: str, group: str, log: Path
    ) -> tuple[subprocess.Popen[bytes], int]:
        port = free_port()
        env = dict(os.environ, PYTHONUNBUFFERED="1", BENCH_QUEUE=name, BENCH_TOPIC=name, BENCH_GROUP=group)
        argv = [PYTHON, "-m", "funchost.cli.main", "start", "--script-root", str(APPS / f"events_{broker}")]
        argv += ["--functions", function, "--host", "127.0.0.1", "--port", str(port), "--grace-period", "10"]
        with log.open("wb") as out:
            proc = subprocess.Popen(
                self.pinned(argv), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        return proc, port

    def measure_funchost(
        self, broker: str, variant: Variant, name: str, group: str, filled: str, profile: bool = False
    ) -> Result:
        result = Result(broker, variant.key, variant.label, self.n(broker), filled=filled)
        log = self.logdir / f"{variant.function}{'-profile' if profile else ''}.log"
        function = variant.function
        spy: subprocess.Popen[bytes] | None = None
        spy_out = self.logdir / f"py-spy-{variant.function}.txt"
        count = 0
        committed = KafkaCommitted(name, group) if variant.key == "funchost-batch" else None
        proc, port = self.spawn_funchost(broker, variant.function, name, group, log)  # stopped in `finally` below
        spawned, broker_cpu = time.monotonic(), self.broker_cpu()
        deadline = spawned + self.timeout_for(broker)
        try:
            begin_t, begin_cpu, begin_count = 0.0, 0.0, 0
            while True:
                if time.monotonic() > deadline:
                    result.error = f"timed out after {self.timeout_for(broker):.0f} s with {count:,} processed"
                    break
                if proc.poll() is not None:
                    result.error = f"funchost exited with {proc.returncode}:\n{tail(log)}"
                    break
                if not begin_t:  # the listener is consuming: /readyz is 200 (Kafka: partitions are assigned)
                    if not funchost_consuming(broker, port, log):
                        time.sleep(0.005)
                        continue
                    begin_t, begin_cpu = time.monotonic(), cpu_seconds(proc.pid)
                    # what was already processed is not in the window (read after begin_t: errs against funchost)
                    begin_count = invocation_counts(port, function)[0] if committed is None else 0
                    if profile:
                        spy = start_py_spy(proc.pid, spy_out, self.args.producer_cpu)
                count, failed = invocation_counts(port, function)
                if committed is not None:  # events, not invocations
                    count = self.run(committed.total())
                stamp = time.monotonic()
                if failed:
                    result.error = f"{failed} invocations failed; see {log}"
                    break
                if count >= self.n(broker):
                    result.cpu_s = cpu_seconds(proc.pid) - begin_cpu
                    result.window_s = stamp - begin_t
                    result.window_messages = count - begin_count
                    result.wall_s = stamp - spawned
                    result.broker_cpu_s = self.broker_cpu() - broker_cpu
                    break
                # sleep about half the expected remaining time: few polls, at most 10 ms late at the end
                rate = (count - begin_count) / max(stamp - begin_t, 1e-3) or 1000.0
                time.sleep(min(0.5, max(0.01, (self.n(broker) - count) / rate / 2)))
            result.processed = count
        finally:
            if spy is not None:
                stop_process(spy, signal.SIGINT, timeout=30)
            stop_process(proc)
            if committed is not None:
                self.run(committed.close())
        if not result.error:
            self.check(broker, name, group, result)
        if profile and spy is not None:
            print_py_spy(spy_out, self.args.profile_top)
        return result

    # -- a broker -------------------------------------------------------------------------------------------------

    def measure_broker(self, broker: str) -> list[Result]:
        print(f"\n== {broker} ({self.n(broker):,} messages per consumer) ==", flush=True)
        results: list[Result] = []
        topic, filled = "", ""
        if broker == "kafka":  # one topic, read by every consumer in its own consumer group
            topic, filled = self.prepare(broker)
        for variant in VARIANTS[broker]:
            name = topic
            if broker != "kafka":
                name, filled = self.prepare(broker)
            group = f"bench-{variant.key}-{uuid.uuid4().hex[:8]}"
            started = time.monotonic()
            try:
                if variant.function:
                    result = self.measure_funchost(broker, variant, name, group, filled)
                else:
                    result = self.measure_worker(broker, variant, name, group, filled)
            finally:
                self.stop_feeder()
                self.stop_azurite()  # its queue goes with it
                self.stop_standin()
            results.append(result)
            print(f"  {describe(result)}  [{time.monotonic() - started:.0f} s]", flush=True)
        return results

    def profile_broker(self, broker: str) -> None:
        print(f"\n== profile: funchost on {broker} under py-spy ==", flush=True)
        if shutil.which("py-spy", path=str(Path(PYTHON).parent)) is None and shutil.which("py-spy") is None:
            print("  py-spy is not installed (pip install py-spy); skipped")
            return
        for variant in VARIANTS[broker]:
            if not variant.function:
                continue
            name, filled = self.prepare(broker)
            group = f"bench-profile-{uuid.uuid4().hex[:8]}"
            try:
                result = self.measure_funchost(broker, variant, name, group, filled, profile=True)
            finally:
                self.stop_feeder()
                self.stop_azurite()
                self.stop_standin()
            print(f"  {describe(result)} (slowed by sampling)")

    def close(self) -> None:
        if self.feeder is not None:
            stop_process(self.feeder, signal.SIGKILL)
        self.stop_azurite()
        self.stop_standin()
        for delete in reversed(self.cleanup):
            with contextlib.suppress(Exception):
                self.run(asyncio.wait_for(delete(), 30))
        self.loop.close()


def funchost_consuming(broker: str, port: int, log: Path) -> bool:
    """Queue and RabbitMQ: /readyz answers 200. Kafka: the listener logged its partition assignment (its state is
    "running" before the group join, which takes seconds on tansu)."""
    if broker == "kafka":
        with contextlib.suppress(OSError):
            return re.search(r"assigned partitions \[[^\]]", log.read_text(errors="replace")) is not None
        return False
    with contextlib.suppress(OSError, http.client.HTTPException):
        return http_get(port, "/readyz", timeout=0.5)[0] == 200
    return False


_METRIC = re.compile(r'^funchost_invocations_total\{function="([^"]+)",outcome="([^"]+)"\} ([0-9.e+]+)$', re.M)


def invocation_counts(port: int, function: str) -> tuple[int, int]:
    """(successes, failures + timeouts) of `function` from /metrics; (0, 0) while the host is not up yet."""
    try:
        status, payload = http_get(port, "/metrics", timeout=2.0)
    except (OSError, http.client.HTTPException):
        return 0, 0
    if status != 200:
        return 0, 0
    counts = {outcome: float(value) for fn, outcome, value in _METRIC.findall(payload.decode()) if fn == function}
    return int(counts.get("success", 0)), int(counts.get("failure", 0) + counts.get("timeout", 0))
