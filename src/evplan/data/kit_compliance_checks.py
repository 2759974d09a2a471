"""Kit routes beside the CO2 and zero-emission rules that do not count kits.

Vehicles assembled from kits at a site sell in the site's market, but fleet CO2 targets,
ZEV mandates and the carbon price and cap count built-up vehicles only (docs/formulation.md,
"Kits"). A plan that supplies such a market with kits would understate its fleet CO2, its
ZEV requirement or its carbon cost and still be called ``optimal``, so until kits join those
sums the combination is an input error: a kit route open in a planning year in which its
site's market has a ``fleet_targets`` or ``zev_mandates`` row, or in which ``carbon_prices``
sets a price above 0 or a cap. Production credits (China's NEV dual credits) count vehicles
built; a kit is not one, so kits earn and owe none (not an error).
"""

from __future__ import annotations

import pandas as pd

from evplan.data.columns import add_limited, row_label
from evplan.data.duties import expand_years
from evplan.data.network import ScenarioSettings
from evplan.errors import Problem
from evplan.schema import TABLES

__all__ = ["check_kit_compliance"]

Tables = dict[str, pd.DataFrame]


def _span(years: list[int]) -> str:
    return f"{years[0]}-{years[-1]}" if len(years) > 1 else f"{years[0]}"


def _rule_years(tables: Tables) -> dict[str, set[tuple[str, int]] | set[int]]:
    """Where each rule that does not count kits applies: (market, year) or year."""
    carbon = tables["carbon_prices"]
    priced = carbon["carbon_price_usd_per_t"].fillna(0).to_numpy(float) > 0
    capped = carbon["cap_t_co2"].notna().to_numpy()
    return {
        "fleet_targets": set(zip(tables["fleet_targets"]["market"],
                                 tables["fleet_targets"]["year"].astype(int), strict=True)),
        "zev_mandates": set(zip(tables["zev_mandates"]["market"],
                                tables["zev_mandates"]["year"].astype(int), strict=True)),
        "carbon_prices": {int(year) for year in carbon["year"][priced | capped]},
    }


_WHAT = {
    "fleet_targets": "sets a fleet CO2 target",
    "zev_mandates": "sets a ZEV mandate",
    "carbon_prices": "sets a carbon price or cap",
}


def check_kit_compliance(tables: Tables, labels: dict[str, str], scenario: ScenarioSettings,
                         problems: list[Problem]) -> None:
    """Append a problem for each kit route that can ship where a rule that does not count
    kits applies (see the module docstring); one per route, naming the rules and years.

    A route can ship in a year inside its own ``first_year``..``last_year`` and from its
    site's ``first_year`` on, to a site with capacity; unknown plants and sites are
    reported as unknown ids elsewhere.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        The typed input tables (``kit_routes``, ``assembly_sites``, ``fleet_targets``,
        ``zev_mandates``, ``carbon_prices``).
    labels : dict of str to str
        Each table's file (or sheet) name, for messages.
    scenario : ScenarioSettings
        The planning years.
    problems : list of Problem
        Appended to; at most ``MAX_ROWS_PER_KIND`` routes are listed, then a count.

    Examples
    --------
    >>> from evplan.examples import china_strategic
    >>> data, found = china_strategic(), []
    >>> check_kit_compliance(dict(data.tables), {}, data.scenario, found)
    >>> found  # its kit sites' markets have no fleet target or ZEV mandate
    []
    """
    kits = tables["kit_routes"]
    if kits.empty:
        return
    rules = _rule_years(tables)
    if not any(rules.values()):
        return
    sites = tables["assembly_sites"]
    sites = sites[sites["capacity_vehicles_per_year"].to_numpy(float) > 0]  # else no kit ships
    open_years = expand_years(kits[["row", "site", "first_year", "last_year"]],
                              scenario.years).merge(
        sites[["site", "market", "first_year"]].rename(columns={"first_year": "site_from"}),
        on="site")  # unknown sites: their own error
    site_from = open_years["site_from"].astype("Float64").fillna(-1).to_numpy(float)
    open_years = open_years[open_years["year"].to_numpy(float) >= site_from]
    found = []
    for i in kits.index:
        mine = open_years[open_years["row"] == kits.loc[i, "row"]]
        if mine.empty:
            continue
        market = str(mine["market"].iloc[0])
        years = [int(year) for year in mine["year"]]
        clashes = []
        for name, where in rules.items():
            hit = sorted(year for year in years
                         if (year in where if name == "carbon_prices"
                             else (market, year) in where))
            if hit:
                clashes.append(f"{labels.get(name, TABLES[name].file)} {_WHAT[name]}"
                               f"{'' if name == 'carbon_prices' else f' for {market}'} in "
                               f"{_span(hit)}")
        if not clashes:
            continue
        found.append(Problem(
            labels.get("kit_routes", TABLES["kit_routes"].file),
            f"{row_label(TABLES['kit_routes'], kits, i)}: the kits assemble cars sold in "
            f"{market} in {_span(years)}, and {'; '.join(clashes)}. evplan does not count "
            "kit-assembled cars in fleet CO2 targets, ZEV mandates or the carbon price and "
            "cap yet, so the plan would understate them (docs/formulation.md, \"Kits\"). "
            "Open the kit route only in other years (move its first_year past those years "
            "or its last_year before them), or leave those rows out.",
            int(kits.loc[i, "row"])))
    add_limited(problems, labels.get("kit_routes", TABLES["kit_routes"].file), found)
