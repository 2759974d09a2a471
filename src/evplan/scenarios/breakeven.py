r"""Break-even duties: at which ad valorem rate does a lane stop (or start) paying?

For every cross-border flow (plant, program, market, year) the optimal plan either uses or
does not use, the duty rate on that flow alone is moved until the decision changes:

* **used** flows: the rate above which the flow is no longer shipped (``stops above``);
* **unused** flows: the rate below which it would be shipped (``starts below``); when even
  a zero rate would not do, ``unused even at 0 %``.

``method="ranging"`` reads HiGHS's cost ranging of the flow's column, one call for all
flows. For a flow with objective coefficient :math:`c_f = -\delta_y (c + \phi + d_f)`, the
ranging interval :math:`[c^-_f, c^+_f]` over which the basis stays optimal converts to an
extra duty per vehicle :math:`\Delta_f = (c_f - c^-_f)/\delta_y` (used) or
:math:`(c_f - c^+_f)/\delta_y` (unused), and to a rate via the customs value :math:`V_f`:

.. math:: r^*_f = \frac{d_f + \Delta_f - \text{cvd}_f V_f - \text{specific}_f}{V_f}

With strategic tables the network (every integer decision) is first fixed at the optimal
plan's (:func:`evplan.strategic.milp.network_values`): the break-even rates then say when
a lane stops paying *in that network*, not when the network itself would change.

For an unused flow this is exact (its reduced cost reaches zero). For a used flow it is the
rate up to which the current plan stays optimal; past it the flow may shrink before it
stops, so it is a lower bound of the stop rate. ``method="bisection"`` finds the exact stop
rate by warm re-solves (about 30 per flow), for the flows asked for.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.highs import SolverOptions, allow_seconds
from evplan.model.strategic import has_strategic
from evplan.scenarios.warm import WarmModel

__all__ = ["bisect_breakeven", "breakeven_duties"]

USED_VEHICLES = 0.5
MAX_RATE = 5.0


def _shipments(warm: WarmModel) -> np.ndarray:
    columns = warm._columns("shipment")
    return np.asarray(warm.highs.getSolution().col_value)[columns]


def breakeven_duties(data: NetworkData, warm: WarmModel | None = None, *,
                     method: str = "ranging", flows: Sequence[int] | None = None,
                     refine_all: bool = False, solver: SolverOptions | None = None) -> pd.DataFrame:
    """Return the break-even duty rate of every cross-border flow.

    Parameters
    ----------
    data : NetworkData
        The inputs (a scenario already applied).
    warm : WarmModel, optional
        A warm model built for ``data``'s structure (built when absent).
    method : {"ranging", "bisection"}
        Cost ranging (all flows at once) or exact warm bisection.
    flows : sequence of int, optional
        Flows (positions in the flow index) to solve by bisection: with ``bisection`` the
        default is every used flow; with ``ranging`` these refine the ranging value.
    refine_all : bool
        With ``ranging``: bisect every used flow whose ranging value is only a lower bound
        (the flow is not the variable that leaves the basis there), so every row is exact.
    solver : SolverOptions, optional
        Solver settings when a warm model is built here.

    Returns
    -------
    pandas.DataFrame
        One row per cross-border flow: ``plant``, ``origin``, ``program``, ``powertrain``,
        ``market``, ``year``, ``flow``, ``shipment_vehicles``, ``used``,
        ``ad_valorem_rate``, ``cvd_rate``, ``customs_value_usd_per_vehicle``,
        ``duty_usd_per_vehicle``, ``breakeven_extra_duty_usd_per_vehicle``,
        ``breakeven_rate``, ``meaning``, ``exact`` (False: a lower bound of the stop rate
        from ranging) and ``method``.
    """
    if warm is None:
        fixed = None
        if has_strategic(data):  # break-even with the plan's network held fixed
            from evplan.strategic.milp import network_values

            fixed = network_values(data, solver)
        warm = WarmModel(data, solver, fixed=fixed)
    warm.solve(data)
    index, _ = warm.index_for(data)
    assert index is not None
    flows_frame = index.flows
    shipped = _shipments(warm)
    cross = flows_frame["cross_border"].to_numpy(dtype=bool)
    discount = flows_frame["year"].map(index.discount).to_numpy()
    columns = warm._columns("shipment")
    used = shipped > USED_VEHICLES
    extra = np.full(len(flows_frame), np.nan)
    exact = np.ones(len(flows_frame), dtype=bool)
    if method == "ranging":
        _, ranging = warm.highs.getRanging()
        cost = np.asarray(warm.highs.getLp().col_cost_)[columns]
        down = np.asarray(ranging.col_cost_dn.value_)[columns]
        up = np.asarray(ranging.col_cost_up.value_)[columns]
        extra = np.where(used, (cost - down) / discount, (cost - up) / discount)
        leaving = np.asarray(ranging.col_cost_dn.ou_var_)[columns]
        exact = ~used | (leaving == columns)
        if method == "ranging" and flows is not None:
            refine = np.asarray(flows, dtype=np.int64)
        else:
            refine = np.flatnonzero(cross & used & ~exact) if refine_all else np.empty(0, int)
        for flow in refine:
            extra[flow] = bisect_breakeven(warm, data, int(flow))
            exact[flow] = True
    elif method == "bisection":
        chosen = np.flatnonzero(cross & used) if flows is None else np.asarray(flows)
        for flow in chosen:
            extra[flow] = bisect_breakeven(warm, data, int(flow))
    else:
        raise ValueError(f"method must be 'ranging' or 'bisection', not {method!r}")
    value = flows_frame["customs_value_usd_per_vehicle"].to_numpy()
    duty = flows_frame["duty_usd_per_vehicle"].to_numpy()
    cvd = flows_frame["cvd_rate"].to_numpy()
    specific = duty - np.maximum(flows_frame["ad_valorem_rate"].to_numpy() * value, 0.0) - (
        cvd * value)
    specific = np.where(np.isfinite(specific), np.maximum(specific, 0.0), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = (duty + extra - cvd * value - specific) / value
    meaning = np.where(used, "stops above", "starts below")
    meaning = np.where(used & np.isinf(extra), "used at any rate", meaning)
    meaning = np.where(~used & ((rate < 0) | np.isinf(extra)), "unused even at 0 %", meaning)
    rate = np.where(np.isinf(extra) | (~used & (rate < 0)), np.nan, rate)
    table = flows_frame[["plant", "origin", "program", "powertrain", "market", "year"]].copy()
    table["flow"] = np.arange(len(flows_frame))
    table["shipment_vehicles"] = shipped
    table["used"] = used
    table["ad_valorem_rate"] = flows_frame["ad_valorem_rate"].to_numpy()
    table["cvd_rate"] = cvd
    table["customs_value_usd_per_vehicle"] = value
    table["duty_usd_per_vehicle"] = duty
    table["breakeven_extra_duty_usd_per_vehicle"] = extra
    table["breakeven_rate"] = rate
    table["meaning"] = meaning
    table["exact"] = exact
    table["method"] = method
    if method == "bisection":
        table = table[~np.isnan(extra) | np.isin(np.arange(len(table)), chosen)]
    return table[cross[table["flow"].to_numpy()]].reset_index(drop=True)


def bisect_breakeven(warm: WarmModel, data: NetworkData, flow: int, tolerance: float = 0.5,
                     iterations: int = 40) -> float:
    """Extra duty per vehicle on one flow at which its use flips, by warm bisection.

    For a used flow: the smallest extra duty (>= 0) at which it is no longer shipped
    (``inf`` when even a 500 % rate keeps it). For an unused flow: the (negative) change
    at which it starts (``-inf`` when even a zero duty would not do). ``data``'s own costs
    are restored afterwards.
    """
    index, _ = warm.index_for(data)
    assert index is not None
    cost, rows, lower, upper = warm._vectors(index, data)
    column = int(warm._columns("shipment")[flow])
    discount = float(index.discount[index.flows["year"].iloc[flow]])
    value = float(index.flows["customs_value_usd_per_vehicle"].iloc[flow])
    duty = float(index.flows["duty_usd_per_vehicle"].iloc[flow])
    h = warm.highs
    h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
    h.changeRowsBounds(len(rows), rows.astype(np.int32), lower, upper)  # type: ignore[attr-defined]

    def used_at(extra: float) -> bool:
        h.changeColCost(column, cost[column] - extra * discount)
        allow_seconds(h, warm.solver.time_limit_s)
        h.run()
        return float(np.asarray(h.getSolution().col_value)[column]) > USED_VEHICLES

    try:
        if used_at(0.0):
            low, high = 0.0, MAX_RATE * max(value, 1.0)
            if used_at(high):
                return float("inf")
            want_used = True
        else:
            low, high = -duty, 0.0  # at -duty the flow pays no duty at all
            if not used_at(low):
                return float("-inf")
            want_used = False
        for _ in range(iterations):
            if high - low <= tolerance:
                break
            middle = 0.5 * (low + high)
            if used_at(middle):
                low = middle
            else:
                high = middle
        return high if want_used else low
    finally:
        h.changeColCost(column, cost[column])
        allow_seconds(h, warm.solver.time_limit_s)
        h.run()
        warm.bases.forget_current()  # HiGHS's basis is now the bisection's
