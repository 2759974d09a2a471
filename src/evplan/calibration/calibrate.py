r"""Calibration: demand tiers under which an observed base year is the model's optimum.

Given the observed volume :math:`Q_0` and net price :math:`P_0` of every product in every
market in the base year, and an own-price elasticity :math:`\varepsilon` per segment
(``elasticities.csv``, from the literature), calibration

1. solves the base year with demand fixed at the observed volumes (one tier of
   :math:`Q_0` at a price far above any cost). The dual of each tier row is
   :math:`\bar p - c_0`, so :math:`c_0` is the *marginal landed cost* of the product in
   that market: the cost of the cheapest way to supply one more vehicle (production,
   freight, duty, inventory in transit, capacity rents);
2. sets the calibration wedge :math:`\lambda = c_0 - R'(Q_0)`, the gap between the
   marginal landed cost and the marginal revenue of the constant-elasticity curve through
   :math:`(Q_0, P_0)` (:mod:`evplan.calibration.curve`). It stands for everything the
   model does not see at the margin (incentives, fleet deals, volume targets, costs that
   are not modelled), is reported per market as the fit of the calibration, and is kept
   fixed in later years;
3. cuts the curve into tiers below :math:`Q_0` (ending exactly at it) and above it, each
   priced at its average marginal revenue plus :math:`\lambda`.

Why the base year is the optimum (KKT). Let :math:`(x^*, q^*{=}Q_0)` and duals
:math:`y^*` solve step 1, with tier duals :math:`\bar p - c_0`. In the calibrated model
keep :math:`x^*`, :math:`q^*` and every dual of :math:`y^*` except the tier rows, and give
tier :math:`t` the dual :math:`\mu_t = \max(0, p_t - c_0)`. Below :math:`Q_0`,
:math:`p_t > R'(Q_0) + \lambda = c_0`, so :math:`\mu_t > 0` and the tier is full; above,
:math:`p_t < c_0`, so :math:`\mu_t = 0`, the sales variable's reduced cost
:math:`p_t - c_0 < 0` and it is zero. Shipments keep their reduced costs from step 1.
Primal feasibility, dual feasibility and complementary slackness hold, so
:math:`(x^*, Q_0)` is optimal. Because :math:`\mu_t > 0` below and the reduced costs are
strictly negative above, complementary slackness forces *every* optimal solution to sell
exactly :math:`Q_0`: the identity is unique, and ``tests/calibration`` checks it by
solving the calibrated base year.

A product the base year cannot supply in full (no lane, or capacity short) has no
:math:`c_0` and no wedge can make its observed volume the optimum: calibration stops with
an input error naming its ``base_demand.csv`` row, the shortfall and what binds
(:mod:`evplan.calibration.explain`), rather than fit an approximation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from evplan.calibration.check import verify_calibration
from evplan.calibration.curve import average_marginal_revenue, marginal_revenue, tier_breakpoints
from evplan.calibration.explain import unserved_problems
from evplan.calibration.inputs import cell_problems, key_problems, numbered
from evplan.data import NetworkData, validate_tables
from evplan.errors import InputError, Problem, SolverLimitError
from evplan.highs import SolverOptions
from evplan.results import Result
from evplan.solve import optimize

__all__ = [
    "Calibration",
    "CalibrationOptions",
    "calibrate",
    "elasticity_of",
    "restrict_years",
    "solve_identity",
    "with_demand",
]

LABEL = "calibration"


@dataclass(frozen=True)
class CalibrationOptions:
    """How to cut the calibrated curve into tiers.

    Parameters
    ----------
    below, above : tuple of float
        Tier ends as fractions of the base volume; ``below`` ends at 1.0.
    supply_price_usd_per_vehicle : float
        Price of the single tier in step 1, far above any landed cost.
    """

    below: tuple[float, ...] = (0.5, 0.8, 1.0)
    above: tuple[float, ...] = (1.1, 1.25, 1.5)
    supply_price_usd_per_vehicle: float = 1e6


@dataclass(frozen=True)
class Calibration:
    """What :func:`calibrate` returns; every figure here is *calibration*, not prediction.

    Attributes
    ----------
    base_year : int
        The year fitted.
    demand : pandas.DataFrame
        The calibrated ``demand`` table (every year of ``base_demand``).
    pools : pandas.DataFrame
        Per base-year market and product: ``volume_vehicles``, ``price_usd_per_vehicle``,
        ``elasticity``, ``marginal_cost_usd_per_vehicle`` (:math:`c_0`),
        ``marginal_revenue_usd_per_vehicle``, ``wedge_usd_per_vehicle`` (:math:`\\lambda`)
        and ``served`` (step 1 could supply it in full).
    fit : pandas.DataFrame
        Per market: observed and solved base-year volume, ``residual_vehicles`` (solved -
        observed; zero is the identity) and the volume-weighted wedge.
    data : NetworkData
        The inputs with the calibrated demand.
    """

    base_year: int
    demand: pd.DataFrame
    pools: pd.DataFrame
    fit: pd.DataFrame
    data: NetworkData
    label: str = LABEL


def restrict_years(data: NetworkData, first_year: int, last_year: int) -> NetworkData:
    """The same inputs over a shorter horizon (yearly rows outside it dropped)."""
    scenario = replace(data.scenario, first_year=first_year, last_year=last_year)
    tables = {name: frame[(frame["year"] >= first_year) & (frame["year"] <= last_year)]
              .reset_index(drop=True) if "year" in frame else frame
              for name, frame in data.tables.items()}
    return data.replace(scenario=scenario, tables=tables)


def with_demand(data: NetworkData, demand: pd.DataFrame) -> NetworkData:
    """The inputs with ``demand`` replaced, validated again (tiers must fall, etc.)."""
    tables = {name: frame.drop(columns="row") for name, frame in data.tables.items()}
    tables["demand"] = demand.drop(columns="row", errors="ignore")
    return validate_tables(tables, data.scenario, origin=data.origin)


def elasticity_of(base: pd.DataFrame, data: NetworkData, elasticities: pd.DataFrame
                  ) -> np.ndarray:
    """Own-price elasticity per base row: (market, segment) row, else ('*', segment).

    A product that is a program takes its program's segment; a product that is a segment
    is its own segment.

    Raises
    ------
    InputError
        Naming every base_demand row without an elasticity.
    """
    segment_of = data.programs.set_index("program")["segment"]
    segments = base["product"].map(segment_of).fillna(base["product"])
    table = elasticities.set_index(["market", "segment"])["own_price_elasticity"]
    exact = table.reindex(pd.MultiIndex.from_arrays([base["market"], segments])).to_numpy(float)
    wildcard = table.reindex(pd.MultiIndex.from_arrays(
        [np.full(len(base), "*"), segments])).to_numpy(float)
    value = np.where(np.isnan(exact), wildcard, exact)
    missing = np.flatnonzero(np.isnan(value))
    if len(missing):
        raise InputError([Problem("elasticities.csv", f"no own_price_elasticity for segment "
                                  f"{segments.iloc[i]!r} (product {base['product'].iloc[i]!r}, "
                                  f"market {base['market'].iloc[i]!r}, base_demand.csv row "
                                  f"{base['row'].iloc[i]}). Add a row "
                                  f"'*,{segments.iloc[i]},<value>'.")
                          for i in missing[:20]])
    return value


def proven_optimal(result: Result, step: str) -> Result:
    """``result`` when its status is ``optimal``; else a :class:`SolverLimitError` naming
    ``step``. A plan stopped by a limit has no shadow prices (step 1 would blame every
    base_demand row for them) and is no optimum to report as calibrated or predicted."""
    if result.status != "optimal":
        raise SolverLimitError(f"evplan: {step} stopped ({result.status}) before its plan was "
                               "proven optimal, so it is not reported: calibration needs an "
                               "optimum's shadow prices and a backtest an optimum's plan. "
                               "Raise the time limit (or remove it).")
    return result


def strategic_problems(data: NetworkData) -> list[Problem]:
    """A problem when ``data`` holds strategic tables (a MILP): its plan has no shadow
    prices, so no base-year sale would get a marginal landed cost, and step 1 would report
    every ``base_demand.csv`` row as one the inputs cannot supply."""
    from evplan.schema import STRATEGIC_TABLE_NAMES

    workbook = str(data.origin).lower().endswith((".xlsx", ".xlsm"))  # sheets, not files
    named = [name if workbook else f"{name}.csv" for name in STRATEGIC_TABLE_NAMES
             if name in data.tables and len(data.tables[name])]
    if not named:
        return []
    return [Problem(named[0], f"the scenario has strategic tables with rows ({', '.join(named)})"
                    ": with them the plan is a MILP, which has no shadow prices, and "
                    "calibration reads each base-year sale's marginal landed cost from one. "
                    "Calibrate the network without its strategic tables (e.g. the folder its "
                    "base_inputs names) and use that demand.csv.")]


def _marginal_supply_cost(data: NetworkData, base: pd.DataFrame, options: CalibrationOptions,
                          solver: SolverOptions | None) -> tuple[pd.DataFrame, Result]:
    """Step 1: c0 per base pool from the tier duals of the fixed-demand base year (and the
    step's plan, which says what binds when a pool is not served)."""
    big = options.supply_price_usd_per_vehicle
    demand = base[["market", "year", "product", "volume_vehicles"]].assign(
        tier=1, price_usd_per_vehicle=big, source="calibration step 1")
    result = proven_optimal(optimize(with_demand(data, demand), solver),
                            f"calibration step 1 (the base year {data.scenario.first_year} "
                            "at its observed volumes)")
    tiers = result["demand_shadow_prices"]
    out = base[["market", "product"]].merge(
        tiers[["market", "product", "sales_vehicles", "shadow_price_usd_per_vehicle"]],
        on=["market", "product"], how="left")
    out["sales_vehicles"] = out["sales_vehicles"].fillna(0.0)
    served = (out["sales_vehicles"] >= base["volume_vehicles"].to_numpy() - 1e-6) & (
        out["shadow_price_usd_per_vehicle"].fillna(0.0) > 1e-9)
    out["marginal_cost_usd_per_vehicle"] = np.where(
        served, big - out["shadow_price_usd_per_vehicle"].fillna(big), np.nan)
    out["served"] = served.to_numpy()
    return out, result


def solve_identity(data: NetworkData, base: pd.DataFrame, solver: SolverOptions | None = None
                   ) -> pd.DataFrame:
    """Solve ``data`` and return, per base row, the observed and the solved volume."""
    result = proven_optimal(optimize(data, solver), "the calibrated base year's re-solve")
    sold = result["sales"].groupby(["market", "year", "product"])["sales_vehicles"].sum()
    out = base[["market", "year", "product", "volume_vehicles"]].rename(
        columns={"volume_vehicles": "observed_vehicles"})
    out["solved_vehicles"] = sold.reindex(pd.MultiIndex.from_frame(
        out[["market", "year", "product"]])).fillna(0.0).to_numpy()
    return out


def _tiers(base: pd.DataFrame, elasticity: np.ndarray, wedge: np.ndarray,
           options: CalibrationOptions) -> pd.DataFrame:
    points = tier_breakpoints(options.below, options.above)
    n = len(points) - 1
    volume = np.repeat(base["volume_vehicles"].to_numpy(float), n)
    price = np.repeat(base["price_usd_per_vehicle"].to_numpy(float), n)
    eps = np.repeat(elasticity, n)
    low, high = np.tile(points[:-1], len(base)), np.tile(points[1:], len(base))
    tier_price = average_marginal_revenue(volume, price, eps, low, high) + np.repeat(wedge, n)
    unpriced = ~np.isfinite(tier_price) | ~np.isfinite(volume)
    if unpriced.any():  # never dropped below as "priced at or below zero"
        rows = sorted({int(row) for row in np.repeat(base["row"].to_numpy(), n)[unpriced]})
        raise InputError([Problem("base_demand.csv", f"rows {', '.join(map(str, rows))}: "
                                  "their demand curve has no finite tier price (volume, "
                                  "price, elasticity and the base year's cost wedge overflow "
                                  "a float). Check the volume and price of these rows and "
                                  "the elasticity of their segment.", rows[0])])
    tiers = pd.DataFrame({
        "market": np.repeat(base["market"].to_numpy(), n),
        "year": np.repeat(base["year"].to_numpy(), n),
        "product": np.repeat(base["product"].to_numpy(), n),
        "volume_vehicles": np.round(np.round(volume * high, 3) - np.round(volume * low, 3), 3),
        "price_usd_per_vehicle": np.round(tier_price, 2),
        "source": [f"calibration: tier {k + 1}/{n} ({lo:g}-{hi:g} x base), elasticity {e:g}, "
                   f"wedge {w:+.0f}; base_demand.csv row {row}"
                   for k, lo, hi, e, w, row in zip(
                       np.tile(np.arange(n), len(base)), low, high, eps, np.repeat(wedge, n),
                       np.repeat(base["row"].to_numpy(), n), strict=True)],
    })
    # A tier priced at or below zero never sells (every cost is positive): leave it out.
    tiers = tiers[(tiers["price_usd_per_vehicle"] > 0) & (tiers["volume_vehicles"] > 0)]
    tiers["tier"] = tiers.groupby(["market", "year", "product"]).cumcount() + 1
    return tiers[["market", "year", "product", "tier", "volume_vehicles",
                  "price_usd_per_vehicle", "source"]].reset_index(drop=True)


def calibrate(data: NetworkData, base_demand: pd.DataFrame, elasticities: pd.DataFrame,
              base_year: int | None = None, options: CalibrationOptions | None = None,
              solver: SolverOptions | None = None) -> Calibration:
    """Calibrate demand tiers so that the base year's observed volumes are the optimum.

    Parameters
    ----------
    data : NetworkData
        The scenario (its ``demand`` table is replaced).
    base_demand : pandas.DataFrame
        ``market, year, product, volume_vehicles, price_usd_per_vehicle`` (and ``row``, the
        row of base_demand.csv a message names; without it rows are numbered 2, 3, ...):
        observed in the base year, projected in later years.
    elasticities : pandas.DataFrame
        ``market, segment, own_price_elasticity``.
    base_year : int, optional
        The observed year (default: the scenario's first year).
    options : CalibrationOptions, optional
        Tier breakpoints.
    solver : SolverOptions, optional
        HiGHS settings.

    Returns
    -------
    Calibration
    """
    options = options or CalibrationOptions()
    base_demand, elasticities = numbered(base_demand), numbered(elasticities)
    base_year = data.scenario.first_year if base_year is None else int(base_year)
    if base_year != data.scenario.first_year:
        # Prices are stated at the first year's exchange rates and discounted from it, so
        # the wedge is only consistent when the observed year is the first year.
        raise InputError([Problem("scenario.yaml", f"the base year {base_year} is not the "
                                  f"first_year {data.scenario.first_year}. Calibrate on the "
                                  "first planning year (set first_year to the observed year).")])
    problems = input_problems(data, base_demand, elasticities) + strategic_problems(data)
    if problems:
        raise InputError(problems)
    base = base_demand[(base_demand["year"] >= data.scenario.first_year)
                       & (base_demand["year"] <= data.scenario.last_year)
                       & (base_demand["volume_vehicles"] > 0)].reset_index(drop=True)
    observed = base[base["year"] == base_year].reset_index(drop=True)
    if observed.empty:
        zero = base_demand[base_demand["year"] == base_year]
        if len(zero):  # rows there, every volume 0: no curve passes through 0 sold
            rows = ", ".join(str(row) for row in zero["row"].iloc[:20])
            raise InputError([Problem("base_demand.csv", f"every row of the base year "
                                      f"{base_year} has volume_vehicles = 0 (rows {rows}): "
                                      "there is no observed sale to calibrate on. Write the "
                                      "volumes sold that year.", int(zero["row"].iloc[0]))])
        raise InputError([Problem("base_demand.csv", f"no rows for the base year {base_year}. "
                                  "Add the observed volumes and prices of that year.")])
    year_data = restrict_years(data, base_year, base_year)
    supply, step1 = _marginal_supply_cost(year_data, observed, options, solver)
    unserved = unserved_problems(year_data, observed, supply, step1, base_year)
    if unserved:  # no wedge reproduces a volume the inputs cannot supply: say what binds
        raise InputError(unserved)
    pools = observed[["market", "product", "volume_vehicles", "price_usd_per_vehicle"]].copy()
    pools["elasticity"] = elasticity_of(observed, data, elasticities)
    pools["marginal_revenue_usd_per_vehicle"] = marginal_revenue(
        pools["price_usd_per_vehicle"].to_numpy(), pools["elasticity"].to_numpy())
    pools["marginal_cost_usd_per_vehicle"] = supply["marginal_cost_usd_per_vehicle"].to_numpy()
    pools["served"] = supply["served"].to_numpy()
    pools["wedge_usd_per_vehicle"] = np.where(
        pools["served"], pools["marginal_cost_usd_per_vehicle"]
        - pools["marginal_revenue_usd_per_vehicle"], 0.0)

    wedge = base[["market", "product"]].merge(
        pools[["market", "product", "wedge_usd_per_vehicle"]], on=["market", "product"],
        how="left")["wedge_usd_per_vehicle"].fillna(0.0).to_numpy()
    demand = _tiers(base, elasticity_of(base, data, elasticities), wedge, options)
    calibrated = with_demand(data.replace(scenario=replace(data.scenario,
                                                           calibrated_year=base_year)), demand)

    identity = solve_identity(restrict_years(calibrated, base_year, base_year), observed, solver)
    fit = _fit(identity, pools)
    verify_calibration(observed, pools, demand, fit, base_year,
                       tier_breakpoints(options.below, options.above))
    return Calibration(base_year=base_year, demand=demand, pools=pools, fit=fit,
                       data=calibrated)


def base_demand_problems(data: NetworkData, base_demand: pd.DataFrame, repeats: bool = True
                         ) -> list[Problem]:
    """Rows of ``base_demand.csv`` that name no market or product of the scenario, or repeat
    a market, year and product: found here, in the file the user wrote, rather than in the
    demand.csv the calibration makes of it (whose rows the user never saw). A year outside the
    scenario's horizon is one too. ``repeats=False`` leaves out the repeated rows (the reader
    of the file reports those with its cells)."""
    from evplan.data.products import product_members
    from evplan.data.suggest import did_you_mean

    if base_demand.empty:
        return []
    problems = []
    markets = sorted(set(data.markets["market"]))
    products = sorted(set(product_members(data.programs)["product"]))
    for column, known, noun in (("market", markets, "a market of markets.csv"),
                                ("product", products, "a program, segment or powertrain of "
                                                      "programs.csv")):
        for _, record in base_demand[~base_demand[column].astype(str).isin(known)].iterrows():
            value = str(record[column])
            problems.append(Problem("base_demand.csv", f"row {record['row']}, {column} = "
                                    f"{value!r} is not {noun}."
                                    + (did_you_mean(value, known) or " Fix the id or delete "
                                       "the row."), int(record["row"])))
    first, last = data.scenario.first_year, data.scenario.last_year
    years = pd.to_numeric(base_demand["year"], errors="coerce")
    whole = years == years.round()  # else its cell's problem (not a whole number)
    for _, record in base_demand[whole & ((years < first) | (years > last))].iterrows():
        problems.append(Problem("base_demand.csv", f"row {record['row']}, year = "
                                f"{record['year']} is outside the scenario's horizon {first}-"
                                f"{last} (scenario.yaml): it would never be used. Delete the "
                                "row, or widen first_year/last_year.", int(record["row"])))
    if repeats:
        problems += key_problems("base_demand", base_demand)
    return problems + _pooled_twice(data, base_demand)


def _pooled_twice(data: NetworkData, base_demand: pd.DataFrame) -> list[Problem]:
    """Rows whose products pool one program twice in a market and year (a segment and one
    of its programs, say): found in base_demand.csv, not in the demand.csv made of it,
    whose rows the user never saw. Rows of volume 0 make no tiers and clash with none."""
    from evplan.data.products import product_members

    volume = pd.to_numeric(base_demand["volume_vehicles"], errors="coerce")
    pools = base_demand[volume > 0].drop_duplicates(["market", "year", "product"])
    members = product_members(data.programs)[["product", "program"]].drop_duplicates()
    covered = pools[["market", "year", "product", "row"]].merge(members, on="product")
    clash = covered[covered.duplicated(["market", "year", "program"], keep=False)]
    problems = []
    for (market, year, program), group in clash.groupby(["market", "year", "program"]):
        rows = sorted({int(row) for row in group["row"]})
        products = " and ".join(f"'{product}'" for product in group["product"])
        problems.append(Problem("base_demand.csv", f"rows {', '.join(map(str, rows))}: program "
                                f"'{program}' in {market} {year} is pooled under both "
                                f"{products}, so its demand would count twice. Give each "
                                "program one product per market and year (in a backtest, a "
                                "base-year row is carried into every later year).", rows[0]))
    return problems


def input_problems(data: NetworkData, base_demand: pd.DataFrame, elasticities: pd.DataFrame
                   ) -> list[Problem]:
    """Every problem of ``base_demand`` and ``elasticities`` as given to the Python API:
    ids and years against the scenario, cells (NaN, negative, out of range) and repeated
    rows, as :func:`evplan.calibration.read_calibration_inputs` reports them for the files."""
    return (base_demand_problems(data, base_demand, repeats=False)
            + cell_problems("base_demand", base_demand)
            + cell_problems("elasticities", elasticities)
            + elasticity_problems(data, elasticities))


def elasticity_problems(data: NetworkData, elasticities: pd.DataFrame) -> list[Problem]:
    """Rows of ``elasticities.csv`` whose market is neither ``*`` nor a market of the
    scenario, or whose segment differs from one of the scenario's segments only in case or
    look-alike letters (``\u0421-SUV`` with a Cyrillic C): either would be silently ignored
    in favour of another row."""
    from evplan.data.lookalike import folded
    from evplan.data.products import product_members
    from evplan.data.suggest import did_you_mean

    if elasticities.empty or not {"market", "segment"} <= set(elasticities.columns):
        return []
    frame = elasticities if "row" in elasticities else elasticities.assign(
        row=range(2, len(elasticities) + 2))
    markets = sorted(set(data.markets["market"]))
    members = product_members(data.programs)
    segments = sorted(set(data.programs["segment"])
                      | set(members.loc[members["level"] != "program", "product"]))
    lookalike = {folded(segment) for segment in segments}
    problems = []
    for _, record in frame.iterrows():
        market, segment, row = str(record["market"]), str(record["segment"]), int(record["row"])
        if market != "*" and market not in markets:
            problems.append(Problem("elasticities.csv", f"row {row}, market = {market!r} is "
                                    "neither '*' (every market) nor a market of markets.csv."
                                    + (did_you_mean(market, markets) or " Write '*' or a "
                                       "market id."), row))
        if segment not in segments and folded(segment) in lookalike:
            problems.append(Problem("elasticities.csv", f"row {row}, segment = {segment!r} is "
                                    "not a segment of programs.csv."
                                    + did_you_mean(segment, segments), row))
    return problems


def _fit(identity: pd.DataFrame, pools: pd.DataFrame) -> pd.DataFrame:
    """Per market: observed, solved, residual and the volume-weighted calibration wedge."""
    frame = identity.merge(pools[["market", "product", "wedge_usd_per_vehicle",
                                  "price_usd_per_vehicle"]], on=["market", "product"])
    frame["wedge_x_volume"] = frame["wedge_usd_per_vehicle"] * frame["observed_vehicles"]
    frame["price_x_volume"] = frame["price_usd_per_vehicle"] * frame["observed_vehicles"]
    fit = frame.groupby("market", as_index=False)[
        ["observed_vehicles", "solved_vehicles", "wedge_x_volume", "price_x_volume"]].sum()
    fit["residual_vehicles"] = fit["solved_vehicles"] - fit["observed_vehicles"]
    fit["wedge_usd_per_vehicle"] = fit["wedge_x_volume"] / fit["observed_vehicles"]
    fit["wedge_share_of_price"] = fit["wedge_x_volume"] / fit["price_x_volume"]
    fit = fit.sort_values("observed_vehicles", ascending=False).reset_index(drop=True)
    return fit[["market", "observed_vehicles", "solved_vehicles", "residual_vehicles",
                "wedge_usd_per_vehicle", "wedge_share_of_price"]]
