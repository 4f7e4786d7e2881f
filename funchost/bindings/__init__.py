"""Conversions between host-side data and the `azure.functions` types user code receives and returns."""
