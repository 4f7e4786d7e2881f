"""queue-pipeline: POST /api/orders puts the order on the "orders" queue (queue output binding); a queue trigger
prices it and puts the result on "orders-processed". Both queues live in AzureWebJobsStorage (Azurite locally).

    curl -X POST localhost:7071/api/orders -d '{"id": "A1", "items": [{"price": 2.5, "quantity": 2}]}'

An order the trigger cannot price (no "id", or an item without a numeric "price") fails; the queue retries it
up to host.json maxDequeueCount times, then moves it to "orders-poison".
"""

import json
import logging

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="orders", methods=["POST"])
@app.queue_output(arg_name="orders", queue_name="%ORDERS_QUEUE%", connection="AzureWebJobsStorage")
def submit_order(req: func.HttpRequest, orders: func.Out[str]) -> func.HttpResponse:
    try:
        order = req.get_json()
    except ValueError:
        return func.HttpResponse("Send the order as a JSON object.", status_code=400)
    if not isinstance(order, dict) or "id" not in order:
        return func.HttpResponse('An order needs an "id".', status_code=400)
    orders.set(json.dumps(order))
    return func.HttpResponse(json.dumps({"accepted": order["id"]}), status_code=202, mimetype="application/json")


@app.queue_trigger(arg_name="msg", queue_name="%ORDERS_QUEUE%", connection="AzureWebJobsStorage")
@app.queue_output(arg_name="processed", queue_name="%PROCESSED_QUEUE%", connection="AzureWebJobsStorage")
def process_order(msg: func.QueueMessage, processed: func.Out[str]) -> None:
    order = msg.get_json()
    total = sum(float(item["price"]) * int(item.get("quantity", 1)) for item in order.get("items", []))
    logging.info("Order %s totals %.2f (attempt %d)", order["id"], total, msg.dequeue_count)
    processed.set(json.dumps({"id": order["id"], "total": round(total, 2), "messageId": msg.id}))
