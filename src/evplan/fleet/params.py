"""The fleet's parameter tables: survival curves, battery packs, chemistry and sales history.

Defaults ship in ``evplan/fleet/data/`` with a source id in every row (ids listed in
``sources.yaml``); pass your own CSV with the same columns to replace one.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from evplan.data.columns import row_label
from evplan.data.files import load_yaml, read_text_file
from evplan.errors import InputError, Problem
from evplan.fleet.tables import TableSource, default_table_path, read_parameter_table
from evplan.schema import Column, Table
from evplan.schema.common import POWERTRAINS, source_column

__all__ = [
    "BATTERY",
    "CHEMISTRY",
    "SALES_HISTORY",
    "SURVIVAL",
    "load_battery",
    "load_chemistry",
    "load_survival",
    "sources",
]

SURVIVAL = Table(
    name="survival",
    description="Survival curve of passenger cars in one market ('*': every other market).",
    key=("market",),
    columns=(
        Column("market", "str", "-", "Market id, or '*' for markets without a row."),
        Column("curve", "str", "-", "Functional form: weibull or logistic.",
               choices=("weibull", "logistic")),
        Column("scale_years", "float", "years", "Weibull scale a in S(t)=exp(-(t/a)^b); blank: "
               "derived from mean_years.", required=False, minimum=0.1, maximum=200),
        Column("shape", "float", "-", "Weibull shape b.", required=False, minimum=0.1,
               maximum=50),
        Column("mean_years", "float", "years", "Mean life (logistic; or Weibull when "
               "scale_years is blank).", required=False, minimum=0.1, maximum=200),
        Column("sd_years", "float", "years", "Logistic standard deviation of life.",
               required=False, minimum=0.01, maximum=100),
        Column("max_age_years", "float", "years", "No vehicle older than this (blank: none).",
               required=False, minimum=1, maximum=200),
        source_column(),
    ),
)

BATTERY = Table(
    name="battery",
    description="Traction-pack parameters of one cell chemistry.",
    key=("chemistry",),
    columns=(
        Column("chemistry", "str", "-", "Chemistry id, e.g. LFP, NMC811."),
        Column("pack_kg_per_kwh", "float", "kg/kWh", "Pack mass per kWh of nominal capacity.",
               minimum=0.5, maximum=50),
        Column("capacity_fade_per_year", "float", "fraction", "Capacity lost per year of age.",
               minimum=0.0001, maximum=0.5),
        Column("retirement_state_of_health", "float", "fraction",
               "State of health at which a pack leaves the vehicle.", minimum=0, maximum=1),
        Column("life_sd_years", "float", "years", "Spread (sd, logistic) of the pack life.",
               minimum=0.01, maximum=50),
        Column("second_life_share", "float", "fraction",
               "Share of eligible retired packs repurposed (second life) before recycling.",
               minimum=0, maximum=1),
        Column("second_life_max_age_years", "float", "years",
               "Packs older than this at retirement go straight to recycling.", minimum=0,
               maximum=100),
        source_column(),
    ),
)

CHEMISTRY = Table(
    name="chemistry",
    description="Cell chemistry of a program's packs; '*' matches any program, origin or "
                "powertrain; the most specific matching rows win (program > origin > "
                "powertrain); shares of the winning rows add up to 1.",
    key=("program", "origin", "powertrain", "chemistry"),
    columns=(
        Column("program", "str", "-", "Program id or '*'.", required=False, default="*"),
        Column("origin", "str", "-", "Country the vehicle is built in, or '*'.",
               required=False, default="*"),
        Column("powertrain", "str", "-", "BEV, PHEV, HEV, ICE or '*'.", required=False,
               default="*", choices=(*POWERTRAINS, "*")),
        Column("chemistry", "str", "-", "Chemistry id of battery.csv."),
        Column("share", "float", "fraction", "Share of the packs with this chemistry.",
               required=False, default=1.0, minimum=0, maximum=1),
        source_column(),
    ),
)

SALES_HISTORY = Table(
    name="sales_history",
    description="Vehicles sold in past years (before the plan), by market and powertrain; "
                "rows with the same key add up.",
    key=("market", "powertrain", "year"),
    columns=(
        Column("market", "str", "-", "Market id."),
        Column("year", "int", "year", "Year of sale.", minimum=1950, maximum=2200),
        Column("powertrain", "str", "-", "BEV, PHEV, HEV or ICE.", choices=POWERTRAINS),
        Column("sales_vehicles", "float", "vehicles", "Vehicles sold.", minimum=0),
        Column("program", "str", "-", "Program id (blank: none).", required=False, default=""),
        Column("origin", "str", "-", "Country built in (blank: unknown, matches '*').",
               required=False, default=""),
        Column("battery_kwh", "float", "kWh", "Nominal pack capacity per vehicle (blank: the "
               "powertrain default).", required=False, minimum=0, maximum=1000),
        Column("chemistry", "str", "-", "Chemistry id (blank: from chemistry.csv).",
               required=False, default=""),
        source_column(),
    ),
)


@cache
def sources() -> dict[str, str]:
    """Source id -> citation for every id the default tables name."""
    path = default_table_path("fleet", "sources.yaml")
    return dict(load_yaml(read_text_file(path, path.name), path.name))


def load_survival(source: TableSource = None) -> pd.DataFrame:
    """Return the survival table, each row with ``scale_years`` filled in for Weibull rows.

    Raises
    ------
    InputError
        For a bad cell, a duplicate market, or a row that lacks the parameters of its curve.
    """
    problems: list[Problem] = []
    unparsed: set[int] = set()  # rows with a cell that could not be read (not a repeat)
    table = read_parameter_table(SURVIVAL, source, default_table_path("fleet", "survival.csv"),
                                 problems, unparsed_rows=unparsed)
    label = Path(source).name if isinstance(source, str | Path) else SURVIVAL.file
    # The rows' own checks run on every row no cell problem names: all problems at once.
    file_level = any(problem.row is None for problem in problems)
    if not file_level:
        parsed = ~table["row"].isin(unparsed)
        weibull = table["curve"].eq("weibull") & parsed
        logistic = table["curve"].eq("logistic") & parsed
        needs = {
            "shape": weibull & table["shape"].isna(),
            "scale_years": weibull & table["scale_years"].isna() & table["mean_years"].isna(),
            "mean_years": logistic & table["mean_years"].isna(),
            "sd_years": logistic & table["sd_years"].isna(),
        }
        for column, missing in needs.items():
            for index in table.index[missing]:
                what = ("scale_years or mean_years" if column == "scale_years" else column)
                problems.append(Problem(label, f"{row_label(SURVIVAL, table, index)}: a "
                                        f"{table.loc[index, 'curve']} curve needs {what}. Fill "
                                        "it in.", int(table.loc[index, "row"])))
        # A Weibull row with both: scale_years would be used and mean_years dropped, so
        # they must say the same (mean = scale x Gamma(1 + 1/shape), within 0.5 %).
        from scipy.special import gamma

        both = weibull & table["scale_years"].notna() & table["mean_years"].notna() & table[
            "shape"].notna()
        implied = table["scale_years"] * gamma(1.0 + 1.0 / table["shape"])
        for index in table.index[both & ((implied - table["mean_years"]).abs()
                                         > 0.005 * table["mean_years"])]:
            problems.append(Problem(label, f"{row_label(SURVIVAL, table, index)}: scale_years "
                                    f"{table.loc[index, 'scale_years']:g} and mean_years "
                                    f"{table.loc[index, 'mean_years']:g} disagree (with shape "
                                    f"{table.loc[index, 'shape']:g} the scale means a mean life "
                                    f"of {implied[index]:.3g} years). Give one of them.",
                                    int(table.loc[index, "row"])))
    if problems:
        raise InputError(problems)
    from scipy.special import gamma

    derived = table["mean_years"] / gamma(1.0 + 1.0 / table["shape"])
    table["scale_years"] = table["scale_years"].where(
        table["scale_years"].notna() | table["curve"].ne("weibull"), derived)
    return table


def load_battery(source: TableSource = None) -> pd.DataFrame:
    """Return the battery table (one row per chemistry)."""
    return read_parameter_table(BATTERY, source, default_table_path("fleet", "battery.csv"))


def load_chemistry(source: TableSource = None, battery: pd.DataFrame | None = None
                   ) -> pd.DataFrame:
    """Return the chemistry table, checked against ``battery`` (chemistries must be known).

    Raises
    ------
    InputError
        For unknown chemistries, or specific rows whose shares do not add up to 1.
    """
    problems: list[Problem] = []
    table = read_parameter_table(CHEMISTRY, source, default_table_path("fleet", "chemistry.csv"),
                                 problems)
    label = Path(source).name if isinstance(source, str | Path) else CHEMISTRY.file
    # Every problem at once: the rows whose cells parsed are checked for unknown ids, and
    # the groups none of whose rows has a problem for their shares' sum (a group with a bad
    # cell has no sum to check). A file-level problem (a missing column) stops here.
    if any(problem.row is None for problem in problems):
        raise InputError(problems)
    bad = table["row"].isin({problem.row for problem in problems})
    keys = ["program", "origin", "powertrain"]
    if battery is not None:
        from evplan.fleet.tables import unknown_ids

        problems += unknown_ids(CHEMISTRY, table[~bad], "chemistry", set(battery["chemistry"]),
                                label, "in battery.csv", "Add it to battery.csv or fix the id.")
    spoilt = pd.MultiIndex.from_frame(table.loc[bad, keys])
    sums = table.groupby(keys, as_index=False)["share"].sum()
    for program, origin, powertrain, total in sums.itertuples(index=False):
        if (program, origin, powertrain) not in spoilt and not np.isclose(total, 1.0, atol=1e-6):
            problems.append(Problem(label, f"program '{program}', origin '{origin}', "
                                    f"powertrain '{powertrain}': shares add up to "
                                    f"{total:g}, not 1. Make them add up to 1."))
    if problems:
        raise InputError(problems)
    return table
