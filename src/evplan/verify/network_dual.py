r"""Optimality certificate of an export LP plan: a dual bound computed from the input tables.

The export LP (docs/formulation.md) is :math:`\max c^\top w` over
:math:`w = (x, q, z, u) \ge 0` subject to rows :math:`A w \lessgtr b`. For any row prices
:math:`y` with the right signs (:math:`y \ge 0` on ``<=`` rows, :math:`y \le 0` on ``>=``
rows, free on ``=`` rows) and any upper bounds :math:`U` that every optimal plan obeys,
weak duality gives

.. math::

    c^\top w \;=\; y^\top A w + d^\top w \;\le\; b^\top y + \sum_j \max(0, d_j)\, U_j,
    \qquad d = c - A^\top y .

The candidate :math:`y` are HiGHS's duals, looked up by table key (plant-year, lane-year,
program-market-year, tier, quota-year, commitment) and clipped to the right sign; the
columns, their costs :math:`c`, the coefficients and :math:`b, U` all come from
:mod:`evplan.verify.network_tables`. The bound therefore holds whatever the model builder
did: if it is within tolerance of the plan's objective, the plan is optimal for the LP the
docs state. Bounds used: a lane-year carries at most its plant's capacity (and its lane's
capacity), a sale at most its tier volume, in-quota vehicles at most the quota, a
shortfall at most the commitment.

Columns that the balance rows force to zero (a lane-year whose program no demand tier
sells there, a tier whose program no lane reaches) are left out: a free balance price can
always make their reduced cost non-positive at no cost to the bound.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from evplan.verify.keys import (
    YEAR_RADIX,
    Finder,
    combine,
    find,
    join,
    sum_by,
    unique_first,
    years_of,
)
from evplan.verify.network_tables import NetworkTables

__all__ = ["NetworkDuals", "RowPrices", "dual_bound", "duals_from_run"]

# Key columns of each family, and what each holds: a kind of name, or a number (a year,
# a spreadsheet row of plants.csv, routes.csv, demand.csv or committed_sales.csv).
_KEYS = {
    "plant_capacity": (("row", "row"), ("year", "year")),
    "plant_minimum": (("row", "row"), ("year", "year")),
    "route_capacity": (("route_row", "row"), ("year", "year")),
    "market_balance": (("program", "program"), ("market", "market"), ("year", "year")),
    "demand_tier": (("row", "row"),),
    "quota_share": (("plant", "plant"), ("program", "program"), ("market", "market"),
                    ("year", "year")),
    "quota": (("quota_key", "quota"), ("year", "year")),
    "committed": (("row", "row"),),
}
_RADIX = {"year": YEAR_RADIX, "row": 10**9}


@dataclass(frozen=True)
class RowPrices:
    """Dual values of one row family and the rows' keys.

    Attributes
    ----------
    keys : pandas.DataFrame
        The family's key columns (other columns are ignored).
    dual : numpy.ndarray
        The dual value of each row.
    rows : numpy.ndarray, optional
        Positions in ``keys`` of the rows the duals belong to (default: every row).
    """

    keys: pd.DataFrame
    dual: np.ndarray
    rows: np.ndarray | None = None

    @classmethod
    def of(cls, frame: pd.DataFrame) -> RowPrices:
        """From a frame of key columns and a ``dual`` column."""
        return cls(frame, frame["dual"].to_numpy(dtype=float))

    def column(self, name: str) -> Any:
        """One key column, restricted to ``rows`` (positions in ``keys``) when given."""
        values = self.keys[name].to_numpy()
        return values if self.rows is None else values[self.rows]


@dataclass(frozen=True)
class NetworkDuals:
    """Row prices keyed by table keys, one :class:`RowPrices` per row family.

    Key columns: ``plant_capacity`` and ``plant_minimum`` (``row`` of plants.csv, year);
    ``route_capacity`` (``route_row`` of routes.csv, year); ``market_balance`` (program,
    market, year); ``demand_tier`` (``row`` of demand.csv); ``quota_share`` (plant,
    program, market, year); ``quota`` (quota_key, year), where ``quota_key`` is
    ``group:<quota_group>`` or ``row:<duties.csv row>``; ``committed`` (``row`` of
    committed_sales.csv). A price missing from a family counts as 0 (always a valid
    price).
    """

    plant_capacity: RowPrices
    plant_minimum: RowPrices
    route_capacity: RowPrices
    market_balance: RowPrices
    demand_tier: RowPrices
    quota_share: RowPrices
    quota: RowPrices
    committed: RowPrices

    def families(self) -> dict[str, RowPrices]:
        """Family name -> row prices."""
        return {field.name: getattr(self, field.name) for field in fields(self)}


def duals_from_run(m: Any, run: Any, index: Any) -> NetworkDuals:
    """Read HiGHS's row duals of a solved network model, keyed by the index's table keys.

    The duals are only a candidate: :func:`dual_bound` checks them against the tables.

    Parameters
    ----------
    m : linopy.Model or Mapping[str, numpy.ndarray]
        The built model (only its constraint labels are read), or those labels per
        constraint name, flat (a warm model's layout holds them without linopy).
    run : evplan.highs.HighsRun
        The solve, with ``dual`` per constraint label.
    index : evplan.model.index.ModelIndex
        The flat indices whose rows the constraints follow.
    """
    if isinstance(m, Mapping):
        constraint_labels = m
    else:
        constraint_labels = {name: m.constraints[name].labels.values.ravel()
                             for name in m.constraints}

    def prices(name: str, keys: pd.DataFrame, rows: np.ndarray | None = None) -> RowPrices:
        size = len(keys) if rows is None else len(rows)
        values = np.zeros(size)
        if name in constraint_labels and size:
            labels = np.asarray(constraint_labels[name])[:size]
            values = np.nan_to_num(np.where(labels >= 0, run.dual[np.maximum(labels, 0)], 0.0))
        return RowPrices(keys, values, rows)

    plant_years = index.plant_years
    floor = (plant_years["min_utilisation"].to_numpy()
             * plant_years["capacity_vehicles_per_year"].to_numpy())
    return NetworkDuals(
        plant_capacity=prices("plant-capacity", plant_years),
        plant_minimum=prices("plant-minimum", plant_years, np.flatnonzero(floor > 0)),
        route_capacity=prices("route-capacity", index.route_years),
        market_balance=prices("market-balance", index.balances),
        demand_tier=prices("demand-tier", index.pools),
        quota_share=prices("duty-quota-share", index.flows,
                           index.quota_flows["flow"].to_numpy()),
        quota=prices("duty-quota", index.quota_groups),
        committed=prices("committed-sales", index.committed),
    )


def _key(tables: NetworkTables, family: str, columns: list[np.ndarray]) -> np.ndarray:
    return combine(*[(codes, _RADIX.get(kind) or tables.size(kind))
                     for codes, (_, kind) in zip(columns, _KEYS[family], strict=True)])


class _Prices:
    """Look up the dual of a row by its key; clip to the sign the row's sense allows."""

    def __init__(self, tables: NetworkTables, duals: NetworkDuals) -> None:
        self.tables = tables
        self.finders: dict[str, Finder] = {}
        self.values: dict[str, np.ndarray] = {}
        vocabulary = tables.vocabulary
        for family, prices in duals.families().items():
            columns = [years_of(prices.column(column)) if kind in _RADIX else
                       vocabulary.codes(f"duals.{family}.{column}")
                       for column, kind in _KEYS[family]]
            self.finders[family] = Finder(_key(tables, family, columns))
            self.values[family] = np.asarray(prices.dual, dtype=float)

    def __call__(self, family: str, columns: list[np.ndarray], sign: int) -> np.ndarray:
        at = self.finders[family](_key(self.tables, family, columns))
        values = self.values[family]
        found = np.where(at >= 0, values[np.maximum(at, 0)] if len(values) else 0.0, 0.0)
        if sign > 0:
            return np.maximum(found, 0.0)
        return np.minimum(found, 0.0) if sign < 0 else found


def dual_bound(tables: NetworkTables, duals: NetworkDuals) -> tuple[float, float]:
    """Upper bound on the objective (before fixed cost) of every feasible plan, and its scale.

    Returns
    -------
    (bound, scale) : float
        ``b'y + sum max(0, d) U`` and the sum of the absolute values of its terms.
    """
    price = _Prices(tables, duals)
    everything = tables.lanes
    lanes = {name: values[everything["sellable"]] for name, values in everything.items()}
    plant_years, demand, committed = tables.plant_years, tables.demand, tables.committed
    year = lanes["year"]
    plant_year = lanes["plant_year"]
    y_cap = price("plant_capacity", [plant_years["row"], plant_years["year"]], +1)
    floor = plant_years["floor"]
    y_min = np.where(floor > 0, price("plant_minimum", [plant_years["row"],
                                                        plant_years["year"]], -1), 0.0)
    limited = ~np.isnan(lanes["route_capacity"])
    y_route = np.where(limited, price("route_capacity", [lanes["route_row"], year], +1), 0.0)
    y_balance = price("market_balance", [lanes["program"], lanes["market"], year], 0)
    has_quota = lanes["quota_key"] >= 0
    flow = [lanes["plant"], lanes["program"], lanes["market"], year]
    y_share = np.where(has_quota, price("quota_share", flow, +1), 0.0)
    y_quota = np.where(has_quota, price("quota", [lanes["quota_key"], year], +1), 0.0)
    discount = lanes["discount"]
    reduced_x = (-discount * (lanes["variable"] + lanes["freight"] + lanes["inventory"]
                              + lanes["full_duty"])
                 - y_cap[plant_year] - y_min[plant_year] - y_route - y_balance + y_share)
    capacity = plant_years["capacity"][plant_year]
    upper_x = np.where(limited, np.fmin(capacity, lanes["route_capacity"]), capacity)
    reduced_z = np.where(has_quota, discount * (lanes["full_duty"] - lanes["quota_duty"])
                         - y_share - y_quota, 0.0)
    upper_z = np.where(has_quota, np.fmin(np.nan_to_num(lanes["quota"]), upper_x), 0.0)
    # Sale columns: a tier x a program it names, where a lane reaches that program-market-year.
    pool, member = join(demand["product"], tables.members["product"])
    program = tables.members["program"][member]
    sale_keys = tables.balance_key(program, demand["market"][pool], demand["year"][pool])
    reachable = find(lanes["balance"], sale_keys) >= 0
    pool, program, sale_keys = pool[reachable], program[reachable], sale_keys[reachable]
    y_sale_balance = price("market_balance", [program, demand["market"][pool],
                                              demand["year"][pool]], 0)
    y_tier = price("demand_tier", [demand["row"]], +1)
    y_committed = price("committed", [committed["row"]], -1)
    at, pair_keys = tables.committed_pairs()
    groups, first = unique_first(np.concatenate([pair_keys, sale_keys]))
    per_key = sum_by(groups[:len(pair_keys)], y_committed[at], len(first))
    reduced_q = (demand["price"][pool] * demand["discount"][pool] + y_sale_balance
                 - y_tier[pool] - per_key[groups[len(pair_keys):]])
    terms = [plant_years["capacity"] * y_cap, floor * y_min, demand["volume"] * y_tier,
             committed["minimum"] * y_committed]
    _, route_rows = unique_first(lanes["route_row"] * YEAR_RADIX + year, limited)
    terms.append(lanes["route_capacity"][route_rows] * y_route[route_rows])
    _, quota_rows = unique_first(combine((lanes["quota_key"], tables.size("quota")),
                                         (year, YEAR_RADIX)), has_quota)
    terms.append(lanes["quota"][quota_rows] * y_quota[quota_rows])
    if tables.penalty is not None:
        reduced_u = -tables.penalty * committed["discount"] - y_committed
        terms.append(np.maximum(reduced_u, 0.0) * committed["minimum"])
    terms += [np.maximum(reduced_x, 0.0) * upper_x, np.maximum(reduced_z, 0.0) * upper_z,
              np.maximum(reduced_q, 0.0) * demand["volume"][pool]]
    bound = float(sum(term.sum() for term in terms))
    scale = float(sum(np.abs(term).sum() for term in terms))
    return bound, scale
