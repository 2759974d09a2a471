"""Why a base-year target cannot be calibrated: the observed volume is out of the model's reach.

Step 1 of :func:`evplan.calibration.calibrate` sells every observed volume at a price far
above any cost. A product and market it does not sell in full (or whose last vehicle no
one more vehicle could follow, so its marginal landed cost :math:`c_0` is undefined) cannot
be made the optimum by any wedge: the calibrated model would sell less than was observed.
Rather than fit a wedge of 0 and report a residual (an approximation the user never asked
for), calibration stops with an input error per such row, stating the shortfall and what
binds: plants that build the product at their capacity, lanes at theirs, or no open lane.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evplan.data import NetworkData, product_members
from evplan.errors import Problem
from evplan.results import Result

__all__ = ["unserved_problems"]

#: Vehicles below which a shortfall or a spare capacity counts as none.
TOLERANCE_VEHICLES = 1e-6


def _open(frame: pd.DataFrame, year: int) -> pd.Series:
    """Rows of ``frame`` open in ``year`` (blank ``first_year``/``last_year``: no limit)."""
    none = pd.Series(np.nan, index=frame.index)
    first = pd.to_numeric(frame["first_year"] if "first_year" in frame else none,
                          errors="coerce")
    last = pd.to_numeric(frame["last_year"] if "last_year" in frame else none, errors="coerce")
    return (first.isna() | (first <= year)) & (last.isna() | (last >= year))


def _binding(data: NetworkData, step1: Result, market: str, product: str, year: int
             ) -> str:
    """What limits the supply of ``product`` to ``market`` in step 1, as one sentence."""
    programs = set(product_members(data.programs).query("product == @product")["program"])
    makers = data.tables["plant_programs"]
    plants_all = data.plants[_open(data.plants, year)]
    plants = sorted(set(makers.loc[makers["program"].isin(programs), "plant"])
                    & set(plants_all["plant"]))
    if not plants:
        return f"no plant open in {year} builds {product}"
    routes = data.tables["routes"]
    lanes = routes[routes["plant"].isin(plants) & (routes["market"] == market)
                   & _open(routes, year)]
    if lanes.empty:
        return (f"no lane open in {year} from a plant that builds it ({', '.join(plants)}) "
                f"to {market}")
    parts = []
    utilisation = step1["utilisation"]
    used = utilisation[(utilisation["year"] == year) & utilisation["plant"].isin(lanes["plant"])]
    full = used[used["production_vehicles"] >= used["capacity_vehicles_per_year"]
                - TOLERANCE_VEHICLES]
    if len(full):
        parts.append("plant capacity, used in full: " + ", ".join(
            f"{plant} {capacity:,.0f} vehicles" for plant, capacity
            in zip(full["plant"], full["capacity_vehicles_per_year"], strict=True)))
    shipments = step1["shipments"]
    shipped = shipments[(shipments["year"] == year) & (shipments["market"] == market)] \
        .groupby("plant")["shipment_vehicles"].sum()
    capped = lanes[lanes["capacity_vehicles_per_year"].notna()]
    for plant, capacity in zip(capped["plant"], capped["capacity_vehicles_per_year"],
                               strict=True):
        if shipped.get(plant, 0.0) >= capacity - TOLERANCE_VEHICLES:
            parts.append(f"lane {plant} -> {market} capacity {capacity:,.0f} vehicles, used "
                         "in full")
    if not parts:
        return ("no plant or lane capacity is full: another rule of the inputs (a quota, a "
                "compliance target, a minimum utilisation elsewhere) limits it")
    return "; ".join(parts)


def unserved_problems(data: NetworkData, observed: pd.DataFrame, supply: pd.DataFrame,
                      step1: Result, year: int) -> list[Problem]:
    """An input error per observed row that step 1 cannot supply with a marginal cost.

    Parameters
    ----------
    data : NetworkData
        The base year's inputs (step 1's).
    observed : pandas.DataFrame
        The base year's ``base_demand`` rows (``market, product, volume_vehicles, row``).
    supply : pandas.DataFrame
        Step 1 per observed row, aligned with it: ``sales_vehicles`` and ``served``.
    step1 : Result
        Step 1's plan (its ``utilisation`` and ``shipments`` say what binds).
    year : int
        The base year.

    Returns
    -------
    list of Problem
        Each naming the ``base_demand.csv`` row, the observed and suppliable volumes, the
        shortfall, what binds and a fix.
    """
    problems = []
    for position in np.flatnonzero(~supply["served"].to_numpy(dtype=bool)):
        record = observed.iloc[position]
        market, product = str(record["market"]), str(record["product"])
        volume = float(record["volume_vehicles"])
        sold = float(supply["sales_vehicles"].iloc[position])
        short = volume - sold
        what = (f"can supply at most {sold:,.0f} (short by {short:,.0f})"
                if short > TOLERANCE_VEHICLES else
                "can supply exactly that many but not one more, so its marginal landed cost "
                "is undefined")
        problems.append(Problem(
            "base_demand.csv",
            f"row {record['row']}, volume_vehicles = {volume:,.0f} ({product} in {market}, "
            f"{year}): the {year} inputs {what}; what binds: "
            f"{_binding(data, step1, market, product, year)}. No calibration wedge can make "
            "this volume the optimum. Lower the volume to what was supplied, or add the "
            "capacity or lane that supplied it (plants.csv, routes.csv).", int(record["row"])))
    return problems
