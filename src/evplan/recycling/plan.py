"""``plan_recycling``: solve the network, price each collection point, check the EU rules.

Steps: build the flat indices; solve the MILP (part by part: see
:mod:`evplan.recycling.components`); fix its binaries and solve the LP again for
the duals (marginal cost per tonne at each collection point, shadow price of each EU
target); optionally solve once more without the EU targets to see which target changes
the plan first; assemble tidy tables.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from evplan.errors import InfeasibleError, InputError, Problem, SolverLimitError
from evplan.highs import HighsRun
from evplan.recycling.capacity import check_capacity
from evplan.recycling.certify import check_derived_tables
from evplan.recycling.components import NetworkSolution, solve_parts
from evplan.recycling.explain import explain_targets
from evplan.recycling.index import NetworkIndex, build_index
from evplan.recycling.materials import mass_balance, material_flows
from evplan.recycling.network import build_network, duals, solve_network, values
from evplan.recycling.options import RecyclingOptions
from evplan.recycling.regulation import first_binding, recycled_content, target_compliance
from evplan.recycling.tables import RecyclingInputs
from evplan.verify.recycling import check_recycling

__all__ = ["RecyclingResult", "plan_recycling"]

TOL = 1e-6


@dataclass(frozen=True)
class RecyclingResult:
    """A recycling plan: tidy tables, objective and what binds.

    Attributes
    ----------
    tables : Mapping[str, pandas.DataFrame]
        ``plants`` (opened plants), ``plant_years`` (throughput, utilisation, money),
        ``flows``, ``storage``, ``recovered`` (plant x year x material mass balance),
        ``recovered_by_year``, ``economics`` (by year), ``marginal_costs`` (collection
        point x chemistry x year), ``compliance`` (EU targets), ``recycled_content``,
        ``material_flows`` (materials in the retired packs), ``summary`` (one row).
    status : str
        Solver status of the MILP.
    objective_usd : float
        Discounted net cost (negative: the network earns) of the plan in ``tables``.
    mip_gap : float
        Proven relative gap of that plan.
    binding : dict
        ``processing_target`` (the first target that changes the plan),
        ``unattainable`` (the first target the plan cannot meet) and ``recycled_content``
        (the first recycled-content shortfall); see
        :func:`evplan.recycling.regulation.first_binding`. With the EU targets explained,
        also ``plans_compared`` (the statuses of the plans with and without targets) and
        ``plan_without_targets_found`` (False: a limit stopped that solve without a plan,
        so ``processing_target`` is None and unknown; the plan itself stands).
    assumptions : tuple of str
        Plain-language assumptions of the inputs and the model.
    options : RecyclingOptions
        The options used.
    seconds : float
        Solver time (MILP, fixed LP and the run without targets).
    verify_seconds : float
        Time of the certificate check (:func:`evplan.verify.recycling.check_recycling`)
        that re-evaluated this plan from the input tables before it was returned.
    """

    tables: Mapping[str, pd.DataFrame]
    status: str
    objective_usd: float
    mip_gap: float
    binding: Mapping[str, Any]
    assumptions: tuple[str, ...]
    options: RecyclingOptions
    seconds: float = 0.0
    sizes: Mapping[str, int] = field(default_factory=dict)
    verify_seconds: float = 0.0

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.tables[table]


def _check_reachable(index: NetworkIndex, options: RecyclingOptions) -> None:
    reached = index.flows[["collection_point", "chemistry"]].drop_duplicates()
    stranded = index.groups.merge(reached, how="left", indicator=True)
    stranded = stranded[stranded["_merge"] == "left_only"]
    if options.objective == "meet_all" and len(stranded):
        problems = [Problem("lanes.csv", f"collection point '{point}' has "
                            f"{tonnes:,.0f} t of retired packs but no allowed lane to a "
                            "candidate plant that is open by then. Allow a lane in lanes.csv "
                            "or add a candidate plant it may ship to.")
                    for point, tonnes in stranded.groupby("collection_point")[
                        "total_tonnes"].sum().items()]
        raise InputError(problems)


def _solve(index: NetworkIndex, options: RecyclingOptions,
           progress: Callable[[str], None] | None = None,
           inputs: RecyclingInputs | None = None, **kwargs: Any) -> NetworkSolution:
    run = solve_parts(index, options, progress=progress, **kwargs)
    if run.has_solution:
        return run
    if run.status == "infeasible":
        if inputs is not None and options.objective == "meet_all":
            # a shortfall below check_capacity's rounding tolerance that the MILP still
            # finds: explained as capacity, not as a bug in evplan
            check_capacity(index, inputs, options.max_storage_years, relative_tolerance=0.0)
        raise InfeasibleError(_explain(index, options))
    raise SolverLimitError(f"evplan: the recycling model stopped ({run.status}) before it "
                           "found a plan. Raise the time limit or the MIP gap.")


def _explain(index: NetworkIndex, options: RecyclingOptions) -> list[str]:
    """Re-solve with elastic targets and name those that cannot be met."""
    if index.targets.empty or options.target_penalty_usd_per_tonne is not None:
        # capacity, lanes and opening years were checked before the solve (capacity.py)
        return ["the model is infeasible although the largest network can process every "
                "retired tonne and no EU target is hard: this is a bug in evplan. Please "
                "report it with the input tables."]
    elastic = replace(options, target_penalty_usd_per_tonne=1e7)
    run = solve_parts(index, elastic)
    if not run.has_solution:
        return _explain(replace(index, targets=index.targets.iloc[0:0]),
                        replace(elastic, eu_targets=False))
    lines = explain_targets(index, run.values("shortfall"), run.values("flow"))
    return lines or ["the model is infeasible for a reason other than the EU targets."]


def _flows(index: NetworkIndex, tonnes: np.ndarray) -> pd.DataFrame:
    flows = index.flows.assign(tonnes=tonnes)
    flows = flows[flows["tonnes"] > TOL]
    flows = flows.assign(transport_usd=flows["tonnes"] * flows["transport_usd_per_tonne"],
                         processing_usd=flows["tonnes"] * flows["processing_usd_per_tonne"])
    return flows[["collection_point", "plant", "process", "chemistry", "year", "tonnes", "mode",
                  "distance_km", "transport_usd", "processing_usd"]].reset_index(drop=True)


def _plants(index: NetworkIndex, is_open: np.ndarray, inputs: RecyclingInputs
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    slots = index.slots.assign(is_open=is_open > 0.5)
    open_slots = slots[slots["is_open"]]
    plants = open_slots.groupby(["plant", "tier", "process"], as_index=False).agg(
        opened_year=("year", "min"), capacity_tonnes_per_year=("capacity_tonnes_per_year",
                                                               "first"),
        capital_usd=("capital_usd", "first"), annual_cost_usd=("annual_cost_usd", "first"))
    sites = inputs["candidate_plants"][["plant", "name", "region", "country", "eu", "lat",
                                        "lon"]]
    plants = plants.merge(sites, on="plant", how="left").sort_values(["opened_year", "plant"])
    years = open_slots[["plant", "tier", "process", "year", "capacity_tonnes_per_year",
                        "annual_cost_usd"]]
    return plants.reset_index(drop=True), years.reset_index(drop=True)


def _economics(flows: pd.DataFrame, recovered: pd.DataFrame, plant_years: pd.DataFrame,
               storage: pd.DataFrame, options: RecyclingOptions, years: np.ndarray
               ) -> pd.DataFrame:
    frame = pd.DataFrame({"year": years})
    sums = {
        "tonnes_processed": flows.groupby("year")["tonnes"].sum(),
        "revenue_usd": recovered.groupby("year")["revenue_usd"].sum(),
        "processing_usd": flows.groupby("year")["processing_usd"].sum(),
        "transport_usd": flows.groupby("year")["transport_usd"].sum(),
        "plant_usd": plant_years.groupby("year")["annual_cost_usd"].sum(),
        "storage_usd": storage.groupby("year")["stored_tonnes"].sum()
        * options.storage_usd_per_tonne_year,
    }
    for name, series in sums.items():
        frame[name] = frame["year"].map(series).fillna(0.0).astype(float)
    frame["net_value_usd"] = frame["revenue_usd"] - frame[
        ["processing_usd", "transport_usd", "plant_usd", "storage_usd"]].sum(axis=1)
    frame["net_value_usd_per_tonne"] = np.where(
        frame["tonnes_processed"] > 0, frame["net_value_usd"] / frame["tonnes_processed"].where(
            frame["tonnes_processed"] > 0, 1.0), np.nan)
    return frame


def _plant_years(plant_open: pd.DataFrame, flows: pd.DataFrame, recovered: pd.DataFrame
                 ) -> pd.DataFrame:
    through = flows.groupby(["plant", "year"], as_index=False)[
        ["tonnes", "transport_usd", "processing_usd"]].sum()
    revenue = recovered.groupby(["plant", "year"], as_index=False)["revenue_usd"].sum()
    frame = plant_open.merge(through, on=["plant", "year"], how="left").merge(
        revenue, on=["plant", "year"], how="left").fillna(
        {"tonnes": 0.0, "transport_usd": 0.0, "processing_usd": 0.0, "revenue_usd": 0.0})
    frame = frame.rename(columns={"tonnes": "throughput_tonnes",
                                  "capacity_tonnes_per_year": "capacity_tonnes"})
    frame["utilisation"] = frame["throughput_tonnes"] / frame["capacity_tonnes"]
    return frame.sort_values(["plant", "year"]).reset_index(drop=True)


def plan_recycling(inputs: RecyclingInputs, options: RecyclingOptions | None = None, *,
                   progress: Callable[[str], None] | None = None) -> RecyclingResult:
    """Plan the recycling network for the retired packs of ``inputs``.

    Parameters
    ----------
    inputs : RecyclingInputs
        From :func:`evplan.recycling.load_inputs`.
    options : RecyclingOptions, optional
        Objective, horizon, storage, EU targets, solver limits.
    progress : callable, optional
        Called with one line of text as each part of the network is solved.

    Returns
    -------
    RecyclingResult

    Examples
    --------
    >>> import pandas as pd
    >>> from evplan.recycling import load_inputs
    >>> retired = pd.DataFrame({"collection_point": ["EU"], "year": [2030],
    ...                         "chemistry": ["NMC811"], "kwh": [1.0e6]})
    >>> result = plan_recycling(load_inputs(retired))
    >>> result["plants"][["plant", "tier", "process"]].to_dict("records")
    [{'plant': 'EU-DE-syn', 'tier': 'small', 'process': 'hydro'}]
    """
    options = options or RecyclingOptions()
    index = build_index(inputs, options)
    _check_reachable(index, options)
    if options.objective == "meet_all":
        check_capacity(index, inputs, options.max_storage_years)
    run = _solve(index, options, progress, inputs)
    is_open = np.round(run.values("open"))
    fixed = build_network(index, options, fixed_open=is_open)
    lp = solve_network(fixed, options)
    seconds = run.seconds + lp.seconds
    objective, gap = _plan_objective(run, lp)
    tonnes = values(fixed, lp, "flow") if lp.has_solution else run.values("flow")
    stored = values(fixed, lp, "storage") if lp.has_solution else run.values("storage")
    balance_dual = duals(fixed, lp, "balance")

    flows = _flows(index, tonnes)
    prices = inputs["prices"].set_index("material")["usd_per_tonne"]
    recovered = mass_balance(flows, index.shares, index.recovery, prices,
                             keys=("plant", "process", "year"))
    recovered_by_year = recovered.groupby(["year", "material"], as_index=False)[
        ["input_tonnes", "recovered_tonnes", "lost_tonnes", "revenue_usd"]].sum()
    plants, plant_open = _plants(index, is_open, inputs)
    plant_years = _plant_years(plant_open, flows, recovered)
    balances = index.balances
    storage = balances[["collection_point", "chemistry", "year", "supply_tonnes"]].assign(
        stored_tonnes=stored if len(stored) else 0.0)
    discount = index.discount.reindex(balances["year"]).to_numpy()
    marginal = balances[["collection_point", "chemistry", "year", "supply_tonnes"]].assign(
        marginal_cost_usd_per_tonne=balance_dual / discount)
    economics = _economics(flows, recovered, plant_years, storage, options, index.years)

    eu_plants = set(inputs["candidate_plants"].loc[inputs["candidate_plants"]["eu"].astype(bool),
                                                   "plant"])
    compliance = target_compliance(recovered, inputs["targets"], eu_plants, index.years)
    if len(index.targets):
        shadow = index.targets.assign(shadow_price_usd_per_tonne=duals(fixed, lp, "eu-target")
                                      / index.discount.reindex(index.targets["year"]).to_numpy())
        compliance = compliance.merge(
            shadow.rename(columns={"plant": "scope", "share": "share_required"})[
                ["scope", "year", "target", "material", "shadow_price_usd_per_tonne"]],
            on=["scope", "year", "target", "material"], how="left")
    content = recycled_content(inputs.new_batteries, inputs["materials"], recovered,
                               inputs["targets"], eu_plants, index.years)
    unconstrained = compliance.iloc[0:0]
    if options.explain_targets and options.eu_targets and len(index.targets):
        free_options = replace(options, eu_targets=False)
        free_index = replace(index, targets=index.targets.iloc[0:0])
        if progress is not None:
            progress("without the EU targets (parts with targets only):")
        # only to explain the plan: a limit that stops it without a plan loses no plan
        free_run = solve_parts(free_index, free_options, start=run.primal, progress=progress,
                               reuse={name: result for name, result in run.part_results.items()
                                      if name not in run.part_targets})
        seconds += free_run.seconds
        if free_run.has_solution:
            free_flows = _flows(free_index, free_run.values("flow"))
            free_recovered = mass_balance(free_flows, index.shares, index.recovery, prices,
                                          keys=("plant", "process", "year"))
            unconstrained = target_compliance(free_recovered, inputs["targets"], eu_plants,
                                              index.years)
    binding = first_binding(unconstrained, compliance, content)
    if options.explain_targets and options.eu_targets and len(index.targets):
        # which plans the answer compares, and whether each was proven (closing_note)
        binding["plans_compared"] = {"with_targets": run.status,
                                     "without_targets": free_run.status}
        binding["plan_without_targets_found"] = free_run.has_solution

    material_table = material_flows(inputs.retired, index.shares)
    total = economics.sum(numeric_only=True)
    summary = pd.DataFrame([{
        "first_year": int(index.years[0]), "last_year": int(index.years[-1]),
        "retired_tonnes": float(inputs.retired.loc[inputs.retired["year"].between(
            index.years[0], index.years[-1]), "tonnes"].sum()),
        "processed_tonnes": float(total["tonnes_processed"]),
        "recovered_tonnes": float(recovered["recovered_tonnes"].sum()),
        "revenue_usd": float(total["revenue_usd"]),
        "cost_usd": float(total[["processing_usd", "transport_usd", "plant_usd",
                                 "storage_usd"]].sum()),
        "net_value_usd": float(total["net_value_usd"]),
        "net_value_usd_per_tonne": float(total["net_value_usd"] / total["tonnes_processed"])
        if total["tonnes_processed"] > 0 else float("nan"),
        "plants_opened": len(plants),
        "objective_usd": objective,
        "status": run.status, "mip_gap": gap,
    }])
    tables = {"plants": plants, "plant_years": plant_years, "flows": flows,
              "storage": storage, "recovered": recovered,
              "recovered_by_year": recovered_by_year, "economics": economics,
              "marginal_costs": marginal, "compliance": compliance,
              "recycled_content": content, "material_flows": material_table,
              "collection_points": inputs["collection_points"].loc[
                  inputs["collection_points"]["collection_point"].isin(
                      inputs.retired["collection_point"]),
                  ["collection_point", "name", "region", "eu", "lat", "lon"]].reset_index(
                  drop=True),
              "summary": summary}
    assumptions = (*inputs.assumptions, *_model_assumptions(options),
                   *_years_left_out(inputs.retired, int(index.years[0]), int(index.years[-1])))
    result = RecyclingResult(tables=tables, status=run.status, objective_usd=objective,
                             mip_gap=gap, binding=binding, assumptions=assumptions,
                             options=options, seconds=seconds, sizes=index.sizes())
    if not options.verify:
        return result
    started = time.perf_counter()
    check_recycling(result, inputs)
    check_derived_tables(result, inputs)
    return replace(result, verify_seconds=time.perf_counter() - started)


def _plan_objective(run: NetworkSolution, lp: HighsRun) -> tuple[float, float]:
    """Objective and proven gap of the plan returned: the flows of the fixed-network LP.

    With the binaries fixed, the LP re-optimises flows and storage, so its objective is at
    most the MILP incumbent's; the gap is measured against the same proven bound.
    """
    if not lp.has_solution or not np.isfinite(lp.objective):
        return float(run.objective), float(run.mip_gap)
    objective = float(lp.objective)
    gap = float(run.mip_gap)
    if np.isfinite(run.bound) and objective < run.objective:
        gap = max(0.0, objective - run.bound) / max(abs(objective), 1e-9)
    return objective, gap


def _years_left_out(retired: pd.DataFrame, first: int, last: int) -> list[str]:
    """A sentence for the packs retiring outside the years planned (first_year/last_year):
    they are not in the plan, and the summary's retired tonnes count only the years in it."""
    outside = retired[~retired["year"].between(first, last)]
    if not len(outside):
        return []
    years = sorted(int(year) for year in outside["year"].unique())
    span = f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}"
    return [f"{float(outside['tonnes'].sum()):,.0f} t of packs retiring in {span}, outside the "
            f"years planned ({first}-{last}), are not in this plan."]


def _model_assumptions(options: RecyclingOptions) -> list[str]:
    text = [
        "Recovered materials are valued at commodity prices per tonne of element "
        "(no payables, refining or sales discounts).",
        "Processing costs are per tonne of cells (Ma et al. 2024) applied per tonne of pack; "
        "reagents and energy are not included.",
        "Capital is charged as an annuity for each year a plant is open; a plant keeps its "
        "tier and process and never closes.",
        "EU targets are counted on element masses (stricter than counting compounds).",
    ]
    if options.max_storage_years:
        text.append(f"Packs may wait up to {options.max_storage_years} years at their "
                    f"collection point at USD {options.storage_usd_per_tonne_year:g}/t-yr.")
    if options.target_penalty_usd_per_tonne is not None:
        text.append("EU targets may fall short at USD "
                    f"{options.target_penalty_usd_per_tonne:,.0f} per tonne; shortfalls are "
                    "reported.")
    return text


def percent(share: Any) -> str:
    """``share`` as a percentage with the digits it has (0.999 is 99.9 %, not 100 %)."""
    return f"{round(100 * float(share), 2):g}%"
