"""ZEV mandates: a required share of zero-emission sales, with tradeable credits."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import source_column

ZEV_MANDATES = Table(
    name="zev_mandates",
    description=(
        "A zero-emission vehicle mandate for the plan's sales in a market in a year (optional; "
        "e.g. the UK ZEV mandate, California's ACC II)."
    ),
    key=("market", "year"),
    required=False,
    columns=(
        Column("market", "str", "-", "Market id.", references="markets.market"),
        Column("year", "int", "year", "Year.", minimum=1900, maximum=2200),
        Column(
            "zev_share", "float", "fraction",
            "Credits required per vehicle sold (the mandated ZEV share).", minimum=0, maximum=1,
        ),
        Column(
            "bev_credits_per_vehicle", "float", "credits/vehicle", "Credits a BEV earns.",
            required=False, default=1.0, minimum=0, maximum=10,
        ),
        Column(
            "phev_credits_per_vehicle", "float", "credits/vehicle", "Credits a PHEV earns.",
            required=False, default=0.0, minimum=0, maximum=10,
        ),
        Column(
            "penalty_usd_per_vehicle", "float", "USD/credit",
            "Penalty per credit missing at the end of the year (UK: GBP 12,000 per car).",
            minimum=0,
        ),
        Column(
            "credit_price_usd", "float", "USD/credit",
            "Price of buying a credit from another maker (blank: none for sale).",
            required=False, minimum=0,
        ),
        Column(
            "credit_sale_price_usd", "float", "USD/credit",
            "Price a surplus credit sells for (blank: surplus cannot be sold).",
            required=False, minimum=0,
        ),
        Column(
            "banking", "str", "-",
            "'yes': surplus credits may be carried to the market's next mandate year.",
            required=False, default="yes", choices=("yes", "no"),
        ),
        Column(
            "borrow_share", "float", "fraction",
            "Most credits that may be owed at the end of the year, as a share of that year's "
            "requirement (repaid later; 0: no borrowing).",
            required=False, default=0.0, minimum=0, maximum=1,
        ),
        source_column(),
    ),
    notes=(
        "Debt must be repaid by the market's last mandate year in the horizon.",
        "credit_sale_price_usd may not exceed credit_price_usd (buying to resell would pay).",
        "credit_sale_price_usd may not exceed penalty_usd_per_vehicle, nor the purchase price or "
        "penalty of an earlier year whose credits can be banked into it (a missing or banked "
        "credit counts like an earned one, so selling it would pay without limit).",
        "A penalty settles only its own year: penalty_usd_per_vehicle may not be below the "
        "cheapest credit (penalty or credit_price_usd) of a later year that banking reaches, "
        "else the plan would pay the early penalty and bank the credits it stands for (refused "
        "naming the row; raise the penalty or set banking to no between the years).",
    ),
)
