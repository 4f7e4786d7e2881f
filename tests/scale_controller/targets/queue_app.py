"""A tiny function app for the target tests, and the storage side of them (real Azurite).

`whoami` (HTTP) answers with the worker's pid. `work` (queue trigger on %WORK_QUEUE%) touches
`$MARK_DIR/<pid>-<body>.start` when an invocation begins (when MARK_DIR is set), sleeps WORK_SECONDS and puts
`{"id": body, "pid": pid}` on %DONE_QUEUE% through an output binding, so the test sees which worker finished what.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from azure.storage.queue.aio import QueueServiceClient

from tests.support.apps import write_app

SOURCE = """
import json
import os
import pathlib
import time

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="whoami")
def whoami(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(str(os.getpid()))


@app.queue_trigger(arg_name="msg", queue_name="%WORK_QUEUE%", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="done", queue_name="%DONE_QUEUE%", connection="AzureWebJobsStorage")
def work(msg: func.QueueMessage, done: func.Out[str]) -> None:
    body = msg.get_body().decode()
    if os.environ.get("MARK_DIR"):
        (pathlib.Path(os.environ["MARK_DIR"]) / f"{os.getpid()}-{body}.start").touch()
    time.sleep(float(os.environ.get("WORK_SECONDS", "0")))
    done.set(json.dumps({"id": body, "pid": os.getpid()}))
"""

# Small batches so two workers share a backlog; a short polling interval so an idle worker notices work fast.
HOST_JSON = {
    "version": "2.0",
    "extensions": {
        "queues": {"batchSize": 2, "newBatchThreshold": 0, "maxPollingInterval": "00:00:01", "messageEncoding": "none"}
    },
}


def write_queue_app(root: Path) -> Path:
    return write_app(root, SOURCE, host_json=HOST_JSON, settings={"FUNCTIONS_WORKER_RUNTIME": "python"})


class Queues:
    """The work and done queues of one test (uuid-named), on a real Azurite."""

    def __init__(self, connection_string: str, prefix: str) -> None:
        self.service = QueueServiceClient.from_connection_string(connection_string, retry_total=0)
        self.work = f"{prefix}-work"
        self.done = f"{prefix}-done"
        self.results: list[dict[str, Any]] = []  # every done record taken so far

    async def create(self) -> None:
        for name in (self.work, self.done):
            await self.service.get_queue_client(name).create_queue()

    async def send(self, *bodies: str) -> None:
        client = self.service.get_queue_client(self.work)
        for body in bodies:
            await client.send_message(body)

    async def work_count(self) -> int:
        """Messages in the work queue, visible or not (Azurite counts received, undeleted ones)."""
        props = await self.service.get_queue_client(self.work).get_queue_properties()
        return int(props.approximate_message_count or 0)

    async def take_done(self) -> set[str]:
        """Move the done queue's messages into `results`; return the unique ids finished so far."""
        client = self.service.get_queue_client(self.done)
        async for message in client.receive_messages(messages_per_page=32):
            self.results.append(json.loads(message.content))
            await client.delete_message(message)
        return {str(result["id"]) for result in self.results}

    async def delete(self) -> None:
        for name in (self.work, self.done):
            await self.service.get_queue_client(name).delete_queue()
        await self.service.close()
