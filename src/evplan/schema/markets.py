"""Markets: where vehicles are sold."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import source_column

MARKETS = Table(
    name="markets",
    description="One sales market (a country or a customs union).",
    key=("market",),
    columns=(
        Column("market", "str", "-", "Market id, e.g. 'BR'."),
        Column("name", "str", "-", "Market name.", required=False, default=""),
        Column(
            "country", "str", "-",
            "Country or customs-union code; a plant in this country sells here duty-free.",
        ),
        Column(
            "customs_basis", "str", "-",
            "Customs value basis: CIF (transfer price + freight) or FOB (transfer price).",
            required=False, default="CIF", choices=("CIF", "FOB"),
        ),
        source_column(),
    ),
)
