"""Broker clients shared by the triggers, the output bindings and the scale controller, one module per broker.

Each module owns how funchost builds that broker's client (connection, SDK retry, security options) and how it
reads the client's errors (classification, credential-free descriptions). What a binding's settings mean stays in
`funchost.metadata`; this layer sits between `funchost.bindings` and `funchost.metadata`, and the scale controller
may import it (it holds no host runtime state).
"""
