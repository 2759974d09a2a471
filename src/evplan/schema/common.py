"""Columns shared by several tables."""

from __future__ import annotations

from evplan.schema.columns import Column

POWERTRAINS = ("BEV", "PHEV", "HEV", "ICE")


def source_column() -> Column:
    """The provenance column every table carries."""
    return Column(
        "source",
        "str",
        "-",
        "Source ids from the reference list (e.g. '[S3]'); estimates say 'estimate: ...'.",
        required=False,
        default="",
    )


def first_year_column(what: str) -> Column:
    """Optional first year a row applies to (blank: the horizon's first year)."""
    return Column(
        "first_year", "int", "year", f"First year {what} (blank: from the start).",
        required=False, minimum=1900, maximum=2200,
    )


def last_year_column(what: str) -> Column:
    """Optional last year a row applies to (blank: the horizon's last year)."""
    return Column(
        "last_year", "int", "year", f"Last year {what} (blank: to the end).",
        required=False, minimum=1900, maximum=2200,
    )
