"""Columns shared by the strategic (network-design) tables.

The strategic tables are optional; when any of them holds a row, the export model becomes
a mixed-integer programme (see ``docs/formulation.md``, "Strategic network design").
"""

from __future__ import annotations

from evplan.schema.columns import Column

YES_NO = ("yes", "no")
STEERING = ("LHD", "RHD")


def yes_no_column(name: str, description: str, default: str = "no") -> Column:
    """An optional ``yes``/``no`` column."""
    return Column(name, "str", "-", description, required=False, default=default,
                  choices=YES_NO)


def money_column(name: str, description: str, *, required: bool = False) -> Column:
    """A non-negative amount of US dollars (default 0)."""
    unit = "USD/year" if name.endswith("_per_year") else (
        "USD/vehicle" if name.endswith("_per_vehicle") else "USD")
    return Column(name, "float", unit, description, required=required,
                  default=None if required else 0.0, minimum=0)


def change_year_column(what: str) -> Column:
    """Optional first year from which a decision may take effect (blank: the first year)."""
    return Column("first_year", "int", "year",
                  f"First year {what} (blank: from the first planning year).",
                  required=False, minimum=1900, maximum=2200)
