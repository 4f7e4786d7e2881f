"""http-hello: the Core Tools HTTP template, plus a route with a typed parameter and a key-protected function."""

import asyncio
import json
import logging

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="hello", methods=["GET", "POST"])
def hello(req: func.HttpRequest) -> func.HttpResponse:
    logging.info("Python HTTP trigger function processed a request.")
    name = req.params.get("name")
    if not name:
        try:
            name = req.get_json().get("name")
        except ValueError:
            name = None
    if name:
        return func.HttpResponse(f"Hello, {name}. This HTTP triggered function executed successfully.")
    return func.HttpResponse(
        "This HTTP triggered function executed successfully. Pass a name in the query string or in the request "
        "body for a personalized response.",
        status_code=200,
    )


@app.route(route="orders/{order_id:int}", methods=["GET"])
async def get_order(req: func.HttpRequest) -> func.HttpResponse:
    order_id = int(req.route_params["order_id"])
    body = {"id": order_id, "status": "shipped" if order_id % 2 == 0 else "pending"}
    return func.HttpResponse(json.dumps(body), mimetype="application/json")


@app.route(route="reports/daily", auth_level=func.AuthLevel.FUNCTION)
def report(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    body = {"function": context.function_name, "invocation": context.invocation_id}
    return func.HttpResponse(json.dumps(body), mimetype="application/json")


@app.route(route="slow", methods=["GET"])
async def slow(req: func.HttpRequest) -> func.HttpResponse:
    seconds = float(req.params.get("seconds", "1"))
    await asyncio.sleep(seconds)
    return func.HttpResponse(f"slept {req.params.get('seconds', '1')}")
