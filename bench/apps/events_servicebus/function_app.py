"""Benchmark app: a no-op `async def` Service Bus queue trigger (bench/events.py sets BENCH_QUEUE and, from the
stand-in it starts, BenchServiceBus)."""

import azure.functions as func

app = func.FunctionApp()


@app.service_bus_queue_trigger(arg_name="msg", queue_name="%BENCH_QUEUE%", connection="BenchServiceBus")
async def servicebus_noop(msg: func.ServiceBusMessage) -> None:
    return None
