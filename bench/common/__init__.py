"""Helpers every benchmark shares: processes and /proc, a private Azurite, percentiles, the machine line."""
