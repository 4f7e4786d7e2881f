"""A private Azurite queue service on a free port, persisted to a folder of its own, for one benchmark phase.

Not the shared instance: Azurite's cost per operation grows with the messages it holds, so a shared instance that
other work has filled would skew the numbers (and a benchmark must not disturb it). Not `--inMemoryPersistence`:
Azurite's queue GC runs once a minute and deletes the extents of deleted messages one by one with a linear search
each (`findAndRemove`); the in-memory store keeps one extent per message, so after thousands of messages its event
loop stalls every request for many seconds, which would be measured as host or controller delays. The file store
packs messages into a few large extents, so the GC stays cheap.
"""

from __future__ import annotations

import contextlib
import http.client
import subprocess
import sys
import time
from pathlib import Path

from bench.common.procs import ROOT, SERVICES, free_port, http_status, stop_process, tail

AZURITE_QUEUE_BIN = ROOT / ".services" / "azurite" / "node_modules" / ".bin" / "azurite-queue"
AZURITE_ACCOUNT = "devstoreaccount1"
# The well-known development account key every Azurite accepts (published in Azure's documentation).
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def queue_connection_string(port: int) -> str:
    return (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
        f"QueueEndpoint=http://127.0.0.1:{port}/{AZURITE_ACCOUNT};"
    )


class PrivateAzurite:
    """`azurite-queue` on a free 127.0.0.1 port storing in `location`; exits the benchmark if it won't start."""

    def __init__(self, location: Path, log: Path) -> None:
        if not AZURITE_QUEUE_BIN.exists():  # installs the pinned Azurite (and starts or reuses the shared instance)
            subprocess.run([str(SERVICES / "azurite"), "start"], capture_output=True, timeout=300, check=False)
        if not AZURITE_QUEUE_BIN.exists():
            sys.exit(f"error: {AZURITE_QUEUE_BIN} is missing; run scripts/services/azurite start")
        self.port = free_port()
        self.log = log
        argv = [str(AZURITE_QUEUE_BIN), "--queueHost", "127.0.0.1", "--queuePort", str(self.port)]
        argv += ["--location", str(location), "--skipApiVersionCheck", "--disableTelemetry", "--silent"]
        with log.open("wb") as handle:
            self.proc = subprocess.Popen(argv, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
        self.conn = queue_connection_string(self.port)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, http.client.HTTPException):
                if http_status(self.port, f"/{AZURITE_ACCOUNT}?comp=list") == 403:  # up (the request is unsigned)
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        sys.exit(f"error: Azurite did not start on port {self.port}:\n{tail(log)}")

    def stop(self) -> None:
        stop_process(self.proc, timeout=10)
