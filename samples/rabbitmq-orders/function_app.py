"""rabbitmq-orders: an HTTP endpoint enqueues orders on RabbitMQ; a RabbitMQ-triggered function validates each
order and publishes the accepted ones, priced, to a second queue.

An order that fails validation raises, so it is retried (republished with the x-ms-rabbitmq-requeuecount header)
and after 5 tries rejected to the "orders" queue's dead-letter exchange — `setup_queues.py` routes it to
"orders-rejected". Queue names come from app settings (%OrdersQueue% …), so tests can use their own.
"""

import json
import logging

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

PRICES = {"apple": 0.5, "pear": 0.75, "melon": 3.0}


@app.route(route="orders", methods=["POST"])
@app.generic_output_binding(
    arg_name="order_out", type="rabbitMQ", queue_name="%OrdersQueue%", connection_string_setting="RabbitMQConnection"
)
def enqueue_order(req: func.HttpRequest, order_out: func.Out[str]) -> func.HttpResponse:
    try:
        order = req.get_json()
    except ValueError:
        return func.HttpResponse("The body must be a JSON order.", status_code=400)
    if not isinstance(order, dict) or not order.get("id"):
        return func.HttpResponse('An order is a JSON object with an "id".', status_code=400)
    order_out.set(json.dumps(order))
    return func.HttpResponse(json.dumps({"queued": order["id"]}), status_code=202, mimetype="application/json")


@app.function_name("ProcessOrder")
@app.generic_trigger(
    arg_name="order", type="rabbitMQTrigger", queue_name="%OrdersQueue%", connection_string_setting="RabbitMQConnection"
)
@app.generic_output_binding(
    arg_name="accepted",
    type="rabbitMQ",
    queue_name="%AcceptedOrdersQueue%",
    connection_string_setting="RabbitMQConnection",
)
def process_order(order: dict, accepted: func.Out[str]) -> None:
    lines = order.get("lines")
    if not isinstance(lines, list) or not lines:
        raise ValueError(f"order {order.get('id')!r} has no lines")
    total = 0.0
    for line in lines:
        item, quantity = line.get("item"), line.get("quantity")
        if item not in PRICES or not isinstance(quantity, int) or quantity < 1:
            raise ValueError(f"order {order.get('id')!r}: invalid line {line!r}")
        total += PRICES[item] * quantity
    logging.info("Order %s accepted: %.2f", order["id"], total)
    accepted.set(json.dumps({"id": order["id"], "lines": lines, "total": round(total, 2), "status": "accepted"}))
