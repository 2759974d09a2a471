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

For a used flow ranging gives the rate up to which the current plan stays optimal; past it
the flow may shrink before it stops, so it is a lower bound of the stop rate. For an unused
flow it gives the rate at which its reduced cost reaches zero; in a degenerate plan the flow
may enter at zero volume there and start carrying vehicles only at a lower rate, so it is an
upper bound of the start rate. ``method="bisection"`` finds the exact rate by warm re-solves
(about 30 per flow), for the flows asked for.

A minimum duty makes the duty ``max(r V, minimum)``: the rate is solved on that, so a lane
whose minimum binds starts only if ``minimum`` itself is low enough ("unused even at 0 %"
otherwise). A lane with a tariff-rate quota pays the in-quota rate on its quota whatever the
rate: its row is about the vehicles *outside* the quota ("out of quota: ..."), and only
bisection, which moves the in-quota column's credit with the rate, computes it (ranging
moves one column, so it leaves those rows blank).
"""

from __future__ import annotations

from collections.abc import Sequence

import highspy
import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.errors import SolverLimitError
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
        from ranging) and ``method`` (how that row's rate was found: ``ranging``, or
        ``bisection`` for the rows ``flows`` or ``refine_all`` bisected).
    """
    if warm is None:
        fixed = None
        if has_strategic(data):  # break-even with the plan's network held fixed
            from evplan.strategic.milp import network_values

            fixed = network_values(data, solver)
        warm = WarmModel(data, solver, fixed=fixed)
    base = warm.solve(data)
    if base.status != "optimal":  # a stopped plan has no ranging, and is not the plan
        raise SolverLimitError(f"evplan: the solver stopped ({base.status}) before the plan "
                               "the break-even rates start from was optimal. Raise "
                               "--time-limit, or solve with more iterations.")
    index, _ = warm.index_for(data)
    assert index is not None
    flows_frame = index.flows
    solution = np.asarray(warm.highs.getSolution().col_value)
    shipped = solution[warm._columns("shipment")]
    quota_column = np.full(len(flows_frame), -1, dtype=np.int64)
    if len(index.quota_flows):
        quota_column[index.quota_flows["flow"].to_numpy(dtype=np.int64)] = warm._columns(
            "in_quota")
    has_quota = quota_column >= 0
    in_quota = np.where(has_quota, solution[np.maximum(quota_column, 0)], 0.0)
    cross = flows_frame["cross_border"].to_numpy(dtype=bool)
    discount = flows_frame["year"].map(index.discount).to_numpy()
    columns = warm._columns("shipment")
    used = shipped > USED_VEHICLES
    moving = shipped - in_quota > USED_VEHICLES  # the vehicles the full rate applies to
    extra = np.full(len(flows_frame), np.nan)
    exact = np.ones(len(flows_frame), dtype=bool)
    bisected = np.zeros(len(flows_frame), dtype=bool)  # rows whose rate bisection found
    if method == "ranging":
        _, ranging = warm.highs.getRanging()
        cost = np.asarray(warm.highs.getLp().col_cost_)[columns]
        down = np.asarray(ranging.col_cost_dn.value_)[columns]
        up = np.asarray(ranging.col_cost_up.value_)[columns]
        extra = np.where(moving, (cost - down) / discount, (cost - up) / discount)
        leaving = np.asarray(ranging.col_cost_dn.ou_var_)[columns]
        exact = moving & (leaving == columns)  # unused: an upper bound of the start rate
        extra = np.where(has_quota, np.nan, extra)  # one column moved: not a quota lane's
        exact &= ~has_quota
        # an unused flow whose upper bound is below every rate never starts: that is exact
        exact |= _rates(data, flows_frame, extra, moving, has_quota)[1] == "unused even at 0 %"
        if flows is not None:
            refine = np.asarray(flows, dtype=np.int64)
        else:
            refine = np.flatnonzero(cross & ~exact) if refine_all else np.empty(0, int)
        for flow in refine:
            extra[flow] = bisect_breakeven(warm, data, int(flow))
            exact[flow] = True
            bisected[flow] = True
    elif method == "bisection":
        chosen = np.flatnonzero(cross & used) if flows is None else np.asarray(flows)
        for flow in chosen:
            extra[flow] = bisect_breakeven(warm, data, int(flow))
    else:
        raise ValueError(f"method must be 'ranging' or 'bisection', not {method!r}")
    rate, meaning = _rates(data, flows_frame, extra, moving, has_quota)
    table = flows_frame[["plant", "origin", "program", "powertrain", "market", "year"]].copy()
    table["flow"] = np.arange(len(flows_frame))
    table["shipment_vehicles"] = shipped
    table["in_quota_vehicles"] = in_quota
    table["used"] = used
    table["ad_valorem_rate"] = flows_frame["ad_valorem_rate"].to_numpy()
    table["cvd_rate"] = flows_frame["cvd_rate"].to_numpy()
    table["customs_value_usd_per_vehicle"] = flows_frame[
        "customs_value_usd_per_vehicle"].to_numpy()
    table["duty_usd_per_vehicle"] = flows_frame["duty_usd_per_vehicle"].to_numpy()
    table["breakeven_extra_duty_usd_per_vehicle"] = extra
    table["breakeven_rate"] = rate
    table["meaning"] = meaning
    table["exact"] = exact
    # Each row names how its own rate was found: --exact bisects the rows ranging only
    # bounds, and those said "ranging" beside a rate ranging never gave.
    table["method"] = np.where(bisected, "bisection", method)
    if method == "bisection":
        table = table[~np.isnan(extra) | np.isin(np.arange(len(table)), chosen)]
    return table[cross[table["flow"].to_numpy()]].reset_index(drop=True)


def _rates(data: NetworkData, flows: pd.DataFrame, extra: np.ndarray, moving: np.ndarray,
           has_quota: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ad valorem rate at which each flow's use flips, and what the row means.

    The duty is ``max(r V, minimum) + cvd V + specific`` (model/index.py): an extra duty
    ``extra`` per vehicle moves ``max(r V, minimum)`` from its value now to ``now + extra``,
    which a rate reaches only above the minimum.
    """
    from evplan.data.duties import resolve_duties

    value = flows["customs_value_usd_per_vehicle"].to_numpy(dtype=float)
    rate_now = flows["ad_valorem_rate"].to_numpy(dtype=float)
    terms = resolve_duties(flows[["origin", "market", "powertrain", "year"]], data["duties"],
                           data.years)
    minimum = terms["minimum_usd_per_vehicle"].fillna(0.0).to_numpy(dtype=float)
    target = np.maximum(rate_now * value, minimum) + extra
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = target / value
    never = ~moving & ((target < minimum - 1e-9) | (rate < 0) | np.isneginf(extra))
    meaning = np.where(moving, "stops above", "starts below")
    meaning = np.where(moving & np.isposinf(extra), "used at any rate", meaning)
    meaning = np.where(never, "unused even at 0 %", meaning)
    rate = np.where(np.isinf(extra) | never, np.nan, rate)
    meaning = np.where(has_quota & np.isnan(extra), "quota lane: --exact bisects it", meaning)
    meaning = np.where(has_quota & ~np.isnan(extra),
                       np.char.add("out of quota: ", meaning.astype(str)), meaning)
    return rate, meaning


def bisect_breakeven(warm: WarmModel, data: NetworkData, flow: int, tolerance: float = 0.5,
                     iterations: int = 40) -> float:
    """Extra duty per vehicle on one flow at which its use flips, by warm bisection.

    For a used flow: the smallest extra duty (>= 0) at which it is no longer shipped
    (``inf`` when even a 500 % rate keeps it). For an unused flow: the (negative) change
    at which it starts (``-inf`` when even a zero duty would not do). With a tariff-rate
    quota the extra duty applies outside the quota only (the in-quota saving grows with it)
    and "shipped" means outside the quota. ``data``'s own costs are restored afterwards.
    """
    index, _ = warm.index_for(data)
    assert index is not None
    cost, rows, lower, upper = warm._vectors(index, data)
    column = int(warm._columns("shipment")[flow])
    quota = index.quota_flows["flow"].to_numpy(dtype=np.int64)
    credit = int(warm._columns("in_quota")[np.flatnonzero(quota == flow)[0]]) if (
        flow in quota) else -1  # the in-quota vehicles' saving moves with the full rate
    discount = float(index.discount[index.flows["year"].iloc[flow]])
    value = float(index.flows["customs_value_usd_per_vehicle"].iloc[flow])
    duty = float(index.flows["duty_usd_per_vehicle"].iloc[flow])
    h = warm.highs
    # Through the warm model's record (the bisection's own cost changes are undone below).
    warm.loaded.send(h, np.arange(len(cost), dtype=np.int32), cost, rows.astype(np.int32),
                     lower, upper)

    def used_at(extra: float) -> bool:
        h.changeColCost(column, cost[column] - extra * discount)
        if credit >= 0:
            h.changeColCost(credit, cost[credit] + extra * discount)
        allow_seconds(h, warm.solver.time_limit_s)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:  # no plan to read
            raise SolverLimitError(
                f"evplan: break-even of flow {flow}: HiGHS stopped "
                f"({h.modelStatusToString(h.getModelStatus())}) at an extra duty of USD "
                f"{extra:,.2f} per vehicle, so whether the flow is used there is unknown. "
                "Raise --time-limit (it holds for each re-solve).")
        solution = np.asarray(h.getSolution().col_value)
        outside = solution[column] - (solution[credit] if credit >= 0 else 0.0)
        return float(outside) > USED_VEHICLES

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
        if credit >= 0:
            h.changeColCost(credit, cost[credit])
        allow_seconds(h, warm.solver.time_limit_s)
        h.run()
        warm.bases.forget_current()  # HiGHS's basis is now the bisection's
