"""Maker-specific countervailing (anti-subsidy) duties, added to the ad valorem rate."""

from __future__ import annotations

from evplan.schema.columns import Column, Table
from evplan.schema.common import first_year_column, last_year_column, source_column

COUNTERVAILING_DUTIES = Table(
    name="countervailing_duties",
    description=(
        "An extra ad valorem rate a market levies on one maker's vehicles from an origin "
        "('*' maker: every maker without its own row). It applies to the maker's kits "
        "assembled in the market as well, also when they enter under a preferential rate "
        "(a trade remedy, not an ordinary duty)."
    ),
    key=("origin", "market", "powertrain", "maker", "first_year"),
    required=False,
    columns=(
        Column("origin", "str", "-", "Origin country code."),
        Column("market", "str", "-", "Market id.", references="markets.market"),
        Column(
            "powertrain", "str", "-", "Powertrain, or '*' for all.",
            choices=("BEV", "PHEV", "HEV", "ICE", "*"),
        ),
        Column("maker", "str", "-", "Maker, or '*' for every maker without its own row in that "
               "year."),
        first_year_column("the duty applies"),
        last_year_column("the duty applies"),
        Column(
            "cvd_rate", "float", "fraction", "Countervailing duty as a share of customs value.",
            minimum=0, maximum=5,
        ),
        source_column(),
    ),
    notes=(
        "Per year, the maker's own rate comes first: (maker, powertrain), then (maker, '*'), "
        "then the all-others rate ('*', powertrain), then ('*', '*'). A maker with a row of "
        "its own never pays the all-others rate.",
        "The rate is added on every cross-border lane, whether its ordinary duty comes from "
        "duties.csv or from default_duty_rate; lanes inside one country pay none.",
        "Year ranges of rows with the same origin, market, powertrain and maker may not "
        "overlap.",
        "A maker that no program has is allowed (a schedule lists every investigated maker; "
        "its rows never apply); one that differs from a program's maker only in case or in "
        "look-alike letters of another alphabet (a Greek `Ν` in `Νissan`) is an error, since "
        "the row would never apply; so is a program's maker in look-alike letters of a maker "
        "this table names (programs.csv), since its duty would never apply.",
    ),
)
