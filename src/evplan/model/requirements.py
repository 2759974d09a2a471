r"""Requirements no variable can serve: commitments and plant minimums with an empty left side.

A committed sale (without a penalty) and a plant minimum are ``>=`` rows with a positive
right-hand side. When no flow can contribute -- no plant builds the program, no open
lane reaches the market, no demand tier sells it, the plant builds nothing or reaches
no demand that year -- the row reads :math:`0 \ge M`. linopy drops a row with no
variable, so the model would be solved without it and the requirement silently lost.

:func:`empty_requirements` finds those rows on the flat indices before anything is
solved; :func:`evplan.solve.optimize` then treats the model as infeasible (exit code 2),
and the elastic explanation names the missing piece with :func:`commitment_gaps` and
:func:`minimum_gaps` (docs/formulation.md, "Requirements no flow can serve").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evplan.data import NetworkData, product_members
from evplan.model.index import ModelIndex

__all__ = ["EmptyRequirements", "commitment_gaps", "empty_requirements", "minimum_gaps",
           "requirement_holes"]


@dataclass(frozen=True)
class EmptyRequirements:
    """Positions of requirement rows with no variable on their left side.

    Attributes
    ----------
    committed : numpy.ndarray
        Positions in ``index.committed`` (only when no shortfall penalty is set).
    plant_minimum : numpy.ndarray
        Positions in ``index.plant_years`` whose floor is positive.
    """

    committed: np.ndarray
    plant_minimum: np.ndarray

    def __bool__(self) -> bool:
        return bool(len(self.committed) or len(self.plant_minimum))


def requirement_holes(index: ModelIndex) -> tuple[np.ndarray, np.ndarray]:
    """Rows that would be empty if their right-hand side were positive (structure only).

    Returns
    -------
    unserved : numpy.ndarray
        Positions in ``index.committed`` with no sale term on their left side.
    idle : numpy.ndarray
        Positions in ``index.plant_years`` with no flow.

    A warm re-solve keeps the structure, so it computes these once and then only checks
    the right-hand sides of each case (:class:`evplan.scenarios.warm.WarmModel`).
    """
    served = np.zeros(len(index.committed), dtype=bool)
    served[index.committed_terms["committed"].to_numpy(dtype=np.int64)] = True
    flows_per_plant_year = np.bincount(index.flows["plant_year"].to_numpy(dtype=np.int64),
                                       minlength=len(index.plant_years))
    return np.flatnonzero(~served), np.flatnonzero(flows_per_plant_year == 0)


def empty_requirements(index: ModelIndex, penalty_usd_per_vehicle: float | None
                       ) -> EmptyRequirements:
    """Find committed-sales and plant-minimum rows that no flow or sale can serve.

    Parameters
    ----------
    index : ModelIndex
        The flat indices of the model.
    penalty_usd_per_vehicle : float or None
        ``unmet_committed_penalty_usd_per_vehicle``; with a penalty a commitment always
        has its shortfall variable, so it is never empty.

    Returns
    -------
    EmptyRequirements
    """
    unserved, idle = requirement_holes(index)
    committed = np.empty(0, dtype=np.int64)
    if penalty_usd_per_vehicle is None:
        wanted = index.committed["min_vehicles"].to_numpy(dtype=float)[unserved] > 0
        committed = unserved[wanted]
    plant_years = index.plant_years.iloc[idle]
    floor = (plant_years["min_utilisation"] * plant_years["capacity_vehicles_per_year"]).to_numpy()
    minimum = idle[floor > 0]
    return EmptyRequirements(committed=committed, plant_minimum=minimum)


def _open(frame: pd.DataFrame, year: int) -> pd.Series:
    first = frame["first_year"].astype("Float64").fillna(-np.inf)
    last = frame["last_year"].astype("Float64").fillna(np.inf)
    return ((first <= year) & (last >= year)).astype(bool)


def _is_open(record: pd.Series, year: int) -> bool:
    first, last = record["first_year"], record["last_year"]
    return (pd.isna(first) or int(first) <= year) and (pd.isna(last) or int(last) >= year)


def _closed_why(record: pd.Series, year: int) -> str:
    first, last = record["first_year"], record["last_year"]
    if not pd.isna(first) and int(first) > year:
        return f"opens in {int(first)}"
    return f"closes after {int(last)}"


def _lane_gaps(data: NetworkData, plants: list[str], market: str, year: int, what: str
               ) -> list[str]:
    """Why no lane to ``market`` from ``plants`` is open in ``year`` (empty: one is)."""
    routes = data["routes"]
    lanes = routes[routes["plant"].isin(plants) & routes["market"].eq(market)]
    if lanes.empty:
        return [f"routes.csv has no lane to {market} from a plant that builds {what} "
                f"({', '.join(plants)})"]
    plant_table = data.plants.set_index("plant")
    reasons = []
    for _, lane in lanes.iterrows():
        plant = plant_table.loc[lane["plant"]]
        if not _is_open(lane, year):
            reasons.append(f"route '{lane['plant']}>{market}' (routes.csv row {lane['row']}) "
                           f"{_closed_why(lane, year)}")
        elif not _is_open(plant, year):
            reasons.append(f"plant {lane['plant']} (plants.csv row {plant['row']}) "
                           f"{_closed_why(plant, year)}")
        else:
            return []
    return [f"no lane to {market} from a plant that builds {what} is open in {year}: "
            + ", ".join(reasons)]


def commitment_gaps(data: NetworkData, market: str, year: int, product: str) -> list[str]:
    """Name what is missing for any flow to serve a commitment (empty: nothing is).

    Per program of the product: a ``plant_programs`` row, a demand tier in the market
    and year that sells it, and a lane open that year from a plant that builds it (the
    plant open too).

    Examples
    --------
    >>> from evplan.examples import single_lane
    >>> commitment_gaps(single_lane(), "M1", 2025, "V1")
    []
    """
    members = product_members(data.programs)
    programs = sorted(set(members.loc[members["product"] == product, "program"]))
    demand = data["demand"]
    sold_here = demand[demand["market"].eq(market) & demand["year"].eq(year)]
    covered = set(sold_here[["product"]].merge(members, on="product")["program"])
    lanes = data["plant_programs"]
    per_program = []
    for program in programs:
        reasons = []
        builders = sorted(set(lanes.loc[lanes["program"] == program, "plant"]))
        if not builders:
            reasons.append(f"no plant builds {program} (plant_programs.csv has no row for it)")
        if program not in covered:
            reasons.append(f"demand.csv has no tier that sells {program} in {market} in {year}")
        if builders:
            reasons += _lane_gaps(data, builders, market, year, program)
        if not reasons:
            return []
        per_program.append((program, reasons))
    if len(per_program) == 1:
        return per_program[0][1]
    return [f"{program}: {' and '.join(reasons)}" for program, reasons in per_program]


def minimum_gaps(data: NetworkData, plant: str, year: int) -> list[str]:
    """Name what is missing for a plant to build anything in a year (empty: nothing is).

    Examples
    --------
    >>> from evplan.examples import single_lane
    >>> minimum_gaps(single_lane(), "P1", 2025)
    []
    """
    lanes = data["plant_programs"]
    programs = sorted(set(lanes.loc[lanes["plant"] == plant, "program"]))
    if not programs:
        return [f"{plant} builds no program (plant_programs.csv has no row for it)"]
    routes = data["routes"]
    own = routes[routes["plant"] == plant]
    if own.empty:
        return [f"routes.csv has no lane from {plant}"]
    open_lanes = own[_open(own, year).to_numpy()]
    if open_lanes.empty:
        closed = ", ".join(f"route '{plant}>{lane['market']}' (routes.csv row {lane['row']}) "
                           f"{_closed_why(lane, year)}" for _, lane in own.iterrows())
        return [f"no lane from {plant} is open in {year}: {closed}"]
    markets = sorted(set(open_lanes["market"]))
    members = product_members(data.programs)
    demand = data["demand"]
    sold = demand[demand["year"].eq(year) & demand["market"].isin(markets)][
        ["product"]].merge(members, on="product")
    if not set(sold["program"]) & set(programs):
        return [f"demand.csv has no tier in {year} for its programs ({', '.join(programs)}) "
                f"in the markets its open lanes reach ({', '.join(markets)})"]
    return []
