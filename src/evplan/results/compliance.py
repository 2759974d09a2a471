r"""Result tables and KPIs of the CO2 and zero-emission rules (issue 16).

Tables (money in undiscounted USD of the year; shadow prices are row duals divided by
the year's discount factor):

==============================  ==============================================================
table                           one row is
==============================  ==============================================================
``fleet_compliance``            a market-year with a fleet target: average g/km vs target,
                                the group's excess, pooling, premium and shadow price
``zev_compliance``              a market-year with a ZEV mandate: ZEV share vs mandate,
                                credits earned, required, bought, sold, banked, owed, missing
                                (``zev_vehicles`` and ``zev_share_achieved`` count BEVs only;
                                a PHEV's credits, where the mandate gives it any, are in
                                ``credits_earned``, the figure the mandate is met on)
``production_credit_compliance``  a country-year with a production credit regime
``co2_by_plant``                a plant-year: vehicles built and production CO2
``co2_by_lane``                 a lane-year: vehicles shipped and shipping CO2
``co2_by_year``                 a year: production, shipping and use-phase CO2, the carbon
                                cost and the cap with its shadow price
``battery_footprint``           a plant-program-year with a battery: the carbon footprint per
                                kWh, as the EU Battery Regulation (2023/1542, Art. 7) asks a
                                manufacturer to declare (cradle-to-gate manufacturing only)
==============================  ==============================================================

In a strategic model with local assembly, vehicles assembled from kits count where a
vehicle sold in the site's market counts (docs/formulation.md, "Kits"): ``vehicles``,
``bev_vehicles``, ``zev_vehicles``, the g/km and credit sums of ``fleet_compliance`` and
``zev_compliance`` include them, and ``kit_vehicles`` says how many of ``vehicles`` they are;
``co2_by_plant``, ``co2_by_year`` and ``battery_footprint`` count their production CO2 and
battery at the origin plant (and their use phase); ``co2_by_lane`` (shipping CO2 of
``routes``) and ``production_credit_compliance`` (vehicles built in a country) leave them out.

The *compliance value of one more BEV* in a market-year is what the rules' rows pay for
one more BEV sold there, from the LP duals: with :math:`\lambda_r` the dual of row
:math:`r` (USD per unit of the row's right-hand side) and :math:`a_r` the BEV's
coefficient in it, the value is :math:`-\sum_r \lambda_r a_r / \delta_y` (HiGHS duals of
the maximisation:
:math:`\lambda_r = \partial z / \partial b_r`; shadow prices are reported as the value of
one more unit of allowance: g/km x vehicle, credit, tonne); for a fleet
target this is the shadow price times the target (a BEV sold instead of nothing lowers
the g/km x vehicles sum by ``T``), for a ZEV mandate the credit shadow price times
``c_BEV - s`` plus the borrowing limit's shadow price
(``borrow_shadow_price_usd_per_credit``, 0 where the limit does not bind) times
``borrow_share x s``: a car sold also raises the debt the year may carry.

The tables are made in two steps: :class:`ComplianceLayout` holds what does not change with
the plan (the rows, their keys and constants, the variable and row labels, the group codes
of the CO2 sums), and :meth:`ComplianceLayout.numbers` reads one solution into arrays. A
warm re-solve keeps one layout and one :class:`ComplianceKpis` for every case;
:func:`compliance_tables` and :func:`compliance_kpis` do both steps for one plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.highs import HighsRun
from evplan.model.compliance_index import ComplianceIndex, build_compliance_index
from evplan.model.compliance_kits import kit_rows, with_kits
from evplan.model.index import ModelIndex
from evplan.results.compliance_kpis import COMPLIANCE_KPI_UNITS, ComplianceKpis, compliance_kpis
from evplan.results.frames import FrameMaker
from evplan.verify.compliance_reported import MIN_VEHICLES_FOR_RATIO

# strategic/tables.values_of shows a value below this as 0 (tested to agree).
KIT_ZERO_BELOW_VEHICLES = 1e-7

if TYPE_CHECKING:
    import linopy  # a sweep worker makes compliance tables without importing linopy

__all__ = ["COMPLIANCE_KPI_UNITS", "ComplianceKpis", "ComplianceLayout", "compliance_kpis",
           "compliance_tables"]

# Column order of each table: keys and constants (from the layout), then the plan's numbers.
_ORDER = {
    "fleet_compliance": ["market", "year", "target_g_per_km", "averaging_group", "vehicles",
                         "kit_vehicles", "bev_vehicles", "co2_g_per_km_average",
                         "balance_g_km_vehicles",
                         "group_excess_g_km_vehicles", "group_pooled_g_km_vehicles",
                         "premium_usd", "pooling_usd", "shadow_price_usd_per_g_km_vehicle",
                         "bev_value_usd_per_vehicle"],
    "zev_compliance": ["market", "year", "zev_share_required", "vehicles", "kit_vehicles",
                       "zev_vehicles",
                       "zev_share_achieved", "credits_earned", "credits_required",
                       "credits_bought", "credits_sold", "credits_banked", "credits_owed",
                       "credits_missing", "penalty_usd", "credit_trade_usd",
                       "shadow_price_usd_per_credit", "borrow_shadow_price_usd_per_credit",
                       "bev_value_usd_per_vehicle"],
    "production_credit_compliance": ["country", "year", "requirement_share", "vehicles_built",
                                     "nev_built", "credits_earned", "credits_required",
                                     "credits_bought", "credits_sold", "credit_trade_usd",
                                     "shadow_price_usd_per_credit"],
    "co2_by_plant": ["plant", "country", "year", "vehicles", "production_t_co2"],
    "co2_by_lane": ["plant", "market", "year", "vehicles", "shipping_t_co2"],
    "co2_by_year": ["year", "production_t_co2", "shipping_t_co2", "use_phase_t_co2",
                    "counted_t_co2", "carbon_price_usd_per_t", "cap_t_co2", "carbon_cost_usd",
                    "cap_shadow_price_usd_per_t"],
    "battery_footprint": ["plant", "program", "year", "battery_kwh", "vehicles", "eu_vehicles",
                          "footprint_kg_co2_per_kwh", "footprint_t_co2"],
}

Numbers = dict[str, dict[str, np.ndarray]]


def _sum_by(codes: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    keep = codes >= 0
    return np.bincount(codes[keep], weights=values[keep], minlength=size)[:size]


def _groups(frame: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """The sorted distinct ``keys`` of ``frame`` and each row's group (as a groupby sum)."""
    codes = frame.groupby(keys, sort=True).ngroup().to_numpy(dtype=np.int64)
    order = np.argsort(codes, kind="stable")
    first = order[np.r_[True, codes[order][1:] != codes[order][:-1]]] if len(codes) else order
    return frame[keys].iloc[first].reset_index(drop=True), codes


def _settle(table: Mapping[str, np.ndarray], first: np.ndarray, buy: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Credits banked and missing of each mandate year, with a penalty settling its own year.

    The balance row (``families/compliance.py``) counts a missing credit like a held one,
    so where paying a penalty early costs the same as paying it later (equal penalties at
    a zero discount rate) the LP may report a year's penalty in an earlier year and bank
    the "credit" into it. That misstates which year falls short. Walking each market's
    years in order, the bank is capped at the credits held (earned - required + carried
    + borrowed + bought - sold) and what is still short is bought in its own year where
    a credit costs less than the penalty (``buy``), else missing (the least the balance
    row allows, which is what an optimum with a positive penalty pays). Where the LP did
    not bank a penalty this returns its values; where it did, the year's cheapest cover
    costs the same, so the plan's cost is unchanged (``verify.compliance`` fails a plan for
    which it would not be).
    """
    banked = np.asarray(table["credits_banked"], dtype=float).copy()
    missing = np.asarray(table["credits_missing"], dtype=float).copy()
    owed = np.asarray(table["credits_owed"], dtype=float)
    own = (np.asarray(table["credits_earned"], dtype=float)
           - np.asarray(table["credits_required"], dtype=float) + owed
           + np.asarray(table["credits_bought"], dtype=float)
           - np.asarray(table["credits_sold"], dtype=float))
    bought = np.asarray(table["credits_bought"], dtype=float).copy()
    carried = 0.0
    for k in range(len(own)):
        if first[k]:
            carried = 0.0
        held = own[k] + carried
        banked[k] = min(max(banked[k], 0.0), max(held, 0.0))
        short = max(0.0, banked[k] - held)
        if buy[k] and short > missing[k] + 1e-9:   # a penalty "credit" banked in, bought
            bought[k] += short - max(missing[k], 0.0)
            short = max(missing[k], 0.0)
        missing[k] = short
        carried = banked[k] - owed[k]
    return banked, missing, bought


class ComplianceLayout:
    """What the compliance tables of a model hold whatever its solution (see the module
    docstring): built once per model, then :meth:`numbers` and :meth:`frames` per plan.

    Parameters
    ----------
    m : linopy.Model
        The built model (read for variable and row labels only).
    index : ModelIndex
        Its flat indices.
    data : NetworkData
        The inputs it was built from.
    compliance : ComplianceIndex, optional
        Its compliance index (built from ``data`` when not given).
    """

    def __init__(self, m: linopy.Model, index: ModelIndex, data: NetworkData,
                 compliance: ComplianceIndex | None = None) -> None:
        compliance = with_kits(compliance or build_compliance_index(data, index), data, index)
        self.compliance = compliance
        self.years = np.asarray(index.discount.index)
        # the built-up flows, then the kit flows (vehicles assembled from kits, "Kits")
        kits = kit_rows(compliance) if "kit_shipment" in m.variables else kit_rows(
            compliance).iloc[:0]
        self.flows = flows = pd.concat([compliance.flows.assign(kit=False),
                                        kits.assign(kit=True)], ignore_index=True)
        self.shipment = self._labels(m, "shipment")
        if len(kits) and self.shipment is not None:
            self.shipment = np.concatenate([self.shipment, self._labels(m, "kit_shipment")])
        self.values = {(name, kind): self._labels(m, name, kind) for name, kind in (
            ("fleet_cover", "excess"), ("fleet_cover", "pooled"), ("zev_credits", "bought"),
            ("zev_credits", "sold"), ("zev_credits", "bank"), ("zev_credits", "debt"),
            ("zev_credits", "missing"), ("credit_trade", "bought"),
            ("credit_trade", "sold"))}
        self.duals = {name: (m.constraints[name].labels.values.ravel()
                             if name in m.constraints else None)
                      for name in ("fleet-target", "zev-balance", "zev-borrow-limit",
                                   "production-credit", "carbon-cap")}
        self.powertrain = flows["powertrain"].to_numpy()
        self.keys = self._keys(data, compliance)
        self.constant = self._constants()
        self._makers: dict[tuple[str, tuple[str, ...]], FrameMaker] = {}  # made when used

    @staticmethod
    def _labels(m: linopy.Model, name: str, kind: str | None = None) -> np.ndarray | None:
        if name not in m.variables:
            return None
        variable = m.variables[name]
        if kind is not None:
            variable = variable.sel({f"{variable.dims[0]}_kind": kind})
        return np.asarray(variable.labels.values.ravel())

    def _keys(self, data: NetworkData, compliance: ComplianceIndex) -> dict[str, Any]:
        """Each table's keys and constants, and the codes that sum flows into its rows.

        Kit flows count in every table but ``co2_by_lane`` (kit lanes carry no CO2 input)
        and ``production_credit_compliance`` (their ``credit_year`` is -1).
        """
        flows = self.flows
        fleet, groups = compliance.fleet_years, compliance.fleet_groups
        zev, credit = compliance.zev_years, compliance.credit_years
        keys: dict[str, Any] = {
            "fleet_compliance": fleet[["market", "year", "target_g_per_km",
                                       "averaging_group"]].copy(),
            "zev_compliance": zev[["market", "year", "zev_share"]].rename(
                columns={"zev_share": "zev_share_required"}).copy(),
            "production_credit_compliance": credit[["country", "year",
                                                    "requirement_share"]].copy(),
        }
        by_plant, self.plant_code = _groups(flows, ["plant", "origin", "year"])
        keys["co2_by_plant"] = by_plant.rename(columns={"origin": "country"})
        built = ~flows["kit"].to_numpy(dtype=bool)
        keys["co2_by_lane"], lane_code = _groups(flows[built], ["plant", "market", "year"])
        self.lane_code = np.full(len(flows), -1, dtype=np.int64)
        self.lane_code[built] = lane_code
        years, self.year_code = _groups(flows, ["year"])
        carbon = compliance.carbon_years
        by_year = years.merge(carbon[["year", "carbon_price_usd_per_t", "cap_t_co2"]],
                              on="year", how="left")
        by_year["carbon_price_usd_per_t"] = by_year["carbon_price_usd_per_t"].fillna(0.0)
        keys["co2_by_year"] = by_year
        capped = carbon[carbon["cap_t_co2"].notna()]
        self.capped_years = capped["year"].to_numpy()
        self.cap_position = pd.Series(np.arange(len(capped)), index=self.capped_years,
                                      dtype=float).reindex(by_year["year"]).to_numpy()
        programs = data.programs.set_index("program")["battery_kwh"]
        plants = data["plant_emissions"].set_index("plant")["battery_kg_co2_per_kwh"]
        kwh = flows["program"].map(programs).astype(float).fillna(0.0)
        # kwh[kwh > 0], not the full column: on an empty selection (no program with a
        # battery) assign would take the full Series' index and the frame its length.
        battery = flows[kwh > 0].assign(battery_kwh=kwh[kwh > 0])
        self.battery_rows = np.flatnonzero((kwh > 0).to_numpy())
        self.battery_eu = battery["market"].map(data.markets.set_index("market")[
            "country"]).eq("EU").to_numpy()
        footprint, self.battery_code = _groups(battery, ["plant", "program", "year",
                                                         "battery_kwh"])
        footprint["footprint_kg_co2_per_kwh"] = footprint["plant"].map(plants).astype(float)
        keys["battery_footprint"] = footprint
        self.zev_first = (zev["previous"].to_numpy() < 0) if len(zev) else np.zeros(
            0, dtype=bool)
        self.fleet_group = fleet["group"].to_numpy()
        self.fleet_last = fleet["year"].to_numpy() == groups["last_year"].to_numpy()[
            self.fleet_group] if len(fleet) else np.zeros(0, dtype=bool)
        return keys

    def _constants(self) -> dict[str, np.ndarray]:
        """The columns :meth:`numbers` reads whatever the plan, as arrays made once (a warm
        sweep calls it for every case: the pandas look-ups cost more than the sums)."""
        compliance, keys = self.compliance, self.keys
        flows = self.flows
        fleet, groups = compliance.fleet_years, compliance.fleet_groups
        zev, credit = compliance.zev_years, compliance.credit_years

        def floats(frame: pd.DataFrame, column: str) -> np.ndarray:
            return frame[column].to_numpy(dtype=float)

        battery = keys["battery_footprint"]
        borrows = (floats(zev, "borrow_share") > 0) & ~zev["last"].to_numpy(dtype=bool)
        constant = {
            "bev": (self.powertrain == "BEV").astype(float),
            "kit": flows["kit"].to_numpy(dtype=float),
            "nev": np.isin(self.powertrain, ("BEV", "PHEV")).astype(float),
            "carbon_price": floats(keys["co2_by_year"], "carbon_price_usd_per_t"),
            "battery_kwh": floats(battery, "battery_kwh"),
            "battery_kg_co2_per_kwh": np.nan_to_num(floats(battery, "footprint_kg_co2_per_kwh")),
            "fleet_code": flows["fleet_year"].to_numpy(),
            "fleet_g_per_km": np.nan_to_num(floats(flows, "co2_g_per_km")),
            "fleet_target": floats(fleet, "target_g_per_km"),
            "fleet_premium": floats(groups, "premium_usd_per_g_km"),
            "fleet_pool_price": np.nan_to_num(floats(groups, "pool_price_usd_per_g_km")),
            "zev_code": flows["zev_year"].to_numpy(),
            "zev_share": floats(zev, "zev_share"),
            "zev_penalty": floats(zev, "penalty_usd_per_vehicle"),
            "zev_credit_price": np.nan_to_num(floats(zev, "credit_price_usd")),
            "zev_credit_sale_price": np.nan_to_num(floats(zev, "credit_sale_price_usd")),
            "zev_buy_below_penalty": (floats(zev, "credit_price_usd")
                                      < floats(zev, "penalty_usd_per_vehicle")),
            "zev_bev_credits": floats(zev, "bev_credits_per_vehicle"),
            # debt a vehicle sold allows (zev-borrow-limit) and the year's row of that limit
            "zev_borrow_limit": np.where(borrows, floats(zev, "borrow_share")
                                         * floats(zev, "zev_share"), 0.0),
            "zev_borrow_row": np.where(borrows, np.cumsum(borrows) - 1, -1),
            "credit_code": flows["credit_year"].to_numpy(),
            "credit_price": floats(credit, "credit_price_usd"),
            "credit_sale_price": np.nan_to_num(floats(credit, "credit_sale_price_usd")),
        }
        for column in ("production_t", "shipping_t", "use_t", "carbon_t", "zev_credits",
                       "production_credits", "production_credit_required"):
            constant[column] = flows[column].to_numpy()
        # Positions of each table's years among the model's years (-1: not a model year).
        model_years = pd.Index(self.years)
        for name, years in (("fleet_years", groups["last_year"]), ("zev_years", zev["year"]),
                            ("fleet_row_years", fleet["year"]), ("credit_years", credit["year"]),
                            ("capped_years", pd.Series(self.capped_years))):
            constant[name] = model_years.get_indexer(pd.Index(years))
        return constant

    def _discount_at(self, discount: pd.Series, name: str, years: Any) -> np.ndarray:
        """``discount.reindex(years)`` as floats (NaN for a year it lacks), by the positions
        of :meth:`_constants` when ``discount`` is indexed by the model's years."""
        index = discount.index
        if len(index) == len(self.years) and (index.to_numpy() == self.years).all():
            positions = self.constant[name]
            values = discount.to_numpy(dtype=float)
            return np.where(positions >= 0, values[positions], np.nan) if len(
                positions) else np.zeros(0)
        return discount.reindex(years).to_numpy(dtype=float)

    def _value(self, run: HighsRun, name: str, kind: str, size: int) -> np.ndarray:
        labels = self.values[(name, kind)]
        return np.zeros(size) if labels is None else np.nan_to_num(run.primal[labels]) + 0.0

    def _dual(self, run: HighsRun, name: str, size: int) -> np.ndarray:
        labels = self.duals[name]
        return np.zeros(size) if labels is None else np.nan_to_num(run.dual[labels]) + 0.0

    def numbers(self, run: HighsRun, discount: pd.Series) -> Numbers:
        """The plan-dependent columns of every table, from one solution.

        ``discount`` is the discount factor per year of the case (``ModelIndex.discount``).
        """
        keys = self.keys
        flows = self.flows
        shipped = (np.zeros(len(flows)) if self.shipment is None
                   else np.nan_to_num(run.primal[self.shipment]) + 0.0)  # no -0.0
        # Kit cars as the plan's kit_shipments table shows them (strategic/tables.values_of
        # rounds a value below 1e-7 to 0), which the certificate counts: solver noise on a
        # kit lane gave a fleet average where the certificate found no vehicles.
        kit = self.constant["kit"] > 0
        if kit.any():
            shipped = np.where(kit & (np.abs(shipped) < KIT_ZERO_BELOW_VEHICLES), 0.0, shipped)
        out: Numbers = {}
        out["fleet_compliance"] = self._fleet(run, shipped, discount)
        out["zev_compliance"] = self._zev(run, shipped, discount)
        out["production_credit_compliance"] = self._credits(run, shipped, discount)
        count = len(keys["co2_by_plant"])
        constant = self.constant
        out["co2_by_plant"] = {
            "vehicles": _sum_by(self.plant_code, shipped, count),
            "production_t_co2": _sum_by(self.plant_code, shipped * constant["production_t"],
                                        count)}
        count = len(keys["co2_by_lane"])
        out["co2_by_lane"] = {
            "vehicles": _sum_by(self.lane_code, shipped, count),
            "shipping_t_co2": _sum_by(self.lane_code, shipped * constant["shipping_t"], count)}
        count = len(keys["co2_by_year"])
        year = {column: _sum_by(self.year_code, shipped * constant[source], count)
                for column, source in (("production_t_co2", "production_t"),
                                       ("shipping_t_co2", "shipping_t"),
                                       ("use_phase_t_co2", "use_t"),
                                       ("counted_t_co2", "carbon_t"))}
        year["carbon_cost_usd"] = year["counted_t_co2"] * constant["carbon_price"]
        duals = self._dual(run, "carbon-cap", len(self.capped_years)) / self._discount_at(
            discount, "capped_years", self.capped_years)
        where = self.cap_position
        year["cap_shadow_price_usd_per_t"] = np.where(
            np.isnan(where), np.nan, duals[np.nan_to_num(where).astype(np.int64)]
            if len(duals) else np.nan)
        out["co2_by_year"] = year
        count = len(keys["battery_footprint"])
        rows = self.battery_rows
        vehicles = _sum_by(self.battery_code, shipped[rows], count)
        out["battery_footprint"] = {
            "vehicles": vehicles,
            "eu_vehicles": _sum_by(self.battery_code, np.where(self.battery_eu, shipped[rows],
                                                               0.0), count),
            "footprint_t_co2": vehicles * constant["battery_kwh"]
            * constant["battery_kg_co2_per_kwh"] / 1e3}
        return out

    def _fleet(self, run: HighsRun, shipped: np.ndarray, discount: pd.Series
               ) -> dict[str, np.ndarray]:
        constant, groups = self.constant, self.compliance.fleet_groups
        count = len(self.compliance.fleet_years)
        code = constant["fleet_code"]
        vehicles = _sum_by(code, shipped, count)
        grams = _sum_by(code, shipped * constant["fleet_g_per_km"], count)
        target = constant["fleet_target"]
        group, last = self.fleet_group, self.fleet_last
        excess = self._value(run, "fleet_cover", "excess", len(groups))
        pooled = self._value(run, "fleet_cover", "pooled", len(groups))
        table = {"vehicles": vehicles,
                 "kit_vehicles": _sum_by(code, shipped * constant["kit"], count),
                 "bev_vehicles": _sum_by(code, shipped * constant["bev"], count),
                 "co2_g_per_km_average": np.divide(grams, vehicles, out=np.full(count, np.nan),
                                                   where=np.abs(vehicles) > MIN_VEHICLES_FOR_RATIO),
                 "balance_g_km_vehicles": grams - target * vehicles,
                 "group_excess_g_km_vehicles": np.where(last, excess[group], 0.0),
                 "group_pooled_g_km_vehicles": np.where(last, pooled[group], 0.0)}
        table["premium_usd"] = table["group_excess_g_km_vehicles"] * constant[
            "fleet_premium"][group]
        table["pooling_usd"] = table["group_pooled_g_km_vehicles"] * constant[
            "fleet_pool_price"][group]
        group_delta = self._discount_at(discount, "fleet_years", groups["last_year"])
        dual = self._dual(run, "fleet-target", len(groups))
        # the group's one price, in USD of its last year (when its premium is paid); what a
        # BEV saves, in USD of the BEV's own year: an early year's BEV saves a premium paid
        # later (docs/formulation.md, "Shadow prices")
        table["shadow_price_usd_per_g_km_vehicle"] = (dual / group_delta)[group]
        own_delta = self._discount_at(discount, "fleet_row_years",
                                      self.compliance.fleet_years["year"])
        table["bev_value_usd_per_vehicle"] = dual[group] / own_delta * target
        return table

    def _zev(self, run: HighsRun, shipped: np.ndarray, discount: pd.Series
             ) -> dict[str, np.ndarray]:
        constant, years = self.constant, self.compliance.zev_years
        count = len(years)
        code = constant["zev_code"]
        vehicles = _sum_by(code, shipped, count)
        zev = _sum_by(code, shipped * constant["bev"], count)
        share = constant["zev_share"]
        table = {"vehicles": vehicles,
                 "kit_vehicles": _sum_by(code, shipped * constant["kit"], count),
                 "zev_vehicles": zev,
                 "zev_share_achieved": np.divide(zev, vehicles, out=np.zeros(count),
                                                 where=np.abs(vehicles) > MIN_VEHICLES_FOR_RATIO),
                 "credits_earned": _sum_by(code, shipped * constant["zev_credits"], count),
                 "credits_required": share * vehicles}
        for column, kind in (("credits_bought", "bought"), ("credits_sold", "sold"),
                             ("credits_banked", "bank"), ("credits_owed", "debt"),
                             ("credits_missing", "missing")):
            table[column] = self._value(run, "zev_credits", kind, count)
        table["credits_banked"], table["credits_missing"], table["credits_bought"] = _settle(
            table, self.zev_first, constant["zev_buy_below_penalty"])
        table["penalty_usd"] = table["credits_missing"] * constant["zev_penalty"]
        table["credit_trade_usd"] = (
            table["credits_bought"] * constant["zev_credit_price"]
            - table["credits_sold"] * constant["zev_credit_sale_price"])
        delta = self._discount_at(discount, "zev_years", years["year"])
        shadow = -self._dual(run, "zev-balance", count) / delta
        table["shadow_price_usd_per_credit"] = shadow
        # a car sold also raises the year's borrowing limit by borrow_share x share credits
        row = constant["zev_borrow_row"]
        limit_dual = self._dual(run, "zev-borrow-limit", int(row.max(initial=-1)) + 1)
        table["borrow_shadow_price_usd_per_credit"] = np.where(
            row >= 0, limit_dual[np.maximum(row, 0)] if len(limit_dual) else 0.0, 0.0) / delta
        table["bev_value_usd_per_vehicle"] = (
            shadow * (constant["zev_bev_credits"] - share)
            + table["borrow_shadow_price_usd_per_credit"] * constant["zev_borrow_limit"])
        return table

    def _credits(self, run: HighsRun, shipped: np.ndarray, discount: pd.Series
                 ) -> dict[str, np.ndarray]:
        constant, years = self.constant, self.compliance.credit_years
        count = len(years)
        code = constant["credit_code"]
        table = {
            "vehicles_built": _sum_by(code, shipped, count),
            "nev_built": _sum_by(code, shipped * constant["nev"], count),
            "credits_earned": _sum_by(code, shipped * constant["production_credits"], count),
            "credits_required": _sum_by(
                code, shipped * constant["production_credit_required"], count),
            "credits_bought": self._value(run, "credit_trade", "bought", count),
            "credits_sold": self._value(run, "credit_trade", "sold", count)}
        table["credit_trade_usd"] = (
            table["credits_bought"] * constant["credit_price"]
            - table["credits_sold"] * constant["credit_sale_price"])
        delta = self._discount_at(discount, "credit_years", years["year"])
        table["shadow_price_usd_per_credit"] = -self._dual(run, "production-credit",
                                                           count) / delta
        return table

    def frames(self, numbers: Numbers) -> dict[str, pd.DataFrame]:
        """The tables as DataFrames (keys and constants of the layout, ``numbers``)."""
        frames = {}
        makers = self._makers
        for name, order in _ORDER.items():
            key = (name, tuple(numbers[name]))
            if key in makers:
                frames[name] = makers[key].frame(numbers[name])
                continue
            keys = self.keys[name]
            frames[name] = pd.DataFrame(
                {column: (numbers[name][column] if column in numbers[name]
                          else keys[column].array) for column in order},
                index=pd.RangeIndex(len(keys)))
            # The next plan's frames: these keys with its numbers (results/frames.py).
            makers[key] = FrameMaker(frames[name].copy(), numbers[name])
        return frames

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the frame makers (made again where frames are wanted)."""
        return {**self.__dict__, "_makers": {}}


def compliance_tables(m: linopy.Model, run: HighsRun, index: ModelIndex, data: NetworkData,
                      compliance: ComplianceIndex | None = None) -> dict[str, pd.DataFrame]:
    """Return the compliance and CO2 tables of a solved model (see the module docstring)."""
    layout = ComplianceLayout(m, index, data, compliance)
    return layout.frames(layout.numbers(run, index.discount))
