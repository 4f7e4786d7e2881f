"""Function metadata: indexing apps, typed bindings, host.json and app settings.

This package never imports the HTTP server, the brokers' clients or the scale controller: it is the shared
vocabulary both halves of funchost read (the host from live objects, the scale controller from JSON).
"""
