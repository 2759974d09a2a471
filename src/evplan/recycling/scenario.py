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

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evplan.errors import InputError, Problem
from evplan.recycling.options import RecyclingOptions
from evplan.recycling.plan import RecyclingResult, plan_recycling
from evplan.recycling.tables import RecyclingInputs, TableSource, load_inputs

__all__ = [
    "folder_fleet_problem",
    "inputs_from_fleet",
    "new_eu_batteries",
    "plan_from_run",
    "recycling_on_other_fleet",
    "retired_from_fleet",
]

_FLEET_OPTIONS = "--history, --survival, --battery, --chemistry, --years-after-plan, --after-plan"


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
    last plan year's level, or zero) up to the fleet's last year. A fleet of a sales history
    alone holds its last year of sales, as :func:`evplan.fleet.project_fleet` does.
    """
    tables = fleet.tables if hasattr(fleet, "tables") else fleet
    sales = tables["fleet_sales"]
    plan_last = getattr(fleet, "plan_last_year", None)
    if plan_last is None and hasattr(fleet, "tables") and len(sales):
        plan_last = int(sales["year"].max())  # no plan: the fleet held its last sales year
    sales = sales[sales["market"].isin(eu_markets)]
    kwh = (sales["sales_vehicles"] * sales["battery_kwh"]).rename("kwh")
    by_year = pd.concat([sales[["year", "chemistry"]], kwh], axis=1).groupby(
        ["year", "chemistry"], as_index=False)["kwh"].sum()
    by_year = by_year[by_year["kwh"] > 0]
    last = getattr(fleet, "last_year", None)
    after = getattr(getattr(fleet, "options", None), "after_plan", "flat")
    if plan_last is not None and last is not None and after == "flat" and len(by_year):
        final = by_year[by_year["year"] == plan_last]
        later = pd.concat([final.assign(year=year) for year in range(plan_last + 1, last + 1)],
                          ignore_index=True) if last > plan_last else final.iloc[0:0]
        by_year = pd.concat([by_year[by_year["year"] <= plan_last], later], ignore_index=True)
    return by_year.sort_values(["year", "chemistry"]).reset_index(drop=True)


def inputs_from_fleet(fleet: Any, **tables: TableSource) -> RecyclingInputs:
    """:class:`RecyclingInputs` from a fleet projection and the recycling tables.

    Raises
    ------
    InputError
        When the fleet sends no pack to recycling (named as the fleet's, not as a
        ``retired_packs.csv`` the user never gave), or a table has a problem.
    """
    retired = retired_from_fleet(fleet)
    if retired.empty:
        first, last = getattr(fleet, "first_year", None), getattr(fleet, "last_year", None)
        years = f" in {first}-{last}" if first is not None and last is not None else ""
        raise InputError([Problem("fleet", (
            f"the fleet sends no retired pack to recycling{years}: its vehicles carry no "
            "traction pack (ICE only, or battery_kwh 0), or every pack retiring by then goes "
            "to second life. There is nothing to plan: check the programs' battery_kwh, or "
            "project the fleet further (--years-after-plan)."))])
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


def folder_fleet_problem(folder: str | Path, fleet: Any) -> Problem | None:
    """The run folder's own fleet tables, when they send other packs to recycling than
    ``fleet`` does; None when they agree or the folder holds none.

    ``evplan fleet`` (and ``evplan charging``) write ``fleet_pack_end_of_life`` into the
    run folder with the user's ``--survival``, ``--battery``, ... . A recycling plan on a
    fleet projected with other tables would sit beside them in the folder, planning other
    packs than the folder's fleet retires, without a word: that is refused instead.

    Parameters
    ----------
    folder : path
        The run folder.
    fleet : evplan.fleet.FleetResult
        The fleet the recycling plan would use.

    Returns
    -------
    Problem or None
        Names the file, the first (market, year, chemistry) that differs, both tonnes,
        the totals and the fix.
    """
    from evplan.fleet.write import written_files

    root = Path(folder)
    name = "fleet_pack_end_of_life"
    written = written_files(root, "fleet")
    stored = next((root / f"{name}.{kind}" for kind in ("parquet", "csv")
                   if f"{name}.{kind}" in written and (root / f"{name}.{kind}").is_file()),
                  None)
    if stored is None:
        return None
    try:
        theirs = (pd.read_parquet(stored) if stored.suffix == ".parquet"
                  else pd.read_csv(stored))
        theirs = retired_from_fleet({"pack_end_of_life": theirs})
    except (OSError, ValueError, KeyError) as error:
        return Problem(stored.name, f"{stored.name} of the run folder cannot be read to "
                       f"check it against the fleet this plan uses ({error}). Run evplan "
                       "fleet again on the folder, or remove its fleet tables.")
    keys = ["collection_point", "year", "chemistry"]
    both, differs = _tonnes_side_by_side(theirs.set_index(keys)["tonnes"].rename("folder"),
                                         retired_from_fleet(fleet).set_index(keys)["tonnes"]
                                         .rename("plan"))
    if not differs.any():
        return None
    first = both[differs].iloc[0]
    market, year, chemistry = both.index[differs.to_numpy()][0]
    said = _fleet_inputs_said(root)
    return Problem(stored.name, (
        f"{stored.name} of the run folder (written by an earlier evplan fleet or evplan "
        f"charging) sends {both['folder'].sum():,.1f} t of packs to recycling in all, the "
        f"fleet projected for this plan {both['plan'].sum():,.1f} t; they differ first at "
        f"market {market}, {year}, {chemistry}: {first['folder']:,.3f} t in the file, "
        f"{first['plan']:,.3f} t here. " + (
            f"The folder's fleet was projected with other inputs{said}. Give evplan "
            f"recycling the options you gave evplan fleet ({_FLEET_OPTIONS}), or run evplan "
            "fleet again on the folder with the options wanted." if said else
            # no table of the user's own: other options, or an older evplan (before session
            # 24 a strategic run's fleet left out the vehicles assembled from kits)
            "The folder's fleet was projected with other options or by an older evplan. Run "
            "evplan fleet again on the folder (with the options wanted), or give evplan "
            f"recycling the options you gave evplan fleet ({_FLEET_OPTIONS}).")))


def recycling_on_other_fleet(folder: str | Path, fleet: Any) -> str | None:
    """Whether the run folder's recycling tables were planned on other retired packs than
    ``fleet`` sends to recycling (``evplan fleet`` and ``evplan charging`` then remove them,
    as they remove charging tables sized on the fleet they replace).

    Returns
    -------
    str or None
        None when the folder has no recycling tables or they plan these packs; else why
        they go, e.g. ``"were planned on 1,505,047.1 t of retired packs; this fleet sends
        1,111,233.2 t to recycling"`` or ``"cannot be read to check them against this
        fleet"``.
    """
    from evplan.fleet.write import written_files

    root = Path(folder)
    name = "recycling_material_flows.parquet"
    if name not in written_files(root, "recycling") or not (root / name).is_file():
        return None
    keys = ["collection_point", "year", "chemistry"]
    try:
        planned = pd.read_parquet(root / name).groupby(keys)["tonnes"].sum().rename("planned")
    except (OSError, ValueError, KeyError):
        return "cannot be read to check them against this fleet"
    both, differs = _tonnes_side_by_side(
        planned, retired_from_fleet(fleet).set_index(keys)["tonnes"].rename("fleet"))
    if not differs.any():
        return None
    return (f"were planned on {both['planned'].sum():,.1f} t of retired packs; this fleet "
            f"sends {both['fleet'].sum():,.1f} t to recycling")


def _tonnes_side_by_side(left: pd.Series, right: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    """Two tonnages by (collection point, year, chemistry) side by side (0 where a key is
    missing), and where they differ beyond 1e-6 of the larger (at least 1 t)."""
    both = left.to_frame().join(right, how="outer").fillna(0.0)
    gap = (both[left.name] - both[right.name]).abs()
    return both, gap > 1e-6 * np.maximum(1.0, both.abs().max(axis=1))


def _fleet_inputs_said(root: Path) -> str:
    """`` (fleet.json: Survival curves from x.csv ...)``: the tables of its own that the
    folder's fleet names, or '' when it names none."""
    from evplan.fleet.sales import names_own_table

    try:
        manifest = json.loads((root / "fleet.json").read_text(encoding="utf-8"))
        lines = [str(line).rstrip(".") for line in manifest.get("assumptions", ())
                 if names_own_table(str(line))]
    except (OSError, ValueError, AttributeError):
        return ""
    return f" (fleet.json: {'; '.join(lines)})" if lines else ""


def plan_from_run(run: str | Path | Any, *, options: RecyclingOptions | None = None,
                  fleet_options: Any = None, programs: TableSource = None,
                  history: TableSource = None, survival: TableSource = None,
                  battery: TableSource = None, chemistry: TableSource = None,
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
    history, survival, battery, chemistry : CSV path or DataFrame, optional
        The fleet's inputs, as :func:`evplan.fleet.project_fleet` takes them (default: no
        history, the shipped tables). When ``run`` is a run folder holding fleet tables
        (``evplan fleet``'s) that retire other packs, an :class:`InputError` says so
        before the solve (:func:`folder_fleet_problem`).
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
    fleet = project_fleet(run, programs=programs, history=history, survival=survival,
                          battery=battery, chemistry=chemistry, options=fleet_options)
    if isinstance(run, str | Path):
        problem = folder_fleet_problem(run, fleet)
        if problem is not None:
            raise InputError([problem])
    inputs = inputs_from_fleet(fleet, **tables)
    return plan_recycling(inputs, options, progress=progress)
