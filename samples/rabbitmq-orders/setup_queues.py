"""Declare the sample's queues (funchost, like Azure's RabbitMQ extension, never creates queues).

    python setup_queues.py            # names and connection from the environment or local.settings.json

"orders" gets a dead-letter exchange (the default exchange, routing key "orders-rejected"), so orders that fail
five times end up in "orders-rejected" instead of being discarded.
"""

import asyncio
import json
import os
from pathlib import Path

import aio_pika

HERE = Path(__file__).resolve().parent


def setting(name: str) -> str:
    values = json.loads((HERE / "local.settings.json").read_text()).get("Values", {})
    return os.environ.get(name) or values[name]


async def main() -> None:
    orders, accepted = setting("OrdersQueue"), setting("AcceptedOrdersQueue")
    rejected = setting("RejectedOrdersQueue")
    async with await aio_pika.connect(setting("RabbitMQConnection")) as connection:
        channel = await connection.channel()
        await channel.declare_queue(rejected, durable=True)
        await channel.declare_queue(accepted, durable=True)
        dead_letters = {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": rejected}
        await channel.declare_queue(orders, durable=True, arguments=dead_letters)
    print(f"declared {orders} (dead letters → {rejected}), {accepted}")


if __name__ == "__main__":
    asyncio.run(main())
