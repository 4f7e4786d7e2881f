"""The RabbitMQ trigger: `listener` (the consumer), `connection` (connect, reconnect, channel and QoS), `delivery`
(convert → invoke → ack / republish / dead-letter one message)."""
