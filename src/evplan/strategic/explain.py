"""Explain an infeasible strategic model with an elastic re-solve.

The elastic copy lets every requirement fall short at a large penalty: committed sales,
the break-even floor of plants without a strategy row (``plant-minimum``) and of strategic
plants on their running capacity (``strategic-plant-minimum``), and a carbon cap
(``carbon-cap``) may be exceeded. Each shortfall becomes a
sentence naming the input row, the amount and the strategic rule that blocks supply
(market not entered or not allowed yet, no homologation, program outside its life, no
plant allowed to build it, a steering side no plant builds, a plant that runs, full, all
the modules ``modules_max`` or ``add_lead_time_years`` allow it that year), with what to
change. A strategic rule named replaces the network's fallback "lane capacities or other
commitments bind", which would blame rows that do not bind.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.highs import SolverOptions
from evplan.model.build import build_model
from evplan.model.index import ModelIndex
from evplan.model.options import BuildOptions
from evplan.model.requirements import minimum_gaps
from evplan.solve import TOLERANCE_VEHICLES, _explain_committed, carbon_cap_lines
from evplan.strategic.milp import solve_milp
from evplan.strategic.tables import values_of

FALLBACK = "; lane capacities or other commitments bind"
#: Advice for a plant without a plant_strategy.csv row (it keeps its capacity every year).
_STRATEGY_ROW = ("give {plant} a plant_strategy.csv row that lets it close (can_close yes), "
                 "mothball (can_mothball yes) or, with modules_initial above 1, shrink.")

__all__ = ["explain_strategic_infeasibility"]


def _strategic_reasons(data: NetworkData, index: ModelIndex, market: str, year: int,
                       programs: set[str]) -> list[str]:
    strategic = index.strategic
    reasons = []
    markets = strategic.market_years
    row = markets[(markets["market"] == market) & (markets["year"] == year)]
    if len(row) and float(row["upper"].iloc[0]) < 0.5:
        entry = data["market_entry"]
        entry = entry[entry["market"] == market]
        reasons.append(f"the automaker cannot be present in {market} before "
                       f"{entry['first_year'].iloc[0]} (market_entry.csv row "
                       f"{entry['row'].iloc[0]}): move its first_year to {year} or earlier")
    approvals = strategic.homologations
    blocked = approvals[(approvals["market"] == market) & (approvals["year"] == year)
                        & approvals["program"].isin(programs) & (approvals["upper"] < 0.5)]
    if len(blocked):
        reasons.append(f"{', '.join(sorted(blocked['program']))} cannot be homologated in "
                       f"{market} by {year} (homologations.csv: set first_year to {year} or "
                       "earlier)")
    outside = strategic.lifecycle_blocked
    ended = outside[(outside["year"] == year) & outside["program"].isin(programs)]
    if len(ended):
        reasons.append(f"{', '.join(sorted(ended['program']))} is not built in {year} "
                       f"(program_lifecycle.csv: its first_year to last_year must include {year})")
    allocations = strategic.allocations
    frozen = allocations[(allocations["year"] == year) & allocations["program"].isin(programs)
                         & (allocations["upper"] < 0.5)]
    if len(frozen):
        programs_off = ", ".join(sorted(set(frozen["program"])))
        held = ", ".join(sorted(set(frozen["plant"])))
        reasons.append(f"plant_program_options.csv keeps {programs_off} off {held} in {year} "
                       f"(set its first_year to {year} or earlier)")
    variants = strategic.variants
    sided = variants[(variants["year"] == year) & variants["program"].isin(programs)
                     & (variants["upper"] < 0.5)]
    if len(sided):
        sides = data["market_steering"].set_index("market")["steering"]
        side = sides.get(market, "")
        reasons.append(f"no plant may build the {side} variant in {year} "
                       f"({', '.join(sorted(set(sided['plant'] + ' ' + sided['program'])))}: "
                       "steering_variants.csv)")
    return reasons


def _earlier_growth(plant: pd.Series, year: int, first_year: int) -> tuple[list[str], list[str]]:
    """(the plant_strategy.csv settings that keep a plant from adding modules in ``year``,
    what to change in each): ``add_year`` = max(earliest_change_year, first year +
    add_lead_time_years), so only the rules that bind are named (a lead time of 0 never)."""
    rules, changes = [], []
    lead = int(plant["add_lead_time_years"])
    if year < first_year + lead:
        rules.append(f"add_lead_time_years {lead}")
        changes.append("shorten the lead time")
    if year < float(plant["change_year"]):
        rules.append(f"earliest_change_year {int(plant['change_year'])}")
        changes.append(f"set earliest_change_year to {year} or earlier")
    return rules, changes


def _module_reasons(m: Any, run: Any, index: ModelIndex, flows: pd.DataFrame, market: str,
                    year: int, programs: set[str], first_year: int) -> list[str]:
    """Strategic plants that could serve the commitment but run, full, every module they may
    have in ``year`` (``modules_upper``: today's count before the lead time, else
    ``modules_max``) in the elastic plan."""
    years = index.strategic.plant_years
    if not len(years):
        return []
    plants = index.strategic.plants.set_index("plant")
    serving = set(flows[(flows["market"] == market) & (flows["year"] == year)
                        & flows["program"].isin(programs)]["plant"])
    kits = index.strategic.kits
    if len(kits):
        serving |= set(kits[(kits["market"] == market) & (kits["year"] == year)
                            & kits["program"].isin(programs)]["plant"])
    built = flows[flows["year"] == year].groupby("plant")["shipment"].sum()
    if len(kits) and "kit_shipment" in m.variables:
        used = kits.assign(share=values_of(m, run, "kit_shipment") * kits["plant_capacity_share"])
        built = built.add(used[used["year"] == year].groupby("plant")["share"].sum(),
                          fill_value=0.0)
    running = values_of(m, run, "modules_running")
    reasons = []
    for position in np.flatnonzero((years["year"] == year).to_numpy()
                                   & years["plant"].isin(serving).to_numpy()):
        row = years.iloc[position]
        plant, upper = row["plant"], round(float(row["modules_upper"]))
        capacity = float(plants.loc[plant, "module_capacity_vehicles_per_year"]) * upper
        if running[position] < upper - 0.5 or float(built.get(plant, 0.0)) < capacity - 1e-6:
            continue
        noun = str(plants.loc[plant, "module_name"])
        most = int(row["modules_max"])
        rules, changes = _earlier_growth(plants.loc[plant], year, first_year)
        if upper < most:
            why = (f"more only from {int(row['add_year'])}: plant_strategy.csv "
                   f"{', '.join(rules)}; {' and '.join(changes)}")
        else:
            why = (f"plant_strategy.csv modules_max {most}{''.join(', ' + r for r in rules)}: "
                   f"raise modules_max{''.join(' and ' + c for c in changes)}")
        reasons.append(f"{plant} runs, full, all the {upper} {noun}{'' if upper == 1 else 's'} "
                       f"it may have in {year} ({capacity:,.0f} vehicles a year; {why})")
    return reasons


def _carbon_cap_lines(data: NetworkData, m: Any, run: Any) -> list[str]:
    """A sentence per carbon cap (``carbon_prices.cap_t_co2``) the elastic plan exceeds."""
    if "carbon_cap_excess" not in m.variables:
        return []
    return carbon_cap_lines(data, values_of(m, run, "carbon_cap_excess"),
                            "Raise cap_t_co2, relax committed sales and min_utilisation, or "
                            "let the plants shrink, close or mothball (plant_strategy.csv).")


def _floor_changes(plant: pd.Series, year: int, running_modules: int) -> tuple[str, str]:
    """(why a strategic plant must keep running ``running_modules`` in ``year``, what the
    user can change so that it need not).

    Only changes the tables can make are advised: each way out (remove modules, close,
    mothball) with the plant_strategy.csv settings it needs in ``year``; no "shrink" for a
    plant that runs one module (removing its last module is a closure). A way out that the
    settings already allow was not enough in the elastic plan: then only lowering the floor
    or the commitments that keep the plant running can help.
    """
    noun = str(plant["module_name"])
    frozen = year < float(plant["change_year"])
    before = [f"earliest_change_year {year} or earlier"] if frozen else []
    facts = []
    if frozen:
        initial = int(plant["modules_initial"])
        facts.append(f"earliest_change_year {int(plant['change_year'])} keeps its {initial} "
                     f"{noun}{'' if initial == 1 else 's'} running until then")
    ways: list[tuple[str, list[str]]] = []
    if running_modules > 1:
        ways.append((f"remove {noun}s", before))
    else:
        facts.append(f"it runs its last {noun}, and removing it closes the plant")
    close = list(before)
    if plant["can_close"] == "no":
        facts.append("can_close no")
        close.append("can_close yes")
    elif year < float(plant["closure_year"]) and not pd.isna(plant["earliest_closure_year"]):
        facts.append(f"earliest_closure_year {int(plant['earliest_closure_year'])}")
        close.append(f"earliest_closure_year {year} or earlier")
    ways.append(("close", close))
    mothball = list(before)
    if plant["can_mothball"] == "no":
        facts.append("can_mothball no")
        mothball.append("can_mothball yes")
    ways.append(("mothball", mothball))
    why = "; ".join(facts) or "its plant_strategy.csv row lets it change that year"
    if any(not needs for _, needs in ways):
        return why, ("The plant may already change that year: lower min_utilisation, or the "
                     "committed sales that keep it running.")
    routes = "; ".join(f"to let it {verb} in {year}: {', '.join(needs)}" for verb, needs in ways)
    return why, (f"Change plant_strategy.csv row {plant['row']} ({routes}), or lower "
                 "min_utilisation.")


def _strategic_floor_lines(data: NetworkData, m: Any, run: Any, index: ModelIndex
                           ) -> list[str]:
    """A sentence per strategic plant-year short of its min_utilisation floor."""
    shortfall = values_of(m, run, "strategic_minimum_shortfall")
    years = index.strategic.plant_years
    plants = index.strategic.plants.set_index("plant")
    floor = years["plant"].map(plants["min_utilisation"]).to_numpy(dtype=float)
    selected = np.flatnonzero(floor > 0)
    running = values_of(m, run, "modules_running")
    plant_rows = data.plants.set_index("plant")["row"]
    lines = []
    for position in np.flatnonzero(shortfall > TOLERANCE_VEHICLES):
        row = years.iloc[selected[position]]
        plant, year = row["plant"], int(row["year"])
        modules = round(float(running[selected[position]]))
        capacity = modules * float(plants.loc[plant, "module_capacity_vehicles_per_year"])
        rules, changes = _floor_changes(plants.loc[plant], year, modules)
        lines.append(f"{plant} in {year} cannot reach its min_utilisation "
                     f"{floor[selected[position]]:g} of the {capacity:,.0f} capacity it must "
                     f"keep running (plants.csv row {plant_rows[plant]}): short by "
                     f"{shortfall[position]:,.0f} ({rules}). {changes}")
    return lines


def explain_strategic_infeasibility(data: NetworkData, index: ModelIndex,
                                    solver: SolverOptions | None = None) -> list[str]:
    """One sentence per requirement the strategic plan cannot meet (see the module docstring)."""
    m, index = build_model(data, BuildOptions(elastic=True), index)
    run = solve_milp(m, solver)
    if not run.has_solution:
        return [f"even the elastic copy could not be solved ({run.status})."]
    shipment = np.nan_to_num(run.primal[m.variables["shipment"].labels.values.ravel()])
    flows = index.flows.assign(shipment=shipment)
    built = flows.groupby("plant_year")["shipment"].sum().reindex(
        range(len(index.plant_years)), fill_value=0.0).to_numpy()
    full_plants = index.plant_years.assign(built=built)
    full_plants = full_plants[built >= full_plants["capacity_vehicles_per_year"] - 1e-6]
    lines: list[str] = []
    if "unmet_committed" in m.variables:
        unmet = values_of(m, run, "unmet_committed")
        for position in np.flatnonzero(unmet > TOLERANCE_VEHICLES):
            line = _explain_committed(data, index, flows, full_plants, int(position),
                                      float(unmet[position]))
            row = index.committed.iloc[int(position)]
            programs = set(index.committed_terms[index.committed_terms["committed"]
                                                 == position]["program"])
            terms = index.committed_terms[index.committed_terms["committed"] == position]
            pools = index.sales.loc[terms["sale"], "pool"].unique()
            volume = float(index.pools.loc[pools, "volume_vehicles"].sum())
            extra = _strategic_reasons(data, index, row["market"], int(row["year"]), programs)
            if float(row["min_vehicles"]) - volume < float(unmet[position]) - TOLERANCE_VEHICLES:
                # not all short for want of demand: the modules a plant may run can bind
                extra += _module_reasons(m, run, index, flows, row["market"], int(row["year"]),
                                         programs, min(data.years))
            if extra:
                line = (line[:-1].replace(FALLBACK, "") + "; " + " and ".join(extra)
                        + ". Change those rows, lower the commitment, or set "
                        "unmet_committed_penalty_usd_per_vehicle in scenario.yaml to let it "
                        "fall short at a cost.")
            lines.append(line)
    if "plant_minimum_shortfall" in m.variables:
        shortfall = values_of(m, run, "plant_minimum_shortfall")
        plant_years = index.plant_years
        floor = (plant_years["min_utilisation"] * plant_years["capacity_vehicles_per_year"])
        selected = np.flatnonzero(floor.to_numpy() > 0)
        for position in np.flatnonzero(shortfall > TOLERANCE_VEHICLES):
            row = plant_years.iloc[selected[position]]
            gaps = minimum_gaps(data, row["plant"], int(row["year"]))
            why = f"; no vehicle can be built there: {'; '.join(gaps)}" if gaps else ""
            lines.append(f"minimum production of {floor.iloc[selected[position]]:,.0f} vehicles "
                         f"at {row['plant']} in {row['year']} (plants.csv row {row['row']}) "
                         f"cannot be reached: short by {shortfall[position]:,.0f}{why}. Lower "
                         f"min_utilisation, or {_STRATEGY_ROW.format(plant=row['plant'])}")
    if "strategic_minimum_shortfall" in m.variables:
        lines += _strategic_floor_lines(data, m, run, index)
    if "kit_minimum_shortfall" in m.variables:
        shortfall = values_of(m, run, "kit_minimum_shortfall")
        floors = index.strategic.kit_floors
        for position in np.flatnonzero(shortfall > TOLERANCE_VEHICLES):
            row = index.plant_years.iloc[int(floors.index[position])]
            need = float(floors.iloc[position]) * float(row["capacity_vehicles_per_year"])
            lines.append(f"minimum production of {need:,.0f} vehicles (built-up plus the kits' "
                         f"capacity share) at {row['plant']} in {row['year']} (plants.csv row "
                         f"{row['row']}) cannot be reached: short by {shortfall[position]:,.0f}."
                         f" Lower min_utilisation, or "
                         f"{_STRATEGY_ROW.format(plant=row['plant'])}")

    lines += _carbon_cap_lines(data, m, run)
    return lines or ["HiGHS reported the model infeasible but the elastic copy needs no "
                     "shortfall; rerun with --debug and report this as a bug."]
