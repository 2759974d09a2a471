"""From the core plan to a recycling plan: the fleet's retired packs and the EU's new packs.

The core plan (a run folder or a Result) sells vehicles by market and year; the fleet
model (:func:`evplan.fleet.project_fleet`) turns those sales into packs retired by market,
chemistry and year, split between second life and recycling. The packs routed to
recycling become the ``retired_packs`` table here (markets are the collection points),
and the packs in new vehicles sold in EU markets become ``new_batteries`` for the
recycled-content check. The fleet runs past the plan's last year on its stated
assumption (sales held flat by default); new EU batteries after the plan follow the same
assumption.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from evplan.errors import InputError, Problem
from evplan.recycling.options import RecyclingOptions
from evplan.recycling.plan import RecyclingResult, plan_recycling
from evplan.recycling.tables import RecyclingInputs, TableSource, load_inputs

__all__ = ["inputs_from_fleet", "new_eu_batteries", "plan_from_run", "retired_from_fleet"]


def retired_from_fleet(fleet: Any) -> pd.DataFrame:
    """Packs the fleet sends to recycling: ``collection_point, year, chemistry, kwh, tonnes``.

    ``fleet`` is a :class:`evplan.fleet.FleetResult` or a mapping of its tables; its
    ``pack_end_of_life`` rows with route ``recycling`` are used (``packs_retired`` when the
    split is absent, i.e. no second life).
    """
    tables = fleet.tables if hasattr(fleet, "tables") else fleet
    if "pack_end_of_life" in tables:
        packs = tables["pack_end_of_life"]
        packs = packs[packs["route"] == "recycling"]
    else:
        packs = tables["packs_retired"]
    out = packs.rename(columns={"market": "collection_point"})[
        ["collection_point", "year", "chemistry", "kwh", "tonnes"]]
    out = out.groupby(["collection_point", "year", "chemistry"], as_index=False).sum()
    return out[out["tonnes"] > 1e-9].reset_index(drop=True)


def new_eu_batteries(fleet: Any, eu_markets: set[str]) -> pd.DataFrame:
    """kWh by year and chemistry of packs in new vehicles sold in ``eu_markets``.

    Sales after the plan's last year follow the fleet's ``after_plan`` option (held at the
    last plan year's level, or zero) up to the fleet's last year.
    """
    tables = fleet.tables if hasattr(fleet, "tables") else fleet
    sales = tables["fleet_sales"]
    sales = sales[sales["market"].isin(eu_markets)]
    kwh = (sales["sales_vehicles"] * sales["battery_kwh"]).rename("kwh")
    by_year = pd.concat([sales[["year", "chemistry"]], kwh], axis=1).groupby(
        ["year", "chemistry"], as_index=False)["kwh"].sum()
    by_year = by_year[by_year["kwh"] > 0]
    plan_last = getattr(fleet, "plan_last_year", None)
    last = getattr(fleet, "last_year", None)
    after = getattr(getattr(fleet, "options", None), "after_plan", "flat")
    if plan_last is not None and last is not None and after == "flat" and len(by_year):
        final = by_year[by_year["year"] == plan_last]
        later = pd.concat([final.assign(year=year) for year in range(plan_last + 1, last + 1)],
                          ignore_index=True) if last > plan_last else final.iloc[0:0]
        by_year = pd.concat([by_year[by_year["year"] <= plan_last], later], ignore_index=True)
    return by_year.sort_values(["year", "chemistry"]).reset_index(drop=True)


def inputs_from_fleet(fleet: Any, **tables: TableSource) -> RecyclingInputs:
    """:class:`RecyclingInputs` from a fleet projection and the recycling tables."""
    retired = retired_from_fleet(fleet)
    base = load_inputs(retired, **tables)
    points = base["collection_points"]
    eu_markets = set(points.loc[points["eu"].astype(bool), "collection_point"])
    assumptions = (
        *getattr(fleet, "assumptions", ()),
        "Collection points are the plan's markets; retired packs routed to recycling by the "
        "fleet model are collected where the vehicle was sold.",
        "New EU batteries for the recycled-content check are the packs in vehicles the plan "
        "sells in EU markets; after the plan they follow the fleet's after-plan assumption.",
    )
    return replace(base, new_batteries=new_eu_batteries(fleet, eu_markets),
                   assumptions=assumptions)


def plan_from_run(run: str | Path | Any, *, options: RecyclingOptions | None = None,
                  fleet_options: Any = None, programs: TableSource = None,
                  progress: Callable[[str], None] | None = None,
                  **tables: TableSource) -> RecyclingResult:
    """Recycling plan for the batteries a core plan puts on the road.

    Parameters
    ----------
    run : run folder or Result
        The core plan (``evplan run`` output, or a Result with ``programs``).
    options : RecyclingOptions, optional
        Network options.
    fleet_options : evplan.fleet.FleetOptions, optional
        Horizon after the plan and sales after the plan (default: 20 years, flat).
    programs : CSV path or DataFrame, optional
        Pack sizes per program (default: the run's inputs).
    progress : callable, optional
        Called with one line of text as each part of the network is solved.
    **tables : CSV path or DataFrame
        Replace any recycling default table.
    """
    try:
        from evplan.fleet import project_fleet
    except ImportError as error:  # pragma: no cover - the fleet ships with evplan
        raise InputError([Problem("fleet", "evplan.fleet is not available, so retired packs "
                                  "cannot be derived from a run. Pass retired packs as a CSV.")]
                         ) from error
    fleet = project_fleet(run, programs=programs, options=fleet_options)
    inputs = inputs_from_fleet(fleet, **tables)
    return plan_recycling(inputs, options, progress=progress)
