"""The RabbitMQ and Kafka triggers' binding data through `funchost start`, on the real shared RabbitMQ, tansu
and Azurite: blob output paths bound to `{BasicProperties.MessageId}` / `{DeliveryTag}` of a RabbitMQ message and
to `{Topic}` / `{Partition}` / `{Offset}` / `{Key}` of a Kafka record."""

from __future__ import annotations

import uuid
from pathlib import Path

import aio_pika
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from azure.storage.blob.aio import BlobServiceClient

from tests.support.apps import write_app
from tests.support.hostproc import HostProcess
from tests.support.waiting import until

pytestmark = [pytest.mark.azurite, pytest.mark.rabbitmq, pytest.mark.kafka]

APP = """
import azure.functions as func
app = func.FunctionApp()

@app.generic_trigger(arg_name="msg", type="rabbitMQTrigger", queue_name="%QUEUE%",
                     connection_string_setting="RabbitMQConnection")
@app.blob_output(arg_name="out", connection="AzureWebJobsStorage",
                 path="%CONTAINER%/rabbit/{BasicProperties.MessageId}-{BasicProperties.CorrelationId}-{DeliveryTag}.txt")
def rabbit(msg: str, out: func.Out[str]) -> None:
    out.set(msg)

@app.kafka_trigger(arg_name="event", topic="%TOPIC%", broker_list="KafkaBrokerList", consumer_group="%TOPIC%")
@app.blob_output(arg_name="out", path="%CONTAINER%/kafka/{Topic}/{Partition}-{Offset}-{Key}.txt",
                 connection="AzureWebJobsStorage")
def kafka(event: func.KafkaEvent, out: func.Out[bytes]) -> None:
    out.set(event.get_body())
"""


@pytest.fixture
def blobs(blob_service: BlobServiceClient) -> BlobServiceClient:
    return blob_service


async def names(blobs: BlobServiceClient, container: str) -> list[str]:
    client = blobs.get_container_client(container)
    return [b.name async for b in client.list_blobs()] if await client.exists() else []


async def test_rabbitmq_and_kafka_binding_data_bind_blob_paths(
    tmp_path: Path, blobs: BlobServiceClient, azurite: str, rabbitmq: str, kafka: str, unique_name: str
) -> None:
    topic = f"t{uuid.uuid4().hex[:12]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()
    env = {
        "AzureWebJobsStorage": azurite,
        "RabbitMQConnection": rabbitmq,
        "KafkaBrokerList": kafka,
        "QUEUE": unique_name,
        "TOPIC": topic,
        "CONTAINER": unique_name,
    }
    connection = await aio_pika.connect(rabbitmq)
    try:
        channel = await connection.channel()
        await channel.declare_queue(unique_name, durable=True)
        with HostProcess(write_app(tmp_path / "app", APP), env=env) as host:
            host.wait_ready(60)
            message = aio_pika.Message(b"from rabbit", message_id="m-1", correlation_id="c-9")
            await channel.default_exchange.publish(message, routing_key=unique_name)
            producer = AIOKafkaProducer(bootstrap_servers=kafka)
            await producer.start()
            try:
                await producer.send_and_wait(topic, b"from kafka", key=b"k1")
            finally:
                await producer.stop()

            async def both() -> bool:
                return len(await names(blobs, unique_name)) == 2

            try:
                await until(both, within=40, what="the RabbitMQ and Kafka blob outputs")
            except AssertionError:
                raise AssertionError(host.output()) from None
            assert sorted(await names(blobs, unique_name)) == [f"kafka/{topic}/0-0-k1.txt", "rabbit/m-1-c-9-1.txt"]
            assert host.terminate() == 0
        await channel.queue_delete(unique_name)
    finally:
        await connection.close()
