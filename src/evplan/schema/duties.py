"""Import duties: ad valorem, specific, minimum and tariff-rate quotas."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import first_year_column, last_year_column, source_column

DUTIES = Table(
    name="duties",
    description=(
        "The duty a market levies on vehicles from an origin country, for a powertrain "
        "('*' for all) over a range of years."
    ),
    key=("origin", "market", "powertrain", "first_year"),
    columns=(
        Column("origin", "str", "-", "Origin country code (the plant's country)."),
        Column("market", "str", "-", "Market id.", references="markets.market"),
        Column(
            "powertrain", "str", "-",
            "Powertrain, or '*' for every powertrain without its own row in that year.",
            choices=("BEV", "PHEV", "HEV", "ICE", "*"),
        ),
        first_year_column("the rate applies"),
        last_year_column("the rate applies"),
        Column(
            "ad_valorem_rate", "float", "fraction", "Duty as a share of the customs value.",
            minimum=0, maximum=5,
        ),
        Column(
            "specific_usd_per_vehicle", "float", "USD/vehicle", "Fixed duty per vehicle.",
            required=False, default=0.0, minimum=0,
        ),
        Column(
            "minimum_usd_per_vehicle", "float", "USD/vehicle",
            "Minimum ad valorem duty per vehicle: the higher of this and the rate applies.",
            required=False, default=0.0, minimum=0,
        ),
        Column(
            "quota_vehicles_per_year", "float", "vehicles/year",
            "Tariff-rate quota: vehicles a year that pay in_quota_rate (blank: no quota); on a "
            "'*' row, one quota for all the powertrains the row covers.",
            required=False, minimum=0,
        ),
        Column(
            "in_quota_rate", "float", "fraction",
            "Ad valorem rate inside the quota (needed when a quota is given).",
            required=False, minimum=0, maximum=5,
        ),
        Column(
            "quota_group", "str", "-",
            "Rows with the same quota_group share one quota (e.g. BEV and PHEV under one EV "
            "quota, or several origins under one erga-omnes quota); names are global and a "
            "group belongs to one market. Blank: the row's quota is its own.",
            required=False, default="",
        ),
        source_column(),
    ),
    notes=(
        "Routes inside one country (plant country = market country) pay no duty.",
        "The row that applies is chosen year by year: the exact powertrain's row for that year, "
        "else the '*' row for that year (an exact row covering other years does not block it), "
        "else default_duty_rate from scenario.yaml.",
        "A quota is renewed every year and shared by every vehicle its row covers in that year "
        "(on a '*' row: every powertrain without its own row), and across rows that name the "
        "same quota_group (their quota volumes must agree; one market per group).",
        "Year ranges of rows with the same origin, market and powertrain may not overlap.",
    ),
)
