r"""Certificate of an export-network plan, evaluated from the input tables.

Before :func:`evplan.optimize` (and the warm re-solves of :mod:`evplan.scenarios`) return
a plan, :func:`verify_network` re-evaluates it against the input tables -- not against the
linopy model, so a model-building error is caught too:

========================  ==================================================================
family                    check
========================  ==================================================================
``lane``                  every shipment is on a plant_programs row x an open route x a
                          year the plant is open
``nonnegativity``         shipments, in-quota vehicles and sales are >= 0
``plant-capacity``        vehicles built per plant-year <= capacity
``plant-minimum``         vehicles built per open plant-year >= min_utilisation x capacity
``route-capacity``        vehicles per lane-year <= lane capacity
``market-balance``        shipments = sales per program, market and year
``demand-tier``           sales per tier <= its volume, only of programs its product names
``duty-quota``            in-quota vehicles <= the flow, and per quota-year <= the quota
``committed-sales``       sales of the product >= the commitment (or the shortfall is
                          penalised)
``duty``                  the duty per vehicle the result reports = the duty looked up here
``money``                 each shipment's variable cost, freight, inventory and duty and
                          each sale's revenue (USD columns of the run folder) = its
                          vehicles x the input tables' terms
``objective``             the margin recomputed from prices, costs, freight, duties,
                          quotas, penalties, discounting and fixed cost
``optimality``            (LP, status ``optimal``) the dual bound of
                          :mod:`evplan.verify.network_dual` is within tolerance
========================  ==================================================================

A violation raises :class:`~evplan.errors.VerificationError` naming the row and the amount:
it is a bug in evplan, never an input problem. Tolerances are relative (:class:`Tolerance`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.errors import VerificationError
from evplan.frame_arrays import column_array
from evplan.verify.keys import YEAR_RADIX, combine, find, sum_by, unique_first, years_of
from evplan.verify.network_dual import NetworkDuals, dual_bound
from evplan.verify.network_tables import NameCodes, NetworkTables, build_tables, encode

__all__ = ["Certificate", "Tolerance", "verify_network"]

MAX_LINES_PER_FAMILY = 5


@dataclass(frozen=True)
class Tolerance:
    r"""Relative tolerances of the certificate.

    Parameters
    ----------
    feasibility : float
        A row is broken when it is violated by more than ``feasibility`` x
        max(1, \|right-hand side\|, sum of \|terms\|) vehicles (HiGHS works to 1e-7).
    objective : float
        The reported objective may differ from the recomputed one by ``objective`` x the
        objective's scale (sum of the absolute revenue, cost and penalty terms, at least 1).
    optimality : float
        The dual bound may exceed the plan's objective by ``optimality`` x that scale.
    """

    feasibility: float = 1e-6
    objective: float = 1e-7
    optimality: float = 1e-6


@dataclass(frozen=True)
class Certificate:
    """What :func:`verify_network` established about a plan.

    Attributes
    ----------
    objective_usd : float or None
        The objective recomputed from the input tables (None when another certificate
        checks the objective: ``skip`` holds ``"objective"``).
    bound_usd : float or None
        Upper bound on any feasible plan's objective (None: no optimality check).
    gap_usd : float or None
        ``bound_usd - objective_usd``.
    worst_violation : float
        Largest relative row violation found (within tolerance).
    rows : int
        Rows checked.
    seconds : float
        Time the check took.
    """

    objective_usd: float | None
    bound_usd: float | None
    gap_usd: float | None
    worst_violation: float
    rows: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        """The certificate as plain data (for Result.metadata)."""
        return {"objective_usd": self.objective_usd, "bound_usd": self.bound_usd,
                "gap_usd": self.gap_usd, "worst_violation": self.worst_violation,
                "rows": self.rows, "seconds": self.seconds}


class _Checker:
    """Collects violations: each row whose excess is beyond tolerance, worst first."""

    def __init__(self, tolerance: Tolerance, skip: frozenset[str] = frozenset()) -> None:
        self.tolerance = tolerance
        self.skip = skip
        self.lines: list[str] = []
        self.worst = 0.0
        self.rows = 0

    def rows_exceed(self, family: str, excess: np.ndarray, scale: np.ndarray,
                    describe: Any) -> None:
        """Report rows where ``excess > feasibility * max(1, scale)``; ``describe(i, amount)``."""
        if family in self.skip:
            return
        excess = np.asarray(excess, dtype=float)
        self.rows += len(excess)
        if not len(excess):
            return
        relative = excess / np.fmax(1.0, np.abs(np.asarray(scale, dtype=float)))
        finite = np.isfinite(relative)
        self.worst = max(self.worst, float(relative.max(where=finite, initial=0.0)))
        bad = np.flatnonzero(~(relative <= self.tolerance.feasibility))
        relative = np.where(finite, relative, np.inf)
        for position in bad[np.argsort(-relative[bad])][:MAX_LINES_PER_FAMILY]:
            self.lines.append(f"{family}: {describe(int(position), float(excess[position]))}")
        if len(bad) > MAX_LINES_PER_FAMILY:
            self.lines.append(f"{family}: ... and {len(bad) - MAX_LINES_PER_FAMILY} more rows")


def _plan(result: Any) -> dict[str, pd.DataFrame]:
    return {"shipments": result["shipments"], "sales": result["sales"]}


class _Plan:
    """The plan's shipments and sales as codes and numbers."""

    def __init__(self, tables: NetworkTables, plan: dict[str, pd.DataFrame]) -> None:
        vocabulary = tables.vocabulary
        shipments, sales = plan["shipments"], plan["sales"]
        self.shipments, self.sales = shipments, sales
        self.ship_plant = vocabulary.codes("shipments.plant")
        self.ship_program = vocabulary.codes("shipments.program")
        self.ship_market = vocabulary.codes("shipments.market")
        self.ship_year = column_array(shipments, "year", dtype=np.int64)
        self.shipped = column_array(shipments, "shipment_vehicles", dtype=float)
        self.in_quota = column_array(shipments, "in_quota_vehicles", dtype=float)
        self.sale_market = vocabulary.codes("sales.market")
        self.sale_product = vocabulary.codes("sales.product")
        self.sale_program = vocabulary.codes("sales.program")
        self.sale_year = years_of(sales["year"])
        self.sale_tier = years_of(sales["tier"])
        self.sold = column_array(sales, "sales_vehicles", dtype=float)


def _name(tables: NetworkTables, kind: str, code: Any) -> str:
    return tables.vocabulary.name(kind, int(code))


def _flow_label(tables: NetworkTables, plant: int, program: int, market: int, year: int) -> str:
    return (f"{_name(tables, 'plant', plant)}/{_name(tables, 'program', program)}/"
            f"{_name(tables, 'market', market)}/{year}")


def _flows(tables: NetworkTables, plan: _Plan, check: _Checker
           ) -> tuple[np.ndarray, np.ndarray]:
    """Map the plan's shipments to lane-years; check lanes, nonnegativity and duties."""
    lanes = tables.lanes
    key = combine((plan.ship_plant, tables.size("plant")),
                  (plan.ship_program, tables.size("program")),
                  (plan.ship_market, tables.size("market")), (plan.ship_year, YEAR_RADIX))
    at = find(lanes["key"], key)
    shipped, in_quota = plan.shipped, plan.in_quota

    def flow(i: int) -> str:
        return _flow_label(tables, plan.ship_plant[i], plan.ship_program[i],
                           plan.ship_market[i], int(plan.ship_year[i]))

    zero = np.zeros(len(at))
    check.rows_exceed("lane", np.where(at < 0, np.abs(shipped) + np.abs(in_quota), 0.0), zero,
                      lambda i, amount: f"{amount:,.3f} vehicles shipped on {flow(i)}, which is "
                                        "not a plant_programs row x an open route x an open "
                                        "plant-year")
    check.rows_exceed("nonnegativity", np.maximum(-shipped, -in_quota), zero,
                      lambda i, amount: f"flow {flow(i)} is negative by {amount:,.3f} vehicles")
    known = at >= 0
    position = np.maximum(at, 0)
    unknown_duty = known & ~lanes["duty_known"][position] if len(position) else known
    check.rows_exceed("duty", np.where(unknown_duty, 1.0 + np.abs(shipped), 0.0), zero,
                      lambda i, amount: f"flow {flow(i)} has no duty row and no "
                                        "default_duty_rate")
    shipments = plan.shipments
    if "full_duty_usd_per_vehicle" in shipments and len(lanes["key"]):
        for column, own in (("full_duty_usd_per_vehicle", "full_duty"),
                            ("in_quota_duty_usd_per_vehicle", "quota_duty")):
            reported = column_array(shipments, column, dtype=float)
            expected = lanes[own][position]
            check.rows_exceed("duty", np.where(known, np.abs(reported - expected), 0.0),
                              expected, lambda i, amount, column=column, reported=reported,
                              expected=expected: (
                                  f"flow {flow(i)} reports {column} {reported[i]:,.2f}, the "
                                  f"duty tables give {expected[i]:,.2f}"))
    if "duty_usd" in shipments and len(lanes["key"]):
        full, quota = lanes["full_duty"][position], lanes["quota_duty"][position]
        for column, expected in (
                ("variable_cost_usd", shipped * lanes["variable"][position]),
                ("freight_usd", shipped * lanes["freight"][position]),
                ("inventory_usd", shipped * lanes["inventory"][position]),
                ("duty_usd", shipped * full - in_quota * (full - quota))):
            if column not in shipments:
                continue
            reported = column_array(shipments, column, dtype=float)
            check.rows_exceed("money", np.where(known, np.abs(reported - expected), 0.0),
                              expected, lambda i, amount, column=column, reported=reported,
                              expected=expected: (
                                  f"flow {flow(i)} reports {column} {reported[i]:,.2f}, the "
                                  f"input tables give {expected[i]:,.2f}"))
    size = len(lanes["key"])
    return (sum_by(np.where(known, at, -1), shipped, size),
            sum_by(np.where(known, at, -1), in_quota, size))


def _sales(tables: NetworkTables, plan: _Plan, check: _Checker) -> np.ndarray:
    """Map the plan's sales to demand rows; check nonnegativity, membership and volumes."""
    demand, members = tables.demand, tables.members
    product_count = tables.size("product")

    def tier_key(market: np.ndarray, year: np.ndarray, product: np.ndarray, tier: np.ndarray
                 ) -> np.ndarray:
        return combine((market, tables.size("market")), (year, YEAR_RADIX),
                       (product, product_count), (tier, 1000))

    at = find(tier_key(demand["market"], demand["year"], demand["product"], demand["tier"]),
              tier_key(plan.sale_market, plan.sale_year, plan.sale_product, plan.sale_tier))
    member = find(combine((members["product"], product_count),
                          (members["program"], tables.size("program"))),
                  combine((plan.sale_product, product_count),
                          (plan.sale_program, tables.size("program"))))
    allowed = (at >= 0) & (member >= 0)
    sold = plan.sold

    def sale(i: int) -> str:
        return (f"{_name(tables, 'market', plan.sale_market[i])}/{plan.sale_year[i]}/"
                f"{_name(tables, 'product', plan.sale_product[i])}/tier {plan.sale_tier[i]}/"
                f"{_name(tables, 'program', plan.sale_program[i])}")

    check.rows_exceed("demand-tier", np.where(allowed, 0.0, np.abs(sold)), np.zeros(len(sold)),
                      lambda i, amount: f"{amount:,.3f} vehicles sold as {sale(i)}, which is no "
                                        "demand row naming that program")
    check.rows_exceed("nonnegativity", -sold, np.zeros(len(sold)),
                      lambda i, amount: f"sales {sale(i)} are negative by {amount:,.3f} "
                                        "vehicles")
    if "revenue_usd" in plan.sales and len(demand["price"]):
        reported = column_array(plan.sales, "revenue_usd", dtype=float)
        expected = sold * demand["price"][np.maximum(at, 0)]
        check.rows_exceed("money", np.where(at >= 0, np.abs(reported - expected), 0.0),
                          expected, lambda i, amount: (
                              f"sales {sale(i)} report revenue_usd {reported[i]:,.2f}, the "
                              f"input tables give {expected[i]:,.2f}"))
    per_row = sum_by(np.where(allowed, at, -1), sold, len(demand["volume"]))
    volume = demand["volume"]
    check.rows_exceed("demand-tier", per_row - volume, volume, lambda i, amount: (
        f"demand.csv row {demand['row'][i]}: {per_row[i]:,.3f} sold, volume {volume[i]:,.3f} "
        f"(over by {amount:,.3f})"))
    return per_row


def _capacities(tables: NetworkTables, x: np.ndarray, check: _Checker) -> None:
    lanes, plant_years = tables.lanes, tables.plant_years
    built = sum_by(lanes["plant_year"], x, len(plant_years["year"]))
    capacity, floor = plant_years["capacity"], plant_years["floor"]

    def plant_year(i: int) -> str:
        return (f"{_name(tables, 'plant', plant_years['plant'][i])} in {plant_years['year'][i]} "
                f"(plants.csv row {plant_years['row'][i]}) builds {built[i]:,.3f}")

    check.rows_exceed("plant-capacity", built - capacity, capacity, lambda i, amount: (
        f"{plant_year(i)}, capacity {capacity[i]:,.3f} (over by {amount:,.3f})"))
    check.rows_exceed("plant-minimum", np.where(floor > 0, floor - built, 0.0), floor,
                      lambda i, amount: f"{plant_year(i)}, minimum {floor[i]:,.3f} (short by "
                                        f"{amount:,.3f})")
    limited = ~np.isnan(lanes["route_capacity"])
    if not limited.any():
        return
    groups, first = unique_first(lanes["route_row"] * YEAR_RADIX + lanes["year"], limited)
    on_route = sum_by(groups, x, len(first))
    route_capacity = lanes["route_capacity"][first]
    check.rows_exceed("route-capacity", on_route - route_capacity, route_capacity,
                      lambda i, amount: (
                          f"route '{_name(tables, 'plant', lanes['plant'][first[i]])}>"
                          f"{_name(tables, 'market', lanes['market'][first[i]])}' in "
                          f"{lanes['year'][first[i]]} (routes.csv row "
                          f"{lanes['route_row'][first[i]]}) carries {on_route[i]:,.3f}, "
                          f"capacity {route_capacity[i]:,.3f}"))


def _balance(tables: NetworkTables, x: np.ndarray, plan: _Plan, check: _Checker) -> None:
    lanes = tables.lanes
    sale_keys = tables.balance_key(plan.sale_program, plan.sale_market, plan.sale_year)
    groups, first = unique_first(np.concatenate([lanes["balance"], sale_keys]))
    size, split = len(first), len(lanes["balance"])
    shipped = sum_by(groups[:split], x, size)
    sold = sum_by(groups[split:], plan.sold, size)

    def balance(i: int) -> str:
        row = first[i]
        if row < split:
            program, market, year = lanes["program"][row], lanes["market"][row], lanes["year"][row]
        else:
            row -= split
            program, market, year = (plan.sale_program[row], plan.sale_market[row],
                                     plan.sale_year[row])
        return (f"{_name(tables, 'program', program)} in {_name(tables, 'market', market)} "
                f"in {year}")

    check.rows_exceed("market-balance", np.abs(shipped - sold), np.maximum(shipped, sold),
                      lambda i, amount: f"{balance(i)}: shipped {shipped[i]:,.3f}, sold "
                                        f"{sold[i]:,.3f} (off by {amount:,.3f})")


def _quotas(tables: NetworkTables, x: np.ndarray, z: np.ndarray, check: _Checker) -> None:
    lanes = tables.lanes
    has_quota = lanes["quota_key"] >= 0

    def flow(i: int) -> str:
        return _flow_label(tables, lanes["plant"][i], lanes["program"][i], lanes["market"][i],
                           int(lanes["year"][i]))

    check.rows_exceed("duty-quota", np.where(has_quota, z - x, np.abs(z)), np.maximum(x, z),
                      lambda i, amount: f"flow {flow(i)}: {z[i]:,.3f} in-quota vehicles of "
                                        f"{x[i]:,.3f} shipped" + (
                                            "" if has_quota[i] else
                                            ", and its duty row has no quota"))
    if not has_quota.any():
        return
    groups, first = unique_first(combine((lanes["quota_key"], tables.size("quota")),
                                         (lanes["year"], YEAR_RADIX)), has_quota)
    inside = sum_by(groups, z, len(first))
    quota = lanes["quota"][first]
    check.rows_exceed("duty-quota", inside - quota, quota, lambda i, amount: (
        f"quota {_name(tables, 'quota', lanes['quota_key'][first[i]])} in "
        f"{lanes['year'][first[i]]} (duties.csv row {lanes['duty_row'][first[i]]}): "
        f"{inside[i]:,.3f} in-quota vehicles, quota {quota[i]:,.3f}"))


def _committed_sold(tables: NetworkTables, plan: _Plan) -> np.ndarray:
    """Vehicles counting towards each commitment: its product's programs, market and year."""
    committed = tables.committed
    if not len(committed["minimum"]):
        return np.zeros(0)
    at, pair_keys = tables.committed_pairs()
    sale_keys = tables.balance_key(plan.sale_program, plan.sale_market, plan.sale_year)
    groups, first = unique_first(np.concatenate([pair_keys, sale_keys]))
    per_key = sum_by(groups[len(pair_keys):], plan.sold, len(first))
    return sum_by(at, per_key[groups[:len(pair_keys)]], len(committed["minimum"]))


def _reported_commitments(check: _Checker, result: Any, tables: NetworkTables,
                          sold: np.ndarray, shortfall: np.ndarray) -> None:
    """The plan's ``committed_sales`` table, when it has one, against the vehicles its sales
    give each commitment: sold, unmet (what is committed less what is sold, 0 when met)
    and the penalty paid on it."""
    reported = getattr(result, "tables", {}).get("committed_sales")
    if reported is None:
        return
    committed = tables.committed
    if len(reported) != len(committed["minimum"]):
        check.lines.append(f"committed-sales table: {len(reported)} rows for "
                           f"{len(committed['minimum'])} commitments")
        return
    penalty = float(tables.penalty or 0.0)
    for column, expected in (("min_vehicles", committed["minimum"]), ("sold_vehicles", sold),
                             ("unmet_vehicles", shortfall),
                             ("penalty_usd", penalty * shortfall)):
        got = column_array(reported, column, dtype=float)
        check.rows_exceed("committed-sales table", np.abs(got - expected), expected,
                          lambda i, amount, got=got, expected=expected, column=column: (
                              f"committed_sales.csv row {committed['row'][i]}: {column} "
                              f"reported {got[i]:,.3f}, the plan's sales give "
                              f"{expected[i]:,.3f}"))


def _objective(tables: NetworkTables, x: np.ndarray, z: np.ndarray, sold_per_row: np.ndarray,
               shortfall: np.ndarray) -> tuple[float, float, float]:
    """(objective before fixed cost, fixed cost, scale) recomputed from the tables."""
    lanes, demand, plant_years = tables.lanes, tables.demand, tables.plant_years
    revenue = demand["price"] * demand["discount"] * sold_per_row
    cost = (lanes["variable"] + lanes["freight"] + lanes["inventory"]
            + lanes["full_duty"]) * lanes["discount"] * x
    refund = (lanes["full_duty"] - lanes["quota_duty"]) * lanes["discount"] * z
    penalty = (tables.penalty or 0.0) * tables.committed["discount"] * shortfall
    fixed = float((plant_years["fixed"] * plant_years["discount"]).sum())
    value = float(revenue.sum() - cost.sum() + refund.sum() - penalty.sum())
    scale = float(np.abs(revenue).sum() + np.abs(cost).sum() + np.abs(refund).sum()
                  + np.abs(penalty).sum() + abs(fixed))
    return value, fixed, scale


def verify_network(data: NetworkData, result: Any, duals: NetworkDuals | None = None,
                   tolerance: Tolerance | None = None, extra_cost_usd: float = 0.0,
                   skip: frozenset[str] = frozenset(), names: NameCodes | None = None
                   ) -> Certificate:
    """Check a plan against the input tables; raise on any violation.

    Parameters
    ----------
    data : NetworkData
        The inputs the plan was made for.
    result : Result
        The plan (its ``shipments`` and ``sales`` tables, ``objective_usd`` and
        ``status``).
    duals : NetworkDuals, optional
        Candidate duals (from HiGHS) for the optimality certificate; only used for
        a plan whose status is ``optimal``.
    tolerance : Tolerance, optional
        Relative tolerances (default :class:`Tolerance`).
    extra_cost_usd : float, optional
        Discounted cost of rows outside the export LP that the plan's objective includes
        (the CO2 and zero-emission rules, certified by
        :func:`evplan.verify.compliance.check_compliance`); subtracted from the recomputed
        objective. Pass ``duals=None`` with it: the dual bound covers the export LP only.
    skip : frozenset of str, optional
        Row families another certificate checks instead, and ``"objective"``: a strategic
        plan decides plant capacity and adds capex, so
        :func:`evplan.strategic.check.check_plan` checks ``plant-capacity``,
        ``plant-minimum`` and the objective, and local assembly supplies
        ``market-balance`` rows with kits. No dual bound is computed with a skip.
    names : NameCodes, optional
        Codes of the names, and the positions of the joins made with them, kept from an
        earlier plan with the same names and years. For :class:`~evplan.scenarios.WarmModel`,
        which checks that a case's names and years are its base's before it passes one; the
        codes guard row counts only. Every number is read from ``data`` and the plan.

    Returns
    -------
    Certificate

    Raises
    ------
    VerificationError
        Naming every broken row (up to five per family) and the amount.

    Examples
    --------
    >>> import evplan
    >>> from evplan.examples import single_lane
    >>> data = single_lane(capacity=500)
    >>> certificate = verify_network(data, evplan.optimize(data))
    >>> round(certificate.objective_usd)
    4500000
    """
    started = time.perf_counter()
    tolerance = tolerance or Tolerance()
    check = _Checker(tolerance, skip)
    frames = _plan(result)
    dual_frames = None if duals is None else duals.families()
    vocabulary = (encode(data, frames, dual_frames) if names is None
                  else names.of(data, frames, dual_frames))
    tables = build_tables(data, vocabulary, None if names is None else names.memo)
    plan = _Plan(tables, frames)
    x, z = _flows(tables, plan, check)
    sold_per_row = _sales(tables, plan, check)
    _capacities(tables, x, check)
    _balance(tables, x, plan, check)
    _quotas(tables, x, z, check)
    committed = tables.committed
    sold = _committed_sold(tables, plan)
    minimum = committed["minimum"]
    shortfall = np.maximum(minimum - sold, 0.0)
    if tables.penalty is None:
        check.rows_exceed("committed-sales", shortfall, minimum, lambda i, amount: (
            f"committed_sales.csv row {committed['row'][i]} "
            f"({_name(tables, 'market', committed['market'][i])}/{committed['year'][i]}/"
            f"{_name(tables, 'product', committed['product'][i])}): {sold[i]:,.3f} sold, "
            f"{minimum[i]:,.3f} committed (short by {amount:,.3f})"))
    _reported_commitments(check, result, tables, sold, shortfall)
    value, fixed, scale = _objective(tables, x, z, sold_per_row, shortfall)
    objective = value - fixed - extra_cost_usd
    scale += abs(extra_cost_usd)
    reported = float(result.objective_usd)
    if "objective" not in skip and not abs(reported - objective) <= tolerance.objective * max(
            1.0, scale):
        check.lines.append(f"objective: the plan reports {reported:,.2f} USD, the input tables "
                           f"give {objective:,.2f} USD (off by {reported - objective:,.2f})")
    bound = gap = None
    if duals is not None and (extra_cost_usd or skip):
        raise ValueError("verify_network: the dual bound covers the export LP only; pass "
                         "duals=None with extra_cost_usd or skip")
    if duals is not None and result.status == "optimal" and not check.lines:
        bound_value, bound_scale = dual_bound(tables, duals)
        bound, gap = bound_value - fixed, bound_value - value
        if gap > tolerance.optimality * max(1.0, scale, bound_scale):
            check.lines.append(
                f"optimality: no plan can earn more than {bound:,.2f} USD by the dual bound, "
                f"but the plan called optimal earns {objective:,.2f} USD (gap {gap:,.2f}); the "
                "duals do not certify it")
    if check.lines:
        raise VerificationError(check.lines)
    return Certificate(objective_usd=None if "objective" in skip else objective,
                       bound_usd=bound, gap_usd=gap,
                       worst_violation=check.worst, rows=check.rows,
                       seconds=time.perf_counter() - started)
