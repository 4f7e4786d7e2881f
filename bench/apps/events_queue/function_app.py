"""Benchmark app: a no-op `async def` Azure Storage queue trigger (bench/events.py sets BENCH_QUEUE)."""

import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="msg", queue_name="%BENCH_QUEUE%", connection="AzureWebJobsStorage")
async def queue_noop(msg: func.QueueMessage) -> None:
    return None
