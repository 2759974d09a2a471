"""Exchange rates: local currency per US dollar, per country and year (optional)."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import source_column

EXCHANGE_RATES = Table(
    name="exchange_rates",
    description=(
        "The average exchange rate of a country's currency in a year. When the table is "
        "present, prices and plant costs are local-currency amounts stated in US dollars at "
        "the first planning year's rate, and each year converts them at that year's rate."
    ),
    key=("country", "year"),
    required=False,
    columns=(
        Column("country", "str", "-", "Country code of a plant or a market (as in plants.csv "
               "and markets.csv)."),
        Column("year", "int", "year", "Year.", minimum=1900, maximum=2200),
        Column(
            "local_per_usd", "float", "local currency/USD",
            "Units of the country's currency per US dollar (yearly average); above 0 (a "
            "rate of 0 would make the country's amounts infinite).", minimum=1e-6,
        ),
        source_column(),
    ),
    notes=(
        "A country listed here needs a row for the first planning year (the base of the "
        "conversion) and for every later year; a country not listed is priced in US dollars "
        "(e.g. a dollar-pegged currency).",
        "An amount a in USD at the base year's rate is a * fx[base] / fx[year] USD in a later "
        "year: freight is billed in USD and does not convert.",
    ),
)
