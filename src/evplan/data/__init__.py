"""Inputs: read CSV folders or workbooks, validate every table, and hold them as NetworkData."""

from __future__ import annotations

from evplan.data.network import NetworkData, ScenarioSettings
from evplan.data.products import product_members
from evplan.data.validate import load, validate_inputs, validate_tables
from evplan.data.write import write_inputs

__all__ = [
    "NetworkData",
    "ScenarioSettings",
    "load",
    "product_members",
    "validate_inputs",
    "validate_tables",
    "write_inputs",
]
