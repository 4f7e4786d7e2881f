"""Benchmark app: a single anonymous `async def` HTTP function (idle-RSS baseline)."""

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="async", methods=["GET"])
async def ping_async(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("ok")
