"""A private RabbitMQ node, and scripts/services/rabbitmq stop leaving alone a node it did not start."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import aio_pika
import pytest

from tests.support.liveness import management_api_answers
from tests.support.ports import listening
from tests.support.private_rabbitmq import SCRIPT, PrivateRabbitMQ

pytestmark = pytest.mark.rabbitmq


@pytest.fixture(scope="module")
def node() -> Iterator[PrivateRabbitMQ]:
    with PrivateRabbitMQ() as started:
        yield started


def test_stop_leaves_a_node_with_the_same_name_it_did_not_start_running(node: PrivateRabbitMQ, tmp_path: Path) -> None:
    """The node name is the same, but the data dir the script is given holds no pid file of it: not ours."""
    env = {**os.environ, "RABBITMQ_NODE": node.node, "RABBITMQ_AMQP_PORT": str(node.amqp_port)}
    env |= {"RABBITMQ_DIST_PORT": str(node.dist_port), "RABBITMQ_DATA_DIR": str(tmp_path / "elsewhere")}
    done = subprocess.run(["bash", str(SCRIPT), "stop"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "not started here; left running" in done.stdout
    assert listening(node.amqp_port) and management_api_answers(node.management_port)


async def test_a_restart_keeps_durable_queues_and_persistent_messages(node: PrivateRabbitMQ) -> None:
    async with await aio_pika.connect(node.url) as connection:
        channel = await connection.channel()
        queue = await channel.declare_queue("kept", durable=True)
        await channel.default_exchange.publish(
            aio_pika.Message(b"survives", delivery_mode=aio_pika.DeliveryMode.PERSISTENT), routing_key="kept"
        )
    node.restart()
    assert node.data_dir.is_dir()
    async with await aio_pika.connect(node.url) as connection:
        channel = await connection.channel()
        queue = await channel.declare_queue("kept", durable=True)
        message = await queue.get(no_ack=True)
        assert message.body == b"survives"
