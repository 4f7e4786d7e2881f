"""Benchmark app: the smallest HTTP functions, one `async def` and one `def`, both anonymous, and an `async def` that
reads its request (a query parameter and a header), as most real functions do."""

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="async", methods=["GET"])
async def ping_async(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("ok")


@app.route(route="sync", methods=["GET"])
def ping_sync(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("ok")


@app.route(route="reads", methods=["GET"])
async def ping_reads(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(req.params.get("name", "") if req.headers.get("host") else "no host")
