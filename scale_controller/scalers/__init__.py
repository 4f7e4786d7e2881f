"""Scalers, one module per trigger type; `SCALERS` maps trigger type → "module:Class"."""
