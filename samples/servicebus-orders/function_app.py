"""servicebus-orders: an HTTP endpoint enqueues orders on a Service Bus queue; a Service Bus-triggered function
prices each order and publishes it to a topic, where every subscription (billing, shipping, ...) gets a copy.

`POST /api/orders` takes one order or a JSON list of them: a list is set as a JSON-array string, which the host
sends as one message per order (in batches). An order the processor cannot price raises, so its message is
abandoned and redelivered; after the queue's max delivery count (10 by default) Service Bus dead-letters it.
Entity names come from app settings (%OrdersQueue%, %OrderEventsTopic%), so tests can use their own.
"""

import json
import logging

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

PRICES = {"apple": 0.5, "pear": 0.75, "melon": 3.0}


@app.route(route="orders", methods=["POST"])
@app.service_bus_queue_output(arg_name="msg", connection="ServiceBusConnection", queue_name="%OrdersQueue%")
def enqueue_orders(req: func.HttpRequest, msg: func.Out[str]) -> func.HttpResponse:
    try:
        body = req.get_json()
    except ValueError:
        return func.HttpResponse("The body must be a JSON order or a JSON list of orders.", status_code=400)
    orders = body if isinstance(body, list) else [body]
    if not orders or not all(isinstance(order, dict) and order.get("id") for order in orders):
        return func.HttpResponse('An order is a JSON object with an "id".', status_code=400)
    msg.set(json.dumps(orders if isinstance(body, list) else body))
    queued = [order["id"] for order in orders]
    return func.HttpResponse(json.dumps({"queued": queued}), status_code=202, mimetype="application/json")


@app.function_name("ProcessOrder")
@app.service_bus_queue_trigger(arg_name="order", queue_name="%OrdersQueue%", connection="ServiceBusConnection")
@app.service_bus_topic_output(arg_name="event", connection="ServiceBusConnection", topic_name="%OrderEventsTopic%")
def process_order(order: func.ServiceBusMessage, event: func.Out[str]) -> None:
    body = json.loads(order.get_body().decode("utf-8"))
    lines = body.get("lines")
    if not isinstance(lines, list) or not lines:
        raise ValueError(f"order {body.get('id')!r} has no lines")
    total = 0.0
    for line in lines:
        item, quantity = line.get("item"), line.get("quantity")
        if item not in PRICES or not isinstance(quantity, int) or quantity < 1:
            raise ValueError(f"order {body.get('id')!r}: invalid line {line!r}")
        total += PRICES[item] * quantity
    logging.info("Order %s (message %s) accepted: %.2f", body["id"], order.message_id, total)
    event.set(json.dumps({"id": body["id"], "lines": lines, "total": round(total, 2), "status": "accepted"}))
