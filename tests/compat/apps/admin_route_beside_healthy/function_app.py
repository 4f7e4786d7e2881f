import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="products/{id:int}", methods=["GET"])
def get_product(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(f"product {req.route_params['id']}")


@app.route(route="admin/products", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
def create_product(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("created", status_code=201)


@app.timer_trigger(schedule="0 0 3 * * *", arg_name="timer", run_on_startup=False)
def nightly_cleanup(timer: func.TimerRequest) -> None:
    pass
