"""Blob trigger benchmark (docs/benchmarks.md "Blob trigger"): a container of 10,000 blobs on a private Azurite
(blob + queue, file store), measuring

- the cost of one steady-state scan (every blob already processed): wall time of one poll of the 10,000-blob page
  and the receipt checks it triggers, and the requests it made;
- blobs/s through the trigger (scan → receipt → shared queue → no-op function), from listener start to the
  10,000th invocation, with maxDegreeOfParallelism 16;
- blobs/s of a raw azure-storage-blob loop doing the least the same job needs: list the container, download every
  blob, 16 at a time (no receipts, no queue: not safe with two instances or across restarts).

    .venv/bin/python -m bench.events_bench.azure_blob [--blobs 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from azure.storage.blob.aio import BlobServiceClient

from bench.common.azurite import AZURITE_ACCOUNT, AZURITE_KEY
from bench.common.machine import machine
from bench.common.procs import ROOT, free_port, say

BIN = ROOT / ".services" / "azurite" / "node_modules" / ".bin"
APP = """import azure.functions as func
app = func.FunctionApp()
SEEN = []

@app.blob_trigger(arg_name="blob", path="bench/{name}", connection="AzureWebJobsStorage")
async def work(blob: func.InputStream) -> None:
    SEEN.append(blob.name)
"""
PARALLEL = 16


def start_azurite(location: Path) -> tuple[list[subprocess.Popen[bytes]], str]:
    ports = {"blob": free_port(), "queue": free_port()}
    procs = []
    for kind, port in ports.items():
        (location / kind).mkdir(parents=True, exist_ok=True)
        argv = [str(BIN / f"azurite-{kind}"), f"--{kind}Host", "127.0.0.1", f"--{kind}Port", str(port)]
        argv += ["--location", str(location / kind), "--skipApiVersionCheck", "--disableTelemetry", "--silent"]
        procs.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    time.sleep(2)
    conn = (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"BlobEndpoint=http://127.0.0.1:{ports['blob']}/{AZURITE_ACCOUNT};"
        f"QueueEndpoint=http://127.0.0.1:{ports['queue']}/{AZURITE_ACCOUNT};"
    )
    return procs, conn


async def fill(conn: str, count: int) -> None:
    async with BlobServiceClient.from_connection_string(conn) as service:
        container = service.get_container_client("bench")
        await container.create_container()
        gate = asyncio.Semaphore(64)

        async def put(i: int) -> None:
            async with gate:
                await container.upload_blob(f"b{i:05}", b"x" * 100)

        await asyncio.gather(*(put(i) for i in range(count)))


async def raw_loop(conn: str) -> tuple[int, float]:
    started = time.perf_counter()
    async with BlobServiceClient.from_connection_string(conn) as service:
        container = service.get_container_client("bench")
        names = [b.name async for b in container.list_blobs()]
        gate = asyncio.Semaphore(PARALLEL)

        async def get(name: str) -> None:
            async with gate:
                await (await container.download_blob(name)).readall()

        await asyncio.gather(*(get(n) for n in names))
    return len(names), time.perf_counter() - started


def listener(conn: str, root: Path) -> Any:
    os.environ.update({"AzureWebJobsStorage": conn, "FUNCHOST_BLOB_SCAN_INTERVAL": "0.2"})
    from funchost.invocation import FunctionInvoker, InFlight
    from funchost.metadata.app_loader import load_app
    from funchost.metrics import HostMetrics
    from funchost.triggers.base import ListenerContext
    from funchost.triggers.blob.listener import BlobListener

    (root / "function_app.py").write_text(APP)
    (root / "host.json").write_text('{"version": "2.0", "extensions": {"blobs": {"maxDegreeOfParallelism": 16}}}')
    loaded = load_app(root, apply_settings=False)
    indexed = loaded.functions[0]
    metrics = HostMetrics()
    invoker = FunctionInvoker(
        indexed,
        executor=ThreadPoolExecutor(4),
        timeout=None,
        metrics=metrics,
        in_flight=InFlight(),
        function_directory=".",
    )
    settings = loaded.settings[indexed.spec.name][indexed.spec.trigger.name]
    made = BlobListener(ListenerContext(loaded, invoker, settings, metrics, "bench"))
    made.seen = indexed.callable.__globals__["SEEN"]
    return made


async def wait_until(predicate: Callable[[], bool]) -> None:
    while True:
        if predicate():
            return
        await asyncio.sleep(0.05)


async def through_trigger(conn: str, root: Path, count: int) -> tuple[float, float, int]:
    trigger = listener(conn, root)
    started = time.perf_counter()
    await trigger.start()
    await wait_until(lambda: len(set(trigger.seen)) >= count)
    elapsed = time.perf_counter() - started
    # steady state: every blob processed; time one more poll of the full page by itself
    sweeps = trigger.scanner.sweeps
    await wait_until(lambda: trigger.scanner.sweeps >= sweeps + 2)
    await trigger.stop(10)
    scan = listener(conn, root)
    scan.scanner.last_sweep_latest = trigger.scanner.last_sweep_latest
    t0 = time.perf_counter()
    candidates = await scan.scanner.poll()
    await asyncio.gather(*(scan._claim(c) for c in candidates))
    scan_seconds = time.perf_counter() - t0
    await scan._blobs.close()
    await scan._shared.stop(1)
    return elapsed, scan_seconds, len(candidates)


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="blob-bench-") as tmp:
        procs, conn = start_azurite(Path(tmp) / "azurite")
        try:
            say(f"filling a container with {count} blobs")
            await fill(conn, count)
            listed, raw_seconds = await raw_loop(conn)
            app = Path(tmp) / "app"
            app.mkdir()
            sys.path.insert(0, str(app))
            trigger_seconds, scan_seconds, rechecked = await through_trigger(conn, app, count)
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(20)
    print(machine())
    raw_rate = listed / raw_seconds
    print(f"raw list + download ({PARALLEL} at a time): {listed} blobs in {raw_seconds:.1f} s = {raw_rate:.0f}/s")
    print(f"blob trigger (mdop {PARALLEL}): {count} blobs in {trigger_seconds:.1f} s = {count / trigger_seconds:.0f}/s")
    scan_ms = scan_seconds * 1000
    print(f"steady-state scan of {count} blobs: {scan_ms:.0f} ms, 1 List Blobs call + {rechecked} receipt checks")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blobs", type=int, default=10_000)
    asyncio.run(main(parser.parse_args().blobs))
