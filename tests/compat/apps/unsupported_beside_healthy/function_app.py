import logging

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="hello")
def hello(req: func.HttpRequest) -> func.HttpResponse:
    name = req.params.get("name", "world")
    return func.HttpResponse(f"Hello, {name}.")


@app.cosmos_db_trigger(
    arg_name="documents",
    connection="CosmosDbConnectionSetting",
    database_name="ToDoItems",
    container_name="Items",
    lease_container_name="leases",
    create_lease_container_if_not_exists=True,
)
def on_items_changed(documents: func.DocumentList) -> None:
    logging.info("%d documents changed", len(documents))


@app.event_hub_message_trigger(arg_name="event", event_hub_name="telemetry", connection="EventHubConnection")
def on_telemetry(event: func.EventHubEvent) -> None:
    logging.info("event: %s", event.get_body().decode())


@app.sql_trigger(arg_name="changes", table_name="dbo.ToDo", connection_string_setting="SqlConnectionString")
def on_todo_changed(changes: str) -> None:
    logging.info("changes: %s", changes)


@app.generic_trigger(arg_name="context", type="orchestrationTrigger")
def hello_orchestrator(context) -> list[str]:  # written as azure-functions-durable's df.DFApp does
    return []
