"""Kit duties: import duty on kits, and a preferential rate gated by rules of origin."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import first_year_column, last_year_column, source_column

KIT_DUTIES = Table(
    name="kit_duties",
    description=(
        "The duty a market levies on kits from an origin country, with an optional "
        "preferential rate for sites whose vehicles meet a regional-value-content threshold."
    ),
    key=("origin", "market", "powertrain", "first_year"),
    required=False,
    columns=(
        Column("origin", "str", "-", "Origin country code (the plant's country)."),
        Column("market", "str", "-", "Market id of the assembly site.",
               references="markets.market"),
        Column("powertrain", "str", "-", "Powertrain, or '*' for every powertrain without its "
               "own row.", choices=("BEV", "PHEV", "HEV", "ICE", "*")),
        first_year_column("the rate applies"),
        last_year_column("the rate applies"),
        Column("kit_duty_rate", "float", "fraction",
               "Duty as a share of the kit's customs value.", minimum=0, maximum=5),
        Column(
            "preferential_rate", "float", "fraction",
            "Rate when the site's vehicles of the program meet rvc_threshold (blank: none).",
            required=False, minimum=0, maximum=5,
        ),
        Column(
            "rvc_threshold", "float", "fraction",
            "Regional value content needed for the preferential rate: originating value / "
            "vehicle value at the site (needed with a preferential rate). A site's kits of "
            "one program and year are held to the strictest threshold among their rows.",
            required=False, minimum=0, maximum=1,
        ),
        Column(
            "kit_originating_share", "float", "fraction",
            "Share of the kit's value that counts as originating (1 when the origin is inside "
            "the agreement and cumulation applies).",
            required=False, default=0.0, minimum=0, maximum=1,
        ),
        source_column(),
    ),
    notes=(
        "Regional value content of a site's vehicles of one program in a year = (local content "
        "+ originating share x kit customs value) / (kit customs value + assembly cost), "
        "averaged over the kits assembled; the preferential rate applies to all of them when "
        "the average meets the threshold.",
    ),
)
