"""The charging parameter tables: markets, charger classes, costs, AFIR, and siting inputs.

Defaults ship in ``evplan/charging/data/`` with a source id in every row (ids in
``evplan/fleet/data/sources.yaml``). Rows with market ``'*'`` apply to every market that
has no row of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from evplan.data.files import load_yaml, read_text_file
from evplan.data.suggest import did_you_mean
from evplan.errors import InputError, Problem
from evplan.fleet.tables import TableSource, default_table_path, read_parameter_table
from evplan.schema import Column, Table
from evplan.schema.common import source_column

__all__ = [
    "CHARGER_CLASSES",
    "CHARGER_COSTS",
    "CHARGING_MARKETS",
    "Afir",
    "ChargingParameters",
    "for_markets",
    "load_afir",
    "load_parameters",
    "market_problems",
]

CHARGING_MARKETS = Table(
    name="markets",
    description="How vehicles in one market use energy and public chargers ('*': others).",
    key=("market",),
    columns=(
        Column("market", "str", "-", "Market id, or '*'."),
        Column("annual_km", "float", "km/year", "Distance driven per vehicle and year.",
               minimum=0, maximum=200_000),
        Column("bev_kwh_per_km", "float", "kWh/km", "BEV energy use (at the plug).", minimum=0,
               maximum=5),
        Column("phev_kwh_per_km", "float", "kWh/km", "PHEV energy use in electric driving.",
               minimum=0, maximum=5),
        Column("phev_electric_share", "float", "fraction", "Share of PHEV km driven on "
               "electricity.", minimum=0, maximum=1),
        Column("home_charging_share", "float", "fraction", "Share of drivers with a home "
               "charger.", minimum=0, maximum=1),
        Column("public_share_with_home", "float", "fraction", "Share of energy a driver with "
               "home charging buys in public.", minimum=0, maximum=1),
        Column("public_share_without_home", "float", "fraction", "Share of energy a driver "
               "without home charging buys in public.", minimum=0, maximum=1),
        Column("peak_hour_share", "float", "fraction", "Share of a day's public sessions that "
               "start in the busiest hour.", minimum=0, maximum=1),
        Column("evs_per_public_point", "float", "vehicles/port", "Benchmark: EVs per public "
               "charging point.", minimum=0.01),
        Column("evs_per_public_fast_point", "float", "vehicles/port", "Benchmark: EVs per "
               "public fast (DC) point.", minimum=0.01),
        source_column(),
    ),
)

CHARGER_CLASSES = Table(
    name="charger_classes",
    description="One public charger class: power, session energy and time, share of public "
                "energy, largest station.",
    key=("market", "charger_class"),
    columns=(
        Column("market", "str", "-", "Market id, or '*'.", required=False, default="*"),
        Column("charger_class", "str", "-", "Class id, e.g. AC22, DC50, DC150, DC350."),
        Column("power_kw", "float", "kW", "Rated power of one port.", minimum=0.1,
               maximum=5000),
        Column("session_kwh", "float", "kWh/session", "Mean energy per session.", minimum=0.01,
               maximum=2000),
        Column("session_minutes", "float", "minutes", "Mean time a vehicle occupies the port.",
               minimum=0.1, maximum=10_000),
        Column("public_energy_share", "float", "fraction", "Share of public energy delivered "
               "by this class (the classes of a market add up to 1).", minimum=0, maximum=1),
        Column("max_ports_per_station", "int", "ports", "Most ports one station may have.",
               minimum=1, maximum=1000),
        source_column(),
    ),
)

CHARGER_COSTS = Table(
    name="charger_costs",
    description="Capital cost of one public port of a class, hardware and grid connection.",
    key=("market", "charger_class"),
    columns=(
        Column("market", "str", "-", "Market id, or '*'.", required=False, default="*"),
        Column("charger_class", "str", "-", "Class id of charger_classes.csv."),
        Column("capex_usd_per_port", "float", "USD/port", "Hardware, planning and "
               "installation.", minimum=0),
        Column("grid_usd_per_port", "float", "USD/port", "Grid connection.", minimum=0),
        source_column(),
    ),
)


@dataclass(frozen=True)
class Afir:
    """The EU AFIR numbers evplan uses (``afir.yaml``).

    Attributes
    ----------
    public_kw_per_bev, public_kw_per_phev : float
        Fleet-based targets, kW of public power per registered vehicle.
    core_spacing_km : float
        Largest distance between pools on the TEN-T core network.
    pools : tuple of (from_year, pool_kw, points_at_least_150_kw)
        Pool requirements on the core network.
    """

    public_kw_per_bev: float
    public_kw_per_phev: float
    core_spacing_km: float
    pools: tuple[tuple[int, float, int], ...]

    def pool(self, year: int) -> tuple[float, int]:
        """Pool kW and points of at least 150 kW required in ``year`` (0, 0 before 2025)."""
        current = (0.0, 0)
        for from_year, kw, points in self.pools:
            if year >= from_year:
                current = (kw, points)
        return current


@cache
def load_afir() -> Afir:
    """Return the AFIR numbers shipped in ``evplan/charging/data/afir.yaml``."""
    path = default_table_path("charging", "afir.yaml")
    raw = load_yaml(read_text_file(path, path.name), path.name)
    return Afir(float(raw["public_kw_per_bev"]), float(raw["public_kw_per_phev"]),
                float(raw["core_spacing_km"]),
                tuple((int(p["from_year"]), float(p["pool_kw"]), int(p["points_at_least_150_kw"]))
                      for p in raw["pools"]))


@dataclass(frozen=True)
class ChargingParameters:
    """The three charging tables, validated."""

    markets: pd.DataFrame
    classes: pd.DataFrame
    costs: pd.DataFrame


def _label(source: TableSource, table: Table) -> str:
    return Path(source).name if isinstance(source, str | Path) else table.file


def load_parameters(markets: TableSource = None, classes: TableSource = None,
                    costs: TableSource = None) -> ChargingParameters:
    """Read and check the three charging tables, collecting every problem.

    Besides each cell's type and bounds: public energy shares of one market's classes add
    up to 1, and every class has a cost row.
    """
    problems: list[Problem] = []
    market_table = read_parameter_table(
        CHARGING_MARKETS, markets, default_table_path("charging", "markets.csv"), problems)
    class_table = read_parameter_table(
        CHARGER_CLASSES, classes, default_table_path("charging", "charger_classes.csv"), problems)
    cost_table = read_parameter_table(
        CHARGER_COSTS, costs, default_table_path("charging", "charger_costs.csv"), problems)
    if not problems:
        label = _label(classes, CHARGER_CLASSES)
        markets_named = sorted(set(class_table["market"]))
        resolved = for_markets(class_table, markets_named, label, ("charger_class",))
        sums = resolved.groupby("market", as_index=False)["public_energy_share"].sum()
        for market, total in sums.itertuples(index=False):
            if not np.isclose(total, 1.0, atol=1e-6):
                problems.append(Problem(label, f"market '{market}': public_energy_share adds "
                                        f"up to {total:g}, not 1. Make the classes of a "
                                        "market add up to 1."))
        known = set(class_table["charger_class"])
        cost_label = _label(costs, CHARGER_COSTS)
        for index in cost_table.index[~cost_table["charger_class"].isin(known)]:
            value = cost_table.loc[index, "charger_class"]
            problems.append(Problem(cost_label, f"row {cost_table.loc[index, 'row']}: "
                                    f"charger_class '{value}' is not in charger_classes.csv."
                                    + (did_you_mean(value, known) or " Fix the id."),
                                    int(cost_table.loc[index, "row"])))
        for name in sorted(known - set(cost_table["charger_class"])):
            problems.append(Problem(cost_label, f"charger_class '{name}' has no cost row. "
                                    "Add one (market '*' applies everywhere)."))
    if problems:
        raise InputError(problems)
    return ChargingParameters(market_table, class_table, cost_table)


def for_markets(table: pd.DataFrame, markets: list[str], label: str,
                keys: tuple[str, ...] = ()) -> pd.DataFrame:
    """Rows of ``table`` for each market: its own rows, else the ``'*'`` rows.

    With ``keys`` (e.g. ``("charger_class",)``) the fallback is per key: a market row for
    one class overrides the ``'*'`` row of that class only.

    Raises
    ------
    InputError
        When a market has neither its own row nor a ``'*'`` row.
    """
    base = table.drop(columns=["row"], errors="ignore")
    own = base[base["market"].isin(markets)]
    generic = base[base["market"] == "*"]
    if keys:
        frames = []
        for market in markets:
            mine = own[own["market"] == market]
            rest = generic[~generic.set_index(list(keys)).index.isin(
                mine.set_index(list(keys)).index)]
            frames.append(pd.concat([mine, rest.assign(market=market)]))
        out = pd.concat(frames, ignore_index=True) if frames else base.iloc[:0]
    else:
        missing = [market for market in markets if market not in set(own["market"])]
        out = pd.concat([own, *[generic.assign(market=market) for market in missing]],
                        ignore_index=True)
    lacking = sorted(set(markets) - set(out["market"]))
    if lacking:
        known = sorted(set(base["market"]) - {"*"})
        raise InputError([Problem(label, f"market '{market}' has no row."
                                  + (did_you_mean(market, known)
                                     or " Add a row for it, or a '*' row for every market."))
                          for market in lacking])
    return out.reset_index(drop=True)


def market_problems(parameters: ChargingParameters, markets: list[str]) -> list[Problem]:
    """Problems for markets sized that a parameter table does not serve, every one at once.

    A market needs a row of ``markets.csv`` (its own or ``'*'``), charger classes, and for
    each of its classes a cost row (its own or ``'*'``). Each problem names the file the
    user gave. A class whose cost rows name other markets only (``US`` but no ``'*'``)
    would otherwise leave the market's capital cost blank.

    Examples
    --------
    >>> costs = pd.DataFrame({"market": ["US", "*"], "charger_class": ["DC150", "AC22"],
    ...                       "capex_usd_per_port": 1.0, "grid_usd_per_port": 0.0})
    >>> classes = pd.DataFrame({"market": "*", "charger_class": ["DC150", "AC22"]})
    >>> rows = pd.DataFrame({"market": ["*"]})
    >>> [p.message for p in market_problems(ChargingParameters(rows, classes, costs), ["EU"])]
    ... # doctest: +NORMALIZE_WHITESPACE
    ["market 'EU': charger_class 'DC150' has a cost row for US only. Add a row for market
     'EU', or a '*' row for every market."]
    """
    problems: list[Problem] = []

    def label(frame: pd.DataFrame, table: Table) -> str:
        return str(frame.attrs.get("file", table.file))

    def resolved(frame: pd.DataFrame, table: Table, keys: tuple[str, ...] = ()
                 ) -> pd.DataFrame | None:
        try:
            return for_markets(frame, markets, label(frame, table), keys)
        except InputError as error:
            problems.extend(error.problems)
            return None

    resolved(parameters.markets, CHARGING_MARKETS)
    classes = resolved(parameters.classes, CHARGER_CLASSES, ("charger_class",))
    costs = resolved(parameters.costs, CHARGER_COSTS, ("charger_class",))
    if classes is None or costs is None:
        return problems
    have = set(zip(costs["market"], costs["charger_class"], strict=True))
    for market, name in zip(classes["market"], classes["charger_class"], strict=True):
        if (market, name) in have:
            continue
        named = sorted(set(parameters.costs.loc[parameters.costs["charger_class"] == name,
                                                "market"].astype(str)))
        problems.append(Problem(label(parameters.costs, CHARGER_COSTS),
                                f"market '{market}': charger_class '{name}' has a cost row "
                                f"for {', '.join(named)} only. Add a row for market "
                                f"'{market}', or a '*' row for every market."))
    return problems
