"""funchost: run unmodified Azure Functions Python apps anywhere, scaled from zero."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
