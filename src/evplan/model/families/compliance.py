r"""CO2 and zero-emission rule families: fleet targets, ZEV mandates, production credits, carbon.

Every family here is added only when its input table has rows
(:func:`evplan.model.compliance_index.has_compliance`); without them the network model is
unchanged. All are linear: the fleet average is a ratio, but "average <= target" over
the cars sold is the same as :math:`\sum_f (e_f - T)\,x_f \le 0`, so excess and pooled
emissions are measured in g/km x vehicles and the premium is charged on them exactly.

Symbols (per flow :math:`f`: program :math:`v` built at plant :math:`p`, sold in market
:math:`k` in year :math:`y`; :math:`x_f` is ``shipment``):

======  ==============================================  ==========================================
symbol  code                                            meaning
======  ==============================================  ==========================================
e_f     ``program_emissions.co2_g_per_km``              certified g CO2/km (0 for a BEV)
T_ky    ``fleet_targets.target_g_per_km``               maker's specific target
E_g     ``fleet_cover`` (cover ``excess``)              excess, g/km x vehicles, of group g
P_g     ``fleet_cover`` (cover ``pooled``)              excess covered by pooling
π^E_g   ``fleet_targets.premium_usd_per_g_km``          excess premium per g/km x vehicle
π^P_g   ``fleet_targets.pool_price_usd_per_g_km``       pooling price per g/km x vehicle
c_f     ``zev_mandates.*_credits_per_vehicle``          ZEV credits of a vehicle of f
s_ky    ``zev_mandates.zev_share``                      credits required per vehicle sold
B_ky    ``zev_credits`` (``bank``)                      credits banked at the end of the year
D_ky    ``zev_credits`` (``debt``)                      credits owed (borrowed) at year end
U_ky    ``zev_credits`` (``bought`` / ``sold``)         credits bought / sold (V_ky)
M_ky    ``zev_credits`` (``missing``)                   credits missing: penalty per credit
n_f     ``production_credits.*_credits_per_vehicle``    production credits of a vehicle of f
r_f     ``requirement_share`` if f is ICE/HEV else 0    production credits required
τ_f     production + shipping (+ use) t CO2/vehicle     CO2 counted by carbon_prices
======  ==============================================  ==========================================

The decision variables of a rule share one linopy variable with a second dimension
(``fleet_cover``: group x [excess, pooled]; ``zev_credits``: year x [bank, debt, bought,
sold, missing]; ``credit_trade``: year x [bought, sold]), so each rule adds one variable
block; an upper bound of 0 fixes an element where the rule does not allow it.

In a strategic model with kits, the vehicles assembled from kits (``kit_shipment``) join
the sums of the fleet target, the ZEV mandate (balance and borrowing limit) and the carbon
price and cap of the site's market and year with the coefficients of
:mod:`evplan.model.compliance_kits` (:func:`_kit_part`); they earn and owe no production
credits.
"""

from __future__ import annotations

from collections.abc import Iterator

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from evplan.model.compliance_index import ComplianceIndex
from evplan.model.compliance_kits import kit_rows
from evplan.model.index import ModelIndex
from evplan.model.options import BuildOptions
from evplan.model.terms import Part, grouped_sum, labelled

__all__ = ["add_carbon_cap", "add_fleet_targets", "add_production_credits",
           "add_zev_mandates", "compliance_objective"]


def _rows(m: linopy.Model, lhs: linopy.LinearExpression, sign: str, rhs: np.ndarray | float,
          name: str) -> None:
    """Add ``lhs sign rhs`` along lhs's group dimension without linopy's label alignment.

    ``lhs`` comes from :func:`grouped_sum` (positions 0..n-1 along its one dimension), so
    the right-hand side is already aligned; building the Constraint from the expression's
    data directly skips the subtraction ``lhs - rhs`` that dominates a small family.
    """
    dim = str(lhs.data["coeffs"].dims[0])
    count = lhs.data.sizes[dim]
    right = labelled(np.broadcast_to(np.asarray(rhs, dtype=float), (count,)), dim)
    data = lhs.data.assign(sign=xr.DataArray(np.full(count, sign), coords=right.coords,
                                             dims=[dim]), rhs=right)
    m.add_constraints(linopy.constraints.Constraint(data, m), name=name)


def _kit_part(m: linopy.Model, compliance: ComplianceIndex, code: str,
              coefficient: str | np.ndarray) -> list[Part]:
    """The kit flows' terms of a rule (empty without kits): ``kit_shipment`` by the kit rows'
    ``code`` column, times ``coefficient`` (a column name or one value per kit)."""
    kits = kit_rows(compliance)
    if not len(kits) or "kit_shipment" not in m.variables:
        return []
    values = kits[coefficient].to_numpy() if isinstance(coefficient, str) else coefficient
    return [(m.variables["kit_shipment"], kits[code].to_numpy(), values)]


def _flows_by_year(m: linopy.Model, compliance: ComplianceIndex, column: str
                   ) -> Iterator[tuple[str, pd.DataFrame, np.ndarray]]:
    """The flow variables a yearly rule sums: ``shipment`` and, in a strategic model with
    kits, ``kit_shipment``.

    Parameters
    ----------
    m : linopy.Model
        The model; a variable it does not hold is skipped.
    compliance : ComplianceIndex
        The flows' rows (``flows``) and kit rows (:func:`kit_rows`).
    column : str
        The code column giving each flow's position in the rule's year table.

    Yields
    ------
    tuple of (str, pandas.DataFrame, numpy.ndarray)
        The variable's name, its rows (positions of the variable) and each row's year
        position (-1 where the rule has no row for the flow's year).
    """
    for name, frame in (("shipment", compliance.flows), ("kit_shipment", kit_rows(compliance))):
        if len(frame) and name in m.variables:
            yield name, frame, frame[column].to_numpy()


def _at(per_year: np.ndarray, year_position: np.ndarray, fill: float) -> np.ndarray:
    """``per_year`` at each flow's year position; ``fill`` where the position is -1."""
    return np.where(year_position >= 0, per_year[np.maximum(year_position, 0)], fill)


FLEET_COVER = ("excess", "pooled")
ZEV_CREDITS = ("bank", "debt", "bought", "sold", "missing")
CREDIT_TRADE = ("bought", "sold")


def _block(m: linopy.Model, name: str, dim: str, kinds: tuple[str, ...],
           upper: dict[str, np.ndarray]) -> dict[str, linopy.Variable]:
    """One nonnegative variable ``dim`` x ``kinds`` with per-element upper bounds (0 fixes).

    Returns the columns as one-dimensional views, keyed by kind.
    """
    count = len(next(iter(upper.values())))
    bounds = np.column_stack([np.asarray(upper.get(kind, np.full(count, np.inf)), dtype=float)
                              for kind in kinds])
    kind_dim = f"{dim}_kind"
    array = xr.DataArray(bounds, coords={dim: np.arange(count), kind_dim: list(kinds)},
                         dims=[dim, kind_dim])
    variable = m.add_variables(lower=0, upper=array, name=name)
    return {kind: variable.isel({kind_dim: position}) for position, kind in enumerate(kinds)}


def add_fleet_targets(m: linopy.Model, compliance: ComplianceIndex, options: BuildOptions
                      ) -> None:
    r"""Fleet-average CO2 per assessment group: excess and pooling cover what is over target.

    .. math:: \sum_{f \in F(g)} (e_f - T_{k(f),y(f)})\, x_f - E_g - P_g \le 0 \quad \forall g

    A group is one market-year, or the years of a market sharing an ``averaging_group``
    (EU 2025-2027): their cars are assessed together against their own years' targets.
    ``P_g`` exists (upper bound > 0) only where a pooling price is given.
    """
    groups = compliance.fleet_groups
    if groups.empty:
        return
    flows = compliance.flows
    count = len(groups)
    pool_upper = np.where(groups["pool_price_usd_per_g_km"].notna(), np.inf, 0.0)
    cover = _block(m, "fleet_cover", "fleet_group", FLEET_COVER,
                   {"excess": np.full(count, np.inf), "pooled": pool_upper})
    excess, pooled = cover["excess"], cover["pooled"]
    lhs = grouped_sum(m, [
        (m.variables["shipment"], flows["fleet_group"].to_numpy(),
         flows["fleet_coefficient"].to_numpy()),
        *_kit_part(m, compliance, "fleet_group", "fleet_coefficient"),
        (excess, np.arange(count), -1.0),
        (pooled, np.arange(count), -1.0),
    ], count, "fleet_group")
    _rows(m, lhs, "<=", 0.0, "fleet-target")


def add_zev_mandates(m: linopy.Model, compliance: ComplianceIndex, options: BuildOptions
                     ) -> None:
    r"""ZEV credits balance each mandate year, with banking, borrowing, trade and penalty.

    .. math::

        \sum_{f \in F(k,y)} (c_f - s_{ky})\, x_f + B_{k,y-1} - D_{k,y-1} - B_{ky} + D_{ky}
            + U_{ky} - V_{ky} + M_{ky} \ge 0

        D_{ky} \le \beta_{ky}\, s_{ky} \sum_{f \in F(k,y)} x_f, \qquad D_{k,\text{last}} = 0

    ``B`` is fixed at 0 where banking is ``no``, ``U`` where no purchase price is given,
    ``V`` where no sale price is given; ``y-1`` is the market's previous mandate row.
    """
    years = compliance.zev_years
    if years.empty:
        return
    flows = compliance.flows
    count = len(years)
    positions = np.arange(count)
    debt_upper = np.where((years["borrow_share"] > 0) & ~years["last"], np.inf, 0.0)
    credits = _block(m, "zev_credits", "zev_year", ZEV_CREDITS, {
        "bank": np.where(years["banking"].eq("yes"), np.inf, 0.0),
        "debt": debt_upper,
        "bought": np.where(years["credit_price_usd"].notna(), np.inf, 0.0),
        "sold": np.where(years["credit_sale_price_usd"].notna(), np.inf, 0.0),
        "missing": np.full(count, np.inf)})
    bank, debt, bought, sold, missing = (credits[kind] for kind in ZEV_CREDITS)
    previous = years["previous"].to_numpy()
    carried = np.full(count, -1)
    carried[previous[previous >= 0]] = positions[previous >= 0]
    lhs = grouped_sum(m, [
        (m.variables["shipment"], flows["zev_year"].to_numpy(),
         flows["zev_coefficient"].to_numpy()),
        *_kit_part(m, compliance, "zev_year", "zev_coefficient"),
        (bank, carried, 1.0), (debt, carried, -1.0),
        (bank, positions, -1.0), (debt, positions, 1.0),
        (bought, positions, 1.0), (sold, positions, -1.0), (missing, positions, 1.0),
    ], count, "zev_year")
    _rows(m, lhs, ">=", 0.0, "zev-balance")
    borrowing = np.flatnonzero(debt_upper > 0)
    if len(borrowing):
        code_of = np.full(count, -1)
        code_of[borrowing] = np.arange(len(borrowing))
        limit = (years["borrow_share"] * years["zev_share"]).to_numpy()
        parts: list[Part] = [(debt, code_of, 1.0)]
        for name, _, flow_year in _flows_by_year(m, compliance, "zev_year"):
            parts.append((m.variables[name], _at(code_of, flow_year, -1),
                          -_at(limit, flow_year, 0.0)))
        lhs = grouped_sum(m, parts, len(borrowing), "zev_borrowing")
        _rows(m, lhs, "<=", 0.0, "zev-borrow-limit")


def add_production_credits(m: linopy.Model, compliance: ComplianceIndex, options: BuildOptions
                           ) -> None:
    r"""Production credits earned cover the requirement on conventional vehicles built.

    .. math:: \sum_{f \in F(c,y)} (n_f - r_f)\, x_f + U_{cy} - V_{cy} \ge 0 \quad \forall (c, y)

    ``F(c,y)``: flows built in plants of country ``c`` in year ``y`` (exports included);
    ``U`` (``credit_trade`` bought) at the credit price, ``V`` (sold) at the sale price,
    fixed at 0 where none is given.
    """
    years = compliance.credit_years
    if years.empty:
        return
    count = len(years)
    trade = _block(m, "credit_trade", "credit_year", CREDIT_TRADE, {
        "bought": np.full(count, np.inf),
        "sold": np.where(years["credit_sale_price_usd"].notna(), np.inf, 0.0)})
    bought, sold = trade["bought"], trade["sold"]
    flows = compliance.flows
    positions = np.arange(count)
    lhs = grouped_sum(m, [
        (m.variables["shipment"], flows["credit_year"].to_numpy(),
         flows["credit_coefficient"].to_numpy()),
        (bought, positions, 1.0), (sold, positions, -1.0),
    ], count, "credit_year")
    _rows(m, lhs, ">=", 0.0, "production-credit")


def add_carbon_cap(m: linopy.Model, compliance: ComplianceIndex, options: BuildOptions) -> None:
    r"""The plan's CO2 in a year stays under the cap, where one is given.

    .. math:: \sum_{f \in F(y)} \tau_f\, x_f \le K_y \quad \forall y: K_y \text{ given}

    In the elastic copy a penalised slack ``carbon_cap_excess`` (t) may exceed the cap.
    """
    years = compliance.carbon_years
    capped = np.flatnonzero(years["cap_t_co2"].notna().to_numpy()) if len(years) else (
        np.empty(0, dtype=np.int64))
    if not len(capped):
        return
    code_of = np.full(len(years), -1)
    code_of[capped] = np.arange(len(capped))
    parts: list[Part] = [(m.variables[name], _at(code_of, flow_year, -1),
                          frame["carbon_t"].to_numpy())
                         for name, frame, flow_year in _flows_by_year(m, compliance,
                                                                      "carbon_year")]
    if options.elastic:
        slack = m.add_variables(lower=0, coords=[pd.RangeIndex(len(capped), name="carbon_cap")],
                                name="carbon_cap_excess")
        parts.append((slack, np.arange(len(capped)), -1.0))
    lhs = grouped_sum(m, parts, len(capped), "carbon_cap")
    cap = years["cap_t_co2"].to_numpy(dtype=float)[capped]
    _rows(m, lhs, "<=", cap, "carbon-cap")


def _discount(frame: pd.DataFrame, index: ModelIndex, column: str = "year") -> np.ndarray:
    return frame[column].map(index.discount).to_numpy(dtype=float)


def compliance_objective(m: linopy.Model, compliance: ComplianceIndex, index: ModelIndex,
                         options: BuildOptions) -> linopy.LinearExpression | None:
    r"""Discounted compliance terms added to the margin (to be maximised).

    .. math::

        -\sum_g \delta_g (\pi^E_g E_g + \pi^P_g P_g)
        - \sum_{ky} \delta_y (p^U U - p^V V + \pi^M M)
        - \sum_{cy} \delta_y (p^U U - p^V V)
        - \sum_f \delta_y\, \kappa_y \tau_f x_f

    with :math:`\delta_g` the discount factor of the group's last year (when the premium
    is paid) and :math:`\kappa_y` the carbon price.
    """
    parts: list[tuple[linopy.Variable, np.ndarray, np.ndarray | float]] = []

    def cost(name: str, usd: np.ndarray, kind: str | None = None) -> None:
        if name in m.variables:
            variable = m.variables[name]
            if kind is not None:
                dim = f"{variable.dims[0]}_kind"
                variable = variable.sel({dim: kind})
            parts.append((variable, np.zeros(variable.size, dtype=np.int64),
                          -np.nan_to_num(np.asarray(usd, dtype=float))))

    groups = compliance.fleet_groups
    if len(groups):
        delta = _discount(groups, index, "last_year")
        cost("fleet_cover", groups["premium_usd_per_g_km"].to_numpy() * delta, "excess")
        cost("fleet_cover", groups["pool_price_usd_per_g_km"].to_numpy(dtype=float) * delta,
             "pooled")
    years = compliance.zev_years
    if len(years):
        delta = _discount(years, index)
        cost("zev_credits", years["credit_price_usd"].to_numpy(dtype=float) * delta, "bought")
        cost("zev_credits", -years["credit_sale_price_usd"].to_numpy(dtype=float) * delta,
             "sold")
        cost("zev_credits", years["penalty_usd_per_vehicle"].to_numpy() * delta, "missing")
    years = compliance.credit_years
    if len(years):
        delta = _discount(years, index)
        cost("credit_trade", years["credit_price_usd"].to_numpy() * delta, "bought")
        cost("credit_trade", -years["credit_sale_price_usd"].to_numpy(dtype=float) * delta,
             "sold")
    years = compliance.carbon_years
    if len(years):
        price = years["carbon_price_usd_per_t"].to_numpy(dtype=float)
        for name, frame, flow_year in _flows_by_year(m, compliance, "carbon_year"):
            per_flow = (_at(price, flow_year, 0.0) * frame["carbon_t"].to_numpy()
                        * _discount(frame, index))
            if np.any(per_flow != 0):
                cost(name, per_flow)
    if "carbon_cap_excess" in m.variables:
        variable = m.variables["carbon_cap_excess"]
        cost("carbon_cap_excess", np.full(variable.size, options.elastic_penalty_usd_per_vehicle))
    if not parts:
        return None
    # One grouped sum into a single group: a flat list of terms, no label alignment.
    return grouped_sum(m, parts, 1, "compliance_cost").sum("compliance_cost")
