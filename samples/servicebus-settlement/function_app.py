"""Orders on a Service Bus queue, settled by the function itself (autoCompleteMessages false), written for Azure's
SDK-type binding (azurefunctions-extensions-bindings-servicebus): the trigger parameter is the SDK's
ServiceBusReceivedMessage and `message_actions` settles it. The application property "action" says what to do."""

import logging

import azure.functions as func
import azurefunctions.extensions.bindings.servicebus as servicebus

app = func.FunctionApp()


@app.service_bus_queue_trigger(
    arg_name="received_message",
    queue_name="%OrdersQueue%",
    connection="ServiceBusConnection",
    auto_complete_messages=False,
)
def settle_order(
    received_message: servicebus.ServiceBusReceivedMessage, message_actions: servicebus.ServiceBusMessageActions
) -> None:
    props = received_message.application_properties or {}
    action = props.get(b"action", props.get("action", b"complete"))
    action = action.decode() if isinstance(action, bytes) else str(action)
    attempt = received_message.delivery_count + 1
    logging.info("order %s: %s (delivery %d)", received_message.message_id, action, attempt)
    if action == "deadletter":
        message_actions.deadletter(
            received_message, deadletter_reason="InvalidOrder", deadletter_error_description="the order has no lines"
        )
    elif action == "defer":
        message_actions.defer(received_message)
    elif action == "abandon-once" and attempt == 1:
        message_actions.abandon(received_message)
    else:
        message_actions.complete(received_message)
