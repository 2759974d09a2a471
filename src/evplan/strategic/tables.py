"""Result tables of the strategic model, and the network tables it corrects.

=========================  ================================================================
table                      one row per
=========================  ================================================================
``plant_decisions``        strategic plant and year: state, modules, decided capacity and
                           fixed cost, production, utilisation, one-off costs
``program_allocations``    plant-program option and year: allocated, started, stopped
``market_presence``        market of market_entry.csv and year: present, entered, exited
``program_homologations``  program-market approval and year
``steering_variants_added`` plant-program lacking a steering side, and year
``assembly``               assembly site and year: open, vehicles assembled, utilisation
``kit_shipments``          kit flow: kits, their costs, duty, preferential kits, RVC
``network_costs``          year and kind of decided cost (undiscounted USD), with the
                           penalty of unmet commitments when one is set
``equity_margin``          joint-venture plant and year: JV profit, partner's share
=========================  ================================================================

With CO2 or zero-emission rules (:func:`~evplan.model.compliance_index.has_compliance`),
the compliance tables of the plan are added too: their cost is part of the plan's value,
so today's network is valued with its own (``network_comparison``).

The network's own tables are corrected for the decisions: ``utilisation`` uses the decided
capacity, ``margin_by_plant`` the decided fixed costs plus the margin of the kits a plant
ships, and ``margin_by_market`` the kits' costs. Money is undiscounted USD of the year.
"""

from __future__ import annotations

import linopy
import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.highs import HighsRun
from evplan.model.compliance_index import has_compliance
from evplan.model.index import ModelIndex
from evplan.results.compliance import KIT_ZERO_BELOW_VEHICLES

__all__ = ["lookup", "strategic_tables", "values_of"]


def lookup(frame: pd.DataFrame, series: pd.Series, fill: float = np.nan) -> np.ndarray:
    """``series`` (indexed by some of ``frame``'s columns) for each row of ``frame``."""
    names = [str(name) for name in series.index.names]
    right = series.rename("_value").reset_index()
    merged = frame[names].reset_index(drop=True).merge(right, on=names, how="left")
    return merged["_value"].astype(float).fillna(fill).to_numpy(dtype=float)


def values_of(m: linopy.Model, run: HighsRun, name: str) -> np.ndarray:
    """Values of a variable (0 where it is not in the model; its lower bound where unused).

    A value below ``KIT_ZERO_BELOW_VEHICLES`` in magnitude (solver noise) is shown as 0: the
    compliance tables zero kit cars with the same constant, so both count the same cars.
    """
    if name not in m.variables:
        return np.zeros(0)
    variable = m.variables[name]
    value = run.primal[variable.labels.values.ravel()]
    lower = np.asarray(variable.lower.values, dtype=float).ravel()
    value = np.where(np.isnan(value), np.where(np.isfinite(lower), lower, 0.0), value)
    return np.where(np.abs(value) < KIT_ZERO_BELOW_VEHICLES, 0.0, value)


def _plant_decisions(m: linopy.Model, run: HighsRun, index: ModelIndex,
                     shipments: pd.DataFrame) -> pd.DataFrame:
    strategic = index.strategic
    years = strategic.plant_years
    plants = strategic.plants.set_index("plant")
    table = years[["plant", "year"]].copy()
    table["country"] = table["plant"].map(plants["country"])
    names = ["plant_open", "plant_running", "plant_modules", "modules_running", "modules_added",
             "modules_removed", "plant_closing", "mothball_started", "plant_reopened"]
    value = {name: np.round(values_of(m, run, name), 6) for name in names}
    table["state"] = np.where(value["plant_open"] < 0.5, "closed",
                              np.where(value["plant_running"] < 0.5, "mothballed", "running"))
    table["module_name"] = table["plant"].map(plants["module_name"])
    table["modules_initial"] = years["modules_initial"].to_numpy()
    table["modules_installed"] = np.round(value["plant_modules"])
    table["modules_running"] = np.round(value["modules_running"])
    module_capacity = table["plant"].map(plants["module_capacity_vehicles_per_year"]).to_numpy(
        dtype=float)
    table["initial_capacity_vehicles_per_year"] = module_capacity * table["modules_initial"]
    table["capacity_vehicles_per_year"] = module_capacity * table["modules_running"]
    built = shipments.groupby(["plant", "year"])["shipment_vehicles"].sum()
    table["production_vehicles"] = lookup(table, built, 0.0)
    capacity = table["capacity_vehicles_per_year"].to_numpy()
    table["utilisation"] = np.divide(table["production_vehicles"].to_numpy(), capacity,
                                     out=np.zeros(len(table)), where=capacity > 0)

    def per(column: str) -> np.ndarray:
        return table["plant"].map(plants[column]).to_numpy(dtype=float)

    running = (value["plant_running"] > 0.5).astype(float)
    idle = ((value["plant_open"] > 0.5) & (value["plant_running"] < 0.5)).astype(float)
    fx = years["fx"].to_numpy(dtype=float)  # the plant's fixed cost is local: year-y USD
    table["fixed_cost_usd"] = ((per("site_fixed_cost_usd_per_year") * running
                                + per("module_fixed_cost_usd_per_year")
                                * table["modules_running"]) * fx
                               + per("mothball_cost_usd_per_year") * idle)
    table["modules_added"] = np.round(value["modules_added"])
    table["modules_removed"] = np.round(value["modules_removed"])
    table["closed_this_year"] = value["plant_closing"] > 0.5
    table["mothballed_this_year"] = value["mothball_started"] > 0.5
    table["reopened_this_year"] = value["plant_reopened"] > 0.5
    table["one_off_cost_usd"] = (per("add_module_cost_usd") * table["modules_added"]
                                 + per("remove_module_cost_usd") * table["modules_removed"]
                                 + per("closure_cost_usd") * table["closed_this_year"]
                                 + per("mothball_cost_usd") * table["mothballed_this_year"]
                                 + per("reopen_cost_usd") * table["reopened_this_year"])
    return table


def _allocations(m: linopy.Model, run: HighsRun, index: ModelIndex,
                 shipments: pd.DataFrame) -> pd.DataFrame:
    allocations = index.strategic.allocations
    table = allocations[["plant", "program", "year", "existing"]].copy()
    table["allocated"] = np.round(values_of(m, run, "program_allocated")) > 0.5
    table["started"] = np.round(values_of(m, run, "program_started"), 6) > 0.5
    table["stopped"] = np.round(values_of(m, run, "program_stopped"), 6) > 0.5
    built = shipments.groupby(["plant", "program", "year"])["shipment_vehicles"].sum()
    table["production_vehicles"] = lookup(table, built, 0.0)
    table["fixed_cost_usd"] = allocations["fixed_cost_usd_per_year"].to_numpy(
        dtype=float) * table["allocated"]
    table["one_off_cost_usd"] = (allocations["tooling_cost_usd"].to_numpy(dtype=float)
                                 * table["started"] + allocations["exit_cost_usd"].to_numpy(
                                     dtype=float) * table["stopped"])
    return table


def _switch_on(frame: pd.DataFrame, state: np.ndarray) -> np.ndarray:
    """True in the year a monotone decision switches on (from its initial state)."""
    prev = frame["prev"].to_numpy()
    before = np.where(prev >= 0, state[np.maximum(prev, 0)], frame["initial"].to_numpy(
        dtype=float) if "initial" in frame else 0.0)
    return (state > 0.5) & (before < 0.5)


def _markets(m: linopy.Model, run: HighsRun, index: ModelIndex) -> dict[str, pd.DataFrame]:
    strategic = index.strategic
    markets = strategic.market_years
    presence = markets[["market", "year"]].copy()
    presence["present"] = np.round(values_of(m, run, "market_present")) > 0.5
    presence["entered"] = np.round(values_of(m, run, "market_entered"), 6) > 0.5
    presence["exited"] = np.round(values_of(m, run, "market_exited"), 6) > 0.5
    presence["presence_cost_usd"] = markets["presence_cost_usd_per_year"].to_numpy(
        dtype=float) * presence["present"]
    presence["one_off_cost_usd"] = (markets["entry_cost_usd"].to_numpy(dtype=float)
                                    * presence["entered"] + markets["exit_cost_usd"].to_numpy(
                                        dtype=float) * presence["exited"])
    homologations = strategic.homologations
    approvals = homologations[["program", "market", "year"]].copy()
    state = np.round(values_of(m, run, "homologated"))
    approvals["homologated"] = state > 0.5
    approvals["approved_this_year"] = _switch_on(homologations, state)
    approvals["one_off_cost_usd"] = homologations["cost_usd"].to_numpy(dtype=float) * approvals[
        "approved_this_year"]
    variants = strategic.variants
    added = variants[["plant", "program", "year", "built", "other_side"]].copy()
    state = np.round(values_of(m, run, "variant_added"))
    added["other_side_built"] = state > 0.5
    added["added_this_year"] = _switch_on(variants.assign(initial=0.0), state)
    added["one_off_cost_usd"] = variants["add_other_cost_usd"].to_numpy(dtype=float) * added[
        "added_this_year"]
    return {"market_presence": presence, "program_homologations": approvals,
            "steering_variants_added": added}


def _kits(m: linopy.Model, run: HighsRun, index: ModelIndex) -> dict[str, pd.DataFrame]:
    strategic = index.strategic
    kits = strategic.kits
    columns = ["plant", "origin", "site", "kit", "program", "powertrain", "market", "year"]
    if not len(kits):
        table = pd.DataFrame({column: pd.Series(dtype=object) for column in columns})
        for column in ("kits", "preferential_kits", "kit_value_usd", "freight_usd",
                       "assembly_usd", "inventory_usd", "duty_usd",
                       "customs_value_usd_per_vehicle", "cvd_rate", "rvc"):
            table[column] = pd.Series(dtype=float)
        table["rvc_met"] = pd.Series(dtype=bool)
    else:
        table = kits[columns].copy()
        shipped = values_of(m, run, "kit_shipment")
        preferential = np.zeros(len(kits))
        chosen = np.flatnonzero(kits["kit_pref"].to_numpy() >= 0)
        if len(chosen):
            preferential[chosen] = values_of(m, run, "kit_preferential")
        table["kits"] = shipped
        table["preferential_kits"] = preferential
        table["kit_value_usd"] = shipped * kits["kit_value_usd_per_vehicle"].to_numpy()
        table["freight_usd"] = shipped * kits["freight_usd_per_vehicle"].to_numpy()
        table["assembly_usd"] = shipped * kits["assembly_cost_usd_per_vehicle"].to_numpy()
        table["inventory_usd"] = shipped * kits["inventory_usd_per_vehicle"].to_numpy()
        table["duty_usd"] = (shipped * kits["kit_duty_usd_per_vehicle"].to_numpy()
                             - preferential * (kits["kit_duty_usd_per_vehicle"]
                                               - kits["preferential_duty_usd_per_vehicle"]
                                               ).to_numpy())
        table["customs_value_usd_per_vehicle"] = kits[
            "kit_customs_value_usd_per_vehicle"].to_numpy()
        table["cvd_rate"] = kits["cvd_rate"].to_numpy()
        group = kits["rvc_group"].to_numpy()
        met = np.round(values_of(m, run, "rvc_met")) > 0.5
        table["rvc_met"] = np.where(group >= 0, met[np.maximum(group, 0)] if len(met) else
                                    False, False)
        originating = shipped * kits["originating_usd_per_vehicle"].to_numpy()
        value = shipped * kits["rvc_value_usd_per_vehicle"].to_numpy()
        keys = [kits["site"], kits["program"], kits["year"]]
        group_originating = pd.Series(originating).groupby(keys).transform("sum").to_numpy()
        group_value = pd.Series(value).groupby(keys).transform("sum").to_numpy()
        table["rvc"] = np.divide(group_originating, group_value,
                                 out=np.full(len(kits), np.nan), where=group_value > 0)
    sites = strategic.site_years
    assembly = sites[["site", "market", "year", "capacity_vehicles_per_year"]].copy()
    state = np.round(values_of(m, run, "site_open"))
    assembly["open"] = state > 0.5
    assembly["opened_this_year"] = _switch_on(sites, state)
    assembled = table.groupby(["site", "year"])["kits"].sum()
    assembly["assembled_vehicles"] = lookup(assembly, assembled, 0.0)
    capacity = assembly["capacity_vehicles_per_year"].to_numpy(dtype=float)
    assembly["utilisation"] = np.divide(assembly["assembled_vehicles"].to_numpy(), capacity,
                                        out=np.zeros(len(assembly)),
                                        where=(capacity > 0) & assembly["open"].to_numpy())
    assembly["fixed_cost_usd"] = sites["fixed_cost_usd_per_year"].to_numpy(dtype=float) * (
        assembly["open"])
    assembly["one_off_cost_usd"] = sites["opening_cost_usd"].to_numpy(dtype=float) * assembly[
        "opened_this_year"]
    return {"kit_shipments": table, "assembly": assembly}


def _network_costs(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    parts = [
        ("plant fixed (decided)", tables["plant_decisions"], "fixed_cost_usd", True),
        ("plant one-off", tables["plant_decisions"], "one_off_cost_usd", False),
        ("program fixed", tables["program_allocations"], "fixed_cost_usd", True),
        ("program one-off", tables["program_allocations"], "one_off_cost_usd", False),
        ("steering variant one-off", tables["steering_variants_added"], "one_off_cost_usd",
         False),
        ("market presence", tables["market_presence"], "presence_cost_usd", False),
        ("market one-off", tables["market_presence"], "one_off_cost_usd", False),
        ("homologation one-off", tables["program_homologations"], "one_off_cost_usd", False),
        ("assembly site fixed", tables["assembly"], "fixed_cost_usd", False),
        ("assembly site one-off", tables["assembly"], "one_off_cost_usd", False),
    ]
    frames = []
    for kind, table, column, in_plant_margin in parts:
        if len(table):
            yearly = table.groupby("year", as_index=False)[[column]].sum().rename(
                columns={column: "cost_usd"})
            frames.append(yearly.assign(kind=kind, in_plant_margin=in_plant_margin))
    if not frames:
        return pd.DataFrame({"year": pd.Series(dtype=int), "kind": pd.Series(dtype=object),
                             "cost_usd": pd.Series(dtype=float),
                             "in_plant_margin": pd.Series(dtype=bool)})
    costs = pd.concat(frames, ignore_index=True)[["year", "kind", "cost_usd", "in_plant_margin"]]
    return costs.sort_values(["year", "kind"]).reset_index(drop=True)


def _with_penalty(costs: pd.DataFrame, m: linopy.Model, run: HighsRun, index: ModelIndex,
                  per_vehicle_usd: float | None) -> pd.DataFrame:
    """``costs`` with the kind ``unmet commitments penalty`` per year of a commitment, when
    ``unmet_committed_penalty_usd_per_vehicle`` lets commitments fall short: the objective
    subtracts it, so the plan's value by year (kpis.value_by_year) must too."""
    if per_vehicle_usd is None or "unmet_committed" not in m.variables:
        return costs
    short = values_of(m, run, "unmet_committed")
    penalty = pd.Series(short * float(per_vehicle_usd)).groupby(
        index.committed["year"].to_numpy()).sum()
    rows = pd.DataFrame({"year": penalty.index.astype(int), "kind": "unmet commitments penalty",
                         "cost_usd": penalty.to_numpy(dtype=float), "in_plant_margin": False})
    frame = pd.concat([costs, rows], ignore_index=True) if len(costs) else rows
    return frame.sort_values(["year", "kind"]).reset_index(drop=True)


def _patch_network_tables(tables: dict[str, pd.DataFrame], index: ModelIndex
                          ) -> dict[str, pd.DataFrame]:
    """Decided capacity in ``utilisation``; decided fixed cost and kits in the margins."""
    decisions = tables["plant_decisions"].set_index(["plant", "year"])
    utilisation = tables["utilisation"].copy()
    decided = lookup(utilisation, decisions["capacity_vehicles_per_year"])
    capacity = np.where(np.isnan(decided), utilisation["capacity_vehicles_per_year"],
                        decided).astype(float)
    utilisation["capacity_vehicles_per_year"] = capacity
    utilisation["utilisation"] = np.divide(utilisation["production_vehicles"].to_numpy(),
                                           capacity, out=np.zeros(len(capacity)),
                                           where=capacity > 0)
    kits = tables["kit_shipments"]
    sales = tables["sales"]
    sold = sales.groupby(["program", "market", "year"])[["sales_vehicles", "revenue_usd"]].sum()
    price = (sold["revenue_usd"] / sold["sales_vehicles"].where(sold["sales_vehicles"] > 0))
    kit_revenue = kits["kits"].to_numpy(dtype=float) * lookup(kits, price, 0.0)
    kit_costs = kits.assign(revenue_usd=kit_revenue,
                            variable_cost_usd=kits["kit_value_usd"] + kits["assembly_usd"])
    by_plant = kit_costs.groupby(["plant", "year"])[
        ["kits", "revenue_usd", "variable_cost_usd", "freight_usd", "inventory_usd",
         "duty_usd"]].sum()
    margin = tables["margin_by_plant"].copy()
    for column in ("revenue_usd", "variable_cost_usd", "freight_usd", "inventory_usd",
                   "duty_usd"):
        margin[column] = margin[column] + lookup(margin, by_plant[column], 0.0)
    margin["kits"] = lookup(margin, by_plant["kits"], 0.0)
    fixed = lookup(margin, decisions["fixed_cost_usd"])
    program_fixed = tables["program_allocations"].groupby(["plant", "year"])["fixed_cost_usd"].sum()
    margin["fixed_cost_usd"] = np.where(np.isnan(fixed), margin["fixed_cost_usd"], fixed).astype(
        float) + lookup(margin, program_fixed, 0.0)
    margin["margin_usd"] = margin["revenue_usd"] - margin[
        ["variable_cost_usd", "freight_usd", "inventory_usd", "duty_usd",
         "fixed_cost_usd"]].sum(axis=1)
    by_market = kit_costs.groupby(["market", "year"])[
        ["variable_cost_usd", "freight_usd", "inventory_usd", "duty_usd"]].sum()
    market = tables["margin_by_market"].copy()
    for column in ("variable_cost_usd", "freight_usd", "inventory_usd", "duty_usd"):
        market[column] = market[column] + lookup(market, by_market[column], 0.0)
    market["margin_usd"] = market["revenue_usd"] - market[
        ["variable_cost_usd", "freight_usd", "inventory_usd", "duty_usd"]].sum(axis=1)
    del index
    return {"utilisation": utilisation, "margin_by_plant": margin, "margin_by_market": market}


def _equity(tables: dict[str, pd.DataFrame], index: ModelIndex) -> pd.DataFrame:
    equity = index.strategic.equity
    margin = tables["margin_by_plant"]
    joint = margin[margin["plant"].isin(equity["plant"])][
        ["plant", "year", "variable_cost_usd", "fixed_cost_usd", "revenue_usd"]].copy()
    shipments = tables["shipments"]
    kits = tables["kit_shipments"]
    cost = shipments.groupby(["plant", "year"])["variable_cost_usd"].sum().add(
        kits.groupby(["plant", "year"])["kit_value_usd"].sum(), fill_value=0.0)
    one_off = tables["plant_decisions"].groupby(["plant", "year"])["one_off_cost_usd"].sum().add(
        tables["program_allocations"].groupby(["plant", "year"])["one_off_cost_usd"].sum(),
        fill_value=0.0).add(tables["steering_variants_added"].groupby(["plant", "year"])[
            "one_off_cost_usd"].sum(), fill_value=0.0)
    shares = equity.set_index("plant")
    joint["equity_share"] = joint["plant"].map(shares["equity_share"]).to_numpy(dtype=float)
    joint["partner"] = joint["plant"].map(shares["partner"])
    markup = joint["plant"].map(shares["jv_margin_on_cost"]).to_numpy(dtype=float)
    production_cost = lookup(joint, cost, 0.0)
    joint["jv_sales_usd"] = production_cost * (1 + markup)
    joint["one_off_cost_usd"] = lookup(joint, one_off, 0.0)
    joint["jv_profit_usd"] = (production_cost * markup - joint["fixed_cost_usd"]
                              - joint["one_off_cost_usd"])
    joint["partner_share_usd"] = (1 - joint["equity_share"]) * joint["jv_profit_usd"]
    return joint[["plant", "year", "partner", "equity_share", "jv_sales_usd", "fixed_cost_usd",
                  "one_off_cost_usd", "jv_profit_usd", "partner_share_usd"]].reset_index(
        drop=True)


def strategic_tables(m: linopy.Model, run: HighsRun, index: ModelIndex, data: NetworkData,
                     tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Return ``tables`` (the network's) corrected, plus every strategic table."""
    shipments = tables["shipments"]
    out = dict(tables)
    out["plant_decisions"] = _plant_decisions(m, run, index, shipments)
    out["program_allocations"] = _allocations(m, run, index, shipments)
    out |= _markets(m, run, index)
    out |= _kits(m, run, index)
    out |= _patch_network_tables(out, index)
    out["network_costs"] = _with_penalty(_network_costs(out), m, run, index,
                                         data.scenario.unmet_committed_penalty_usd_per_vehicle)
    out["equity_margin"] = _equity(out, index)
    if has_compliance(data):  # their cost is part of the plan's value (kpis.value_by_year)
        from evplan.results.compliance import compliance_tables

        out |= compliance_tables(m, run, index, data, index.compliance)
    return out
