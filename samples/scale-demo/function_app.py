"""scale-demo: a queue-triggered worker with a little simulated work, for watching scale-from-zero.

`funchost up` starts with no workers; `python send_burst.py 500` enqueues a burst; the controller measures the
queue as KEDA's azure-queue scaler does and adds workers (each works on batchSize + newBatchThreshold = 6
messages at once), then drains them back to zero after the cooldown. Each added worker runs `warmup` first.
"""

import json
import logging
import os
import time

import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="%WORK_QUEUE%", connection="AzureWebJobsStorage")
def work(msg: func.QueueMessage) -> None:
    item = json.loads(msg.get_body())
    time.sleep(float(os.environ.get("WORK_SECONDS", "0.2")))  # pretend to do something useful (in the thread pool)
    record = os.environ.get("WORK_RECORD")
    if record:
        with open(record, "a", encoding="utf-8") as out:
            out.write(f"{item['id']} {os.getpid()}\n")
    logging.info("processed item %s (dequeue %s)", item["id"], msg.dequeue_count)


@app.warm_up_trigger("warmup")
def warmup(warmup) -> None:
    # Runs once in each worker the scale controller adds, before it takes messages: a place to open clients or
    # load a model, so the first message does not pay for it.
    record = os.environ.get("WARM_RECORD")
    if record:
        with open(record, "a", encoding="utf-8") as out:
            out.write(f"{os.getpid()}\n")
    logging.info("worker %s is warm", os.getpid())
