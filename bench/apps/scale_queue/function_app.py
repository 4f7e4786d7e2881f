"""Benchmark app for bench/scale.py: a queue trigger whose work is an `asyncio.sleep` (I/O-bound, so N workers on a
2-core machine scale with N), recording when each message was sent, started and finished.

Env: SCALE_QUEUE (queue name), WORK_SECONDS (mean sleep per message: uniform between 0.5× and 1.5×, so a batch does
not finish in lockstep and newBatchThreshold refills the worker as intended), WORK_RECORD (file to append to). Each
message body
is JSON `{"id": ..., "sent": <unix seconds when the producer sent it>}`; each invocation appends one line
`id pid sent started finished` (Unix seconds; O_APPEND keeps the short lines of several workers whole).
"""

import asyncio
import json
import os
import random
import time

import azure.functions as func

app = func.FunctionApp()

WORK_SECONDS = float(os.environ.get("WORK_SECONDS", "0.1"))
RECORD = os.environ.get("WORK_RECORD", "")


@app.queue_trigger(arg_name="msg", queue_name="%SCALE_QUEUE%", connection="AzureWebJobsStorage")
async def scale_work(msg: func.QueueMessage) -> None:
    started = time.time()
    item = json.loads(msg.get_body())
    if WORK_SECONDS > 0:
        await asyncio.sleep(WORK_SECONDS * random.uniform(0.5, 1.5))
    if RECORD:
        line = f"{item['id']} {os.getpid()} {item['sent']:.6f} {started:.6f} {time.time():.6f}\n"
        fd = os.open(RECORD, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
