"""The committed sales of a plan: what counts towards each commitment and what is unmet.

``committed_sales.csv`` rows are volumes the plan must sell (a fleet contract, a dealer
agreement). Without ``unmet_committed_penalty_usd_per_vehicle`` they are met or the model is
infeasible; with it a shortfall ``u`` is allowed at that price a vehicle, and the objective
(the discounted margin) pays it. The result table ``committed_sales`` says, for every
commitment row, the vehicles sold that count towards it (its product's programs, in its
market and year), the vehicles unmet and the penalty paid (undiscounted, USD); the KPIs
``unmet_committed_vehicles`` and ``unmet_committed_penalty_usd`` sum them per year (key
``all``). Found by the session-20 output audit: a plan that fell 300 vehicles short of a
commitment at USD 10 a vehicle reported an objective of USD -3,000 while every table and KPI
said margin 0 and nothing named the commitment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evplan.model.index import ModelIndex

__all__ = ["COMMITTED_KPI_UNITS", "add_committed_sales", "committed_kpis",
           "committed_sales_table",
           "solved_committed_sales"]

COMMITTED_KPI_UNITS = {"unmet_committed_vehicles": "vehicles",
                       "unmet_committed_penalty_usd": "USD"}


def committed_sales_table(index: ModelIndex, sold_per_sale: np.ndarray,
                          penalty_usd_per_vehicle: float | None,
                          min_vehicles: np.ndarray | None = None) -> pd.DataFrame | None:
    """The ``committed_sales`` table (None when the inputs commit nothing).

    Parameters
    ----------
    index : ModelIndex
        The plan's index (``committed``: one row per commitment; ``committed_terms``: the
        sales that count towards each).
    sold_per_sale : numpy.ndarray
        Vehicles sold per row of ``index.sales``.
    penalty_usd_per_vehicle : float or None
        The scenario's ``unmet_committed_penalty_usd_per_vehicle``.
    min_vehicles : numpy.ndarray, optional
        Each commitment's volume (default: ``index.committed``'s; a warm case passes its
        own, since it keeps the base's index).

    The vehicles unmet are the commitment less what is sold towards it (0 when it is met):
    the shortfall the penalty is paid on (the model's shortfall variable is that at any
    optimum with a positive penalty; with a penalty of 0 it may be anything above it).

    Examples
    --------
    >>> from evplan.examples import single_lane
    >>> import evplan
    >>> result = evplan.optimize(single_lane(tiers=((600.0, 5000.0),), committed=300.0,
    ...                                      unmet_penalty=10.0))
    >>> result.tables["committed_sales"][["min_vehicles", "sold_vehicles", "unmet_vehicles",
    ...                                   "penalty_usd"]].to_numpy().tolist()
    [[300.0, 0.0, 300.0, 3000.0]]
    """
    committed = index.committed
    if committed.empty:
        return None
    count = len(committed)
    terms = index.committed_terms
    sold = np.bincount(terms["committed"].to_numpy(dtype=np.int64),
                       weights=np.asarray(sold_per_sale, dtype=float)[
                           terms["sale"].to_numpy(dtype=np.int64)], minlength=count)
    minimum = (committed["min_vehicles"].to_numpy(dtype=float) if min_vehicles is None
               else np.asarray(min_vehicles, dtype=float))
    unmet = np.maximum(minimum - sold, 0.0)
    table = committed[["market", "year", "product"]].reset_index(drop=True)
    table["min_vehicles"] = minimum
    table["sold_vehicles"] = sold + 0.0  # + 0.0: no -0.0 from the solver
    table["unmet_vehicles"] = unmet + 0.0
    table["penalty_usd"] = unmet * float(penalty_usd_per_vehicle or 0.0) + 0.0
    table["year"] = table["year"].astype(int)
    return table


def solved_committed_sales(index: ModelIndex, primal: np.ndarray, sales_labels: np.ndarray,
                           penalty_usd_per_vehicle: float | None,
                           min_vehicles: np.ndarray | None = None) -> pd.DataFrame | None:
    """:func:`committed_sales_table` of a solution: ``primal`` by variable label,
    ``sales_labels`` the labels of the ``sales`` variable."""
    if index.committed.empty:  # before the gather: no cost to a case without commitments
        return None
    return committed_sales_table(index, np.nan_to_num(primal[sales_labels]),
                                 penalty_usd_per_vehicle, min_vehicles)


def committed_kpis(table: pd.DataFrame) -> pd.DataFrame:
    """``unmet_committed_vehicles`` and ``unmet_committed_penalty_usd`` per year (key
    ``all``), in the KPI table's columns."""
    per_year = table.groupby("year", as_index=False)[["unmet_vehicles", "penalty_usd"]].sum()
    frames = [per_year[["year", column]].rename(columns={column: "value"}).assign(
        kpi=kpi, key="all") for kpi, column in (("unmet_committed_vehicles", "unmet_vehicles"),
                                                ("unmet_committed_penalty_usd", "penalty_usd"))]
    kpis = pd.concat(frames, ignore_index=True)[["kpi", "year", "key", "value"]]
    kpis["unit"] = kpis["kpi"].map(COMMITTED_KPI_UNITS)
    kpis["year"] = kpis["year"].astype(int)
    return kpis


def add_committed_sales(tables: dict[str, pd.DataFrame], kpis: pd.DataFrame,
                        index: ModelIndex, primal: np.ndarray, sales_labels: np.ndarray,
                        penalty_usd_per_vehicle: float | None) -> pd.DataFrame:
    """Put a solution's ``committed_sales`` table into ``tables`` and return ``kpis`` with
    its KPIs (both unchanged when the inputs commit nothing); the cold, strategic and
    two-stage plans alike (see :func:`solved_committed_sales`)."""
    committed = solved_committed_sales(index, primal, sales_labels, penalty_usd_per_vehicle)
    if committed is None:
        return kpis
    tables["committed_sales"] = committed
    return pd.concat([kpis, committed_kpis(committed)], ignore_index=True)
