"""evplan: plan an automaker's export network, its fleet, chargers and battery recycling."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
