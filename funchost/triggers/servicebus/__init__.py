"""The Service Bus trigger: `listener` (lifecycle, connect / reconnect, stop), `receiving` (the receive loop and
the session workers), `delivery` (convert → invoke → settle one message or batch), `locks` (renewal while an
invocation runs), `settlement` (the completion rule and the function's `ServiceBusMessageActions`)."""
