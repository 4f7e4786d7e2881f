"""bench/events.py in parts: one module per broker side, the peer consumers, one measured run, profiling,
the report and the CLI."""
