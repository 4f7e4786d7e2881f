"""Trigger listeners, one module per trigger type."""
