"""Benchmark app: no-op `async def` Kafka triggers on the same topic, record values as bytes (bench/events.py sets
BENCH_TOPIC and BENCH_GROUP and runs one of them with --functions): `kafka_noop` gets one event per invocation
(cardinality one, the default), `kafka_noop_batch` up to maxBatchSize (64) events (cardinality many)."""

import typing

import azure.functions as func

app = func.FunctionApp()


@app.kafka_trigger(
    arg_name="event",
    topic="%BENCH_TOPIC%",
    broker_list="BenchKafkaBrokers",
    consumer_group="%BENCH_GROUP%",
    data_type=func.DataType.BINARY,
)
async def kafka_noop(event: func.KafkaEvent) -> None:
    return None


@app.kafka_trigger(
    arg_name="events",
    topic="%BENCH_TOPIC%",
    broker_list="BenchKafkaBrokers",
    consumer_group="%BENCH_GROUP%",
    data_type=func.DataType.BINARY,
    cardinality=func.Cardinality.MANY,
)
async def kafka_noop_batch(events: typing.List[func.KafkaEvent]) -> None:  # noqa: UP006 (as the templates write it)
    return None
