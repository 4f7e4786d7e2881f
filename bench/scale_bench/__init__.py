"""bench/scale.py in parts: the queue app and its processes, one module per measured part, the report, the CLI."""
