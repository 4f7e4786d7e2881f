"""Benchmark app: a no-op `async def` RabbitMQ trigger (bench/events.py sets BENCH_QUEUE)."""

import azure.functions as func

app = func.FunctionApp()


@app.generic_trigger(
    arg_name="msg", type="rabbitMQTrigger", queue_name="%BENCH_QUEUE%", connection_string_setting="BenchRabbitMQ"
)
async def rabbitmq_noop(msg: str) -> None:
    return None
