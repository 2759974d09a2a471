"""Solve the network model, and explain infeasibility with an elastic re-solve.

:func:`optimize` builds the model, hands it to HiGHS in memory and returns a
:class:`~evplan.results.Result`. When HiGHS reports the model infeasible, an elastic
copy is solved in which every requirement (committed sales, minimum production) may
fall short at a large penalty; the shortfalls name the requirements that cannot be
met, by how much, and why (the plants, lanes or demand that bind), and
:class:`~evplan.errors.InfeasibleError` carries those sentences.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from evplan import __version__
from evplan.data import NetworkData
from evplan.errors import InfeasibleError, SolverLimitError
from evplan.highs import SolverOptions, run_highs
from evplan.model.build import BuildOptions, build_model
from evplan.model.compliance_index import has_compliance
from evplan.model.index import ModelIndex, build_index
from evplan.model.objective import fixed_cost_usd
from evplan.model.requirements import commitment_gaps, empty_requirements, minimum_gaps
from evplan.model.strategic import has_strategic
from evplan.results import Result, compute_kpis, result_tables
from evplan.results.run_files import PACK_SIZES_KEY, pack_sizes
from evplan.timing import Stopwatch
from evplan.verify.certify import certify

__all__ = ["SolverOptions", "certify", "explain_infeasibility", "optimize"]

TOLERANCE_VEHICLES = 1e-6


def optimize(data: NetworkData, solver: SolverOptions | None = None) -> Result:
    """Plan production, shipments and sales that maximise the discounted margin.

    Parameters
    ----------
    data : NetworkData
        Validated inputs (:func:`evplan.load`, :func:`evplan.examples.china_export`).
    solver : SolverOptions, optional
        Time limit, MIP gap, threads.

    Returns
    -------
    Result

    Raises
    ------
    InfeasibleError
        With the requirements that cannot be met and why.
    SolverLimitError
        When a limit is hit before any feasible plan is found.

    Examples
    --------
    >>> from evplan.examples import single_lane
    >>> result = optimize(single_lane(capacity=500))
    >>> round(result.objective_usd)
    4500000
    """
    from evplan.data.network import require_network_data
    from evplan.data.recheck import check_ids, check_values

    require_network_data(data, "evplan.optimize")
    # Tables changed after validation (in place, or data.replace) are checked again: a
    # negative price or a market 'ZZ' so made gave a plan reported optimal (session 20).
    check_values(data)
    check_ids(data)
    solver = solver or SolverOptions()
    if has_strategic(data):  # strategic tables: the network-design MILP (evplan.strategic)
        from dataclasses import replace

        from evplan.strategic import optimize_strategic

        planned = optimize_strategic(data, solver)
        return replace(planned, metadata={**planned.metadata, PACK_SIZES_KEY: pack_sizes(
            data.tables["programs"])})
    watch = Stopwatch()
    started = time.perf_counter()
    index = build_index(data)
    if empty_requirements(index, data.scenario.unmet_committed_penalty_usd_per_vehicle):
        # A requirement no flow can serve reads 0 >= M: infeasible before any solve.
        raise InfeasibleError(explain_infeasibility(data, index, solver))
    m, index = build_model(data, BuildOptions(), index)
    build_seconds = time.perf_counter() - started
    watch.lap("build")
    run = run_highs(m, solver)
    watch.lap("solve")
    if run.status in ("infeasible", "unbounded") and not run.has_solution:
        if run.status == "unbounded":
            raise InfeasibleError(
                ["some plan earns without limit: look for a negative cost, a missing capacity, "
                 "or a price that pays more than the same thing costs elsewhere."],
                headline="the model is unbounded (no plan is best)")
        raise InfeasibleError(explain_infeasibility(data, index, solver))
    if not run.has_solution:
        raise SolverLimitError(f"evplan: the solver stopped ({run.status}) after "
                               f"{run.seconds:.1f} s without a feasible plan. Raise "
                               "--time-limit.")
    tables = result_tables(m, run, index, data)
    kpis = compute_kpis(tables)
    if has_compliance(data):  # issue 16: compliance tables and KPIs (certified below)
        from evplan.results.compliance import compliance_kpis, compliance_tables

        tables |= compliance_tables(m, run, index, data, index.compliance)
        kpis = pd.concat([kpis, compliance_kpis(tables)], ignore_index=True)
    from evplan.results.commitments import add_committed_sales

    # what counts towards each commitment, and what is unmet
    kpis = add_committed_sales(tables, kpis, index, run.primal,
                               m.variables["sales"].labels.values.ravel(),
                               data.scenario.unmet_committed_penalty_usd_per_vehicle)
    watch.lap("results")
    objective = run.objective - fixed_cost_usd(index)
    metadata = {
        "evplan_version": __version__,
        "sizes": index.sizes(),
        "variables": int(m.nvars),
        "constraints": int(m.ncons),
        "build_seconds": build_seconds,
        "solve_seconds": run.seconds,
        "mip_gap": run.mip_gap,
        "origin": data.origin,
        PACK_SIZES_KEY: pack_sizes(data.tables["programs"]),  # for the fleet of a run folder
        "timings": watch.as_dict(),
    }
    result = Result(status=run.status, objective_usd=objective, tables=tables, kpis=kpis,
                    scenario=data.scenario.as_dict(), metadata=metadata)
    return certify(data, result, m, run, index)


def explain_infeasibility(data: NetworkData, index: ModelIndex | None = None,
                          solver: SolverOptions | None = None) -> list[str]:
    """Solve an elastic copy and return one sentence per requirement that cannot be met.

    Parameters
    ----------
    data : NetworkData
        The inputs of the infeasible model.
    index : ModelIndex, optional
        Its index, if already built.
    solver : SolverOptions, optional
        Solver settings.

    Returns
    -------
    list of str
        e.g. ``"committed sales of 12,000 N7-BEV in BR in 2026 cannot be supplied:
        short by 4,000; eligible plants are full (CN-HUA 2026 at 100 %)"``.
    """
    index = index or build_index(data)
    m, index = build_model(data, BuildOptions(elastic=True), index)
    run = run_highs(m, solver)
    if not run.has_solution:
        return [f"even the elastic copy could not be solved ({run.status})."]
    shipment = np.nan_to_num(run.primal[m.variables["shipment"].labels.values.ravel()])
    flows = index.flows.assign(shipment=shipment)
    built = flows.groupby("plant_year")["shipment"].sum().reindex(
        range(len(index.plant_years)), fill_value=0.0).to_numpy()
    full_plants = index.plant_years.assign(built=built)
    full_plants = full_plants[built >= full_plants["capacity_vehicles_per_year"] - 1e-6]
    lines: list[str] = []
    if "unmet_committed" in m.variables and (
            data.scenario.unmet_committed_penalty_usd_per_vehicle is None):
        unmet = run.primal[m.variables["unmet_committed"].labels.values.ravel()]
        for position in np.flatnonzero(unmet > TOLERANCE_VEHICLES):
            lines.append(_explain_committed(data, index, flows, full_plants, int(position),
                                            float(unmet[position])))
    if "plant_minimum_shortfall" in m.variables:
        shortfall = run.primal[m.variables["plant_minimum_shortfall"].labels.values.ravel()]
        selected = np.flatnonzero((index.plant_years["min_utilisation"]
                                   * index.plant_years["capacity_vehicles_per_year"]).to_numpy()
                                  > 0)
        short_positions = np.flatnonzero(shortfall > TOLERANCE_VEHICLES)
        for position in short_positions:
            plant_year = index.plant_years.iloc[selected[position]]
            floor = plant_year["min_utilisation"] * plant_year["capacity_vehicles_per_year"]
            label = (f"minimum production of {floor:,.0f} vehicles at {plant_year['plant']} in "
                     f"{plant_year['year']} (plants.csv row {plant_year['row']}, "
                     f"min_utilisation {plant_year['min_utilisation']:g}) cannot be reached: "
                     f"short by {shortfall[position]:,.0f}; ")
            gaps = minimum_gaps(data, plant_year["plant"], int(plant_year["year"]))
            if gaps:
                lines.append(label + f"no vehicle can be built there: {'; '.join(gaps)}. Add "
                             "the missing row, or lower min_utilisation.")
                continue
            lines.append(label + "the markets its programs can reach take no more. Lower "
                         "min_utilisation, add lanes or programs, or add demand.")
        lines += _shared_shortfalls(index, flows, selected[short_positions],
                                    shortfall[short_positions])
    if "carbon_cap_excess" in m.variables:  # issue 16: a carbon cap no plan can meet
        lines += carbon_cap_lines(
            data, run.primal[m.variables["carbon_cap_excess"].labels.values.ravel()],
            "Raise cap_t_co2 or relax committed sales and min_utilisation.")
    return lines or ["HiGHS reported the model infeasible but the elastic copy needs no "
                     "shortfall; rerun with --debug and report this as a bug."]


def carbon_cap_lines(data: NetworkData, excess_t: np.ndarray, fix: str) -> list[str]:
    """A sentence per carbon cap (``carbon_prices.cap_t_co2``) an elastic plan exceeds.

    Parameters
    ----------
    data : NetworkData
        The inputs (their capped ``carbon_prices`` rows, by year, are the caps' order).
    excess_t : numpy.ndarray
        The elastic copy's ``carbon_cap_excess`` per cap, in t CO2.
    fix : str
        What to relax, ending the sentence.

    Returns
    -------
    list of str
    """
    capped = data["carbon_prices"][data["carbon_prices"]["cap_t_co2"].notna()].sort_values(
        "year")
    return [f"the carbon cap of {capped.iloc[position]['cap_t_co2']:,.0f} t in "
            f"{capped.iloc[position]['year']} (carbon_prices.csv row "
            f"{capped.iloc[position]['row']}) cannot be met: the plan's commitments and "
            f"minimum production emit {excess_t[position]:,.0f} t more. {fix}"
            for position in np.flatnonzero(excess_t > TOLERANCE_VEHICLES)]


def _shared_shortfalls(index: ModelIndex, flows: pd.DataFrame, plant_years: np.ndarray,
                       shortfalls: np.ndarray) -> list[str]:
    """A sentence per group of short plant minimums that sell into the same markets: the
    elastic re-solve splits their total shortfall between them in one of several ways that
    are all as short, so each plant's figure is one split, and the total is what binds."""
    reach = flows[flows["plant_year"].isin(plant_years)].groupby("plant_year")["balance"].agg(
        set)
    groups: list[list[int]] = []  # positions into plant_years, joined while they share
    for position, plant_year in enumerate(plant_years):
        balances = reach.get(plant_year, set())
        joined = [group for group in groups
                  if any(balances & reach.get(plant_years[other], set()) for other in group)]
        merged = [position, *(other for group in joined for other in group)]
        groups = [group for group in groups if group not in joined] + [sorted(merged)]
    lines = []
    for group in groups:
        if len(group) < 2:
            continue
        rows = index.plant_years.iloc[plant_years[group]]
        names = ", ".join(f"{plant} {year}" for plant, year in zip(rows["plant"], rows["year"],
                                                                     strict=True))
        lines.append(f"together, the minimum production at {names} is short by "
                     f"{float(shortfalls[group].sum()):,.0f}: these plants sell into the same "
                     "markets, so how that shortfall is split between them above is one of "
                     "several splits, all as short; the total is what no plan can avoid.")
    return lines


def _explain_committed(data: NetworkData, index: ModelIndex, flows: pd.DataFrame,
                       full_plants: pd.DataFrame, position: int, short: float) -> str:
    row = index.committed.iloc[position]
    label = (f"committed sales of {row['min_vehicles']:,.0f} {row['product']} in "
             f"{row['market']} in {row['year']} (committed_sales.csv row {row['row']}) cannot "
             f"be supplied: short by {short:,.0f}")
    terms = index.committed_terms[index.committed_terms["committed"] == position]
    programs = set(terms["program"])
    if not programs:
        gaps = commitment_gaps(data, row["market"], int(row["year"]), row["product"])
        return (f"{label}; no flow can serve it: "
                + "; ".join(gaps or ["no plant, lane and demand tier meet"])
                + ". Add the missing row, or set unmet_committed_penalty_usd_per_vehicle in "
                "scenario.yaml to let it fall short at a cost.")
    pools = index.sales.loc[terms["sale"], "pool"].unique()
    volume = float(index.pools.loc[pools, "volume_vehicles"].sum())
    reasons = []
    if volume < row["min_vehicles"] - TOLERANCE_VEHICLES:
        reasons.append(f"its demand tiers hold only {volume:,.0f} vehicles")
    sources = flows[(flows["market"] == row["market"]) & (flows["year"] == row["year"])
                    & flows["program"].isin(programs)]["plant_year"].unique()
    full = full_plants.loc[full_plants.index.intersection(sources)]
    empty = full["capacity_vehicles_per_year"] <= 0  # "full" at 0 of 0: it has no capacity
    if (~empty).any():
        plants = ", ".join(f"{plant} at 100 %" for plant in full.loc[~empty, "plant"])
        reasons.append(f"eligible plants are full ({plants})")
    if empty.any():
        names = ", ".join(full.loc[empty, "plant"])
        reasons.append(f"{names} {'has' if empty.sum() == 1 else 'have'} no capacity in "
                       f"{row['year']}")
    if not reasons:
        reasons.append("lane capacities or other commitments bind")
    return f"{label}; " + " and ".join(reasons) + "."
