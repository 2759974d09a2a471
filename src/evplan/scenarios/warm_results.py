"""Result tables and KPIs of warm solves, from group codes computed once.

Every case of a warm sweep has the same flows, sales and rows, so the keys of every result
table (production by plant-program-year, duties by origin-market-powertrain-year, KPIs by
year and market...) are the same too; only the numbers change. :class:`ResultTemplates`
takes the tables :func:`evplan.results.result_tables` and
:func:`evplan.results.compute_kpis` made for the first warm solve, records for each output
row which input rows add up into it, and afterwards fills the numbers with
``numpy.bincount`` instead of pandas group-bys on text keys.

The numbers of a case are computed as arrays first (:meth:`ResultTemplates.columns`); the
KPIs come from those arrays (:meth:`ResultTemplates.kpis_of`), and the tables are made as
DataFrames only when someone keeps them (:meth:`ResultTemplates.frames`): a sweep that
stores only KPIs never builds them.

The first solve is computed both ways and compared; if anything differs (the result tables
changed and this module did not follow) the templates switch themselves off and every
solve uses the pandas functions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evplan.frame_arrays import column_array
from evplan.highs import HighsRun
from evplan.model.index import ModelIndex
from evplan.results.frames import FrameMaker
from evplan.results.kpis import KPI_UNITS
from evplan.scenarios.warm_numbers import CaseNumbers

__all__ = ["ResultTemplates", "same_tables"]

Columns = dict[str, dict[str, np.ndarray]]


def _codes(rows: pd.DataFrame, skeleton: pd.DataFrame, on: list[str]) -> np.ndarray:
    """Row of ``skeleton`` each of ``rows`` adds into (matched on ``on``); -1 where none."""
    lookup = skeleton[on].reset_index(drop=True).reset_index(names="_target")
    merged = rows[on].reset_index(drop=True).merge(lookup, on=on, how="left")
    return merged["_target"].fillna(-1).to_numpy(dtype=np.int64)


def _sum(codes: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    keep = codes >= 0
    return np.bincount(codes[keep], weights=np.asarray(values, dtype=float)[keep],
                       minlength=size)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    return np.divide(numerator, denominator, out=np.zeros(len(numerator)),
                     where=denominator > 0)


def _year_codes(years: pd.Series, discount: pd.Series) -> np.ndarray:
    return np.searchsorted(discount.index.to_numpy(dtype=np.int64),
                           years.to_numpy(dtype=np.int64))


class ResultTemplates:
    """Group codes of every result table and KPI, taken from one reference solve."""

    def __init__(self, index: ModelIndex, tables: dict[str, pd.DataFrame],
                 kpis: pd.DataFrame, shipment_labels: np.ndarray, sales_labels: np.ndarray,
                 in_quota_labels: np.ndarray | None, capacity_rows: np.ndarray,
                 demand_rows: np.ndarray) -> None:
        self.skeletons = {name: table.copy() for name, table in tables.items()}
        self._makers: dict[tuple[str, tuple[str, ...]], FrameMaker] = {}  # made when used
        self.kpi_skeleton = kpis.copy()
        self.kpi_units = kpis["kpi"].map(KPI_UNITS)
        self.labels = (shipment_labels, sales_labels, in_quota_labels)
        self.capacity_rows, self.demand_rows = capacity_rows, demand_rows
        flows, sales = index.flows, index.sales
        if not np.all(np.diff(index.discount.index.to_numpy(dtype=np.int64)) > 0):
            raise ValueError("discount years are not increasing")
        self.export = column_array(flows, "cross_border", dtype=bool)
        self.flow_plant_year = column_array(flows, "plant_year", dtype=np.int64)
        self.flow_balance = column_array(flows, "balance", dtype=np.int64)
        self.sale_balance = column_array(sales, "balance", dtype=np.int64)
        self.sale_pool = column_array(sales, "pool", dtype=np.int64)
        self.quota_flow = column_array(index.quota_flows, "flow", dtype=np.int64)
        self.sizes = {"flows": len(flows), "plant_years": len(index.plant_years),
                      "balances": len(index.balances), "pools": len(index.pools)}
        self.plant_year_year = _year_codes(index.plant_years["year"], index.discount)
        self.pool_year = _year_codes(index.pools["year"], index.discount)
        self.flow_keys = flows[["plant", "origin", "program", "powertrain", "market",
                                "year"]].reset_index(drop=True)
        self.sale_keys = sales[["market", "year", "product", "tier", "program"]].reset_index(
            drop=True)
        production = tables["production"].rename(columns={"country": "origin"})
        self.production = _codes(self.flow_keys, production,
                                 ["plant", "origin", "program", "powertrain", "year"])
        self.duties = np.where(self.export, _codes(self.flow_keys, tables["duties"], [
            "origin", "market", "powertrain", "year"]), -1)
        self.market_flows = _codes(self.flow_keys, tables["margin_by_market"],
                                   ["market", "year"])
        self.market_sales = _codes(self.sale_keys, tables["margin_by_market"],
                                   ["market", "year"])
        self.plant_flows = _codes(self.flow_keys, tables["margin_by_plant"], ["plant", "year"])
        self.plant_year_rows = _codes(index.plant_years, tables["margin_by_plant"],
                                      ["plant", "year"])
        self.utilisation_rows = _codes(index.plant_years, tables["utilisation"],
                                       ["plant", "year"])
        if not np.array_equal(self.utilisation_rows, np.arange(len(index.plant_years))):
            raise ValueError("utilisation rows are not the plant-years in order")
        self.kpi_codes = self._kpi_codes(kpis, tables)

    def _kpi_codes(self, kpis: pd.DataFrame, tables: dict[str, pd.DataFrame]
                   ) -> dict[str, np.ndarray]:
        def rows(kpi: str, frame: pd.DataFrame, key: str | None) -> np.ndarray:
            targets = kpis[kpis["kpi"] == kpi].reset_index(names="_row")
            keys = frame[["year"]].assign(key="all" if key is None else frame[key])
            merged = keys.merge(targets[["year", "key", "_row"]], on=["year", "key"],
                                how="left")
            return merged["_row"].fillna(-1).to_numpy(dtype=np.int64)

        kpi_years = column_array(kpis, "year", dtype=np.int64)
        return {
            "global_sales": rows("global_sales", self.sale_keys, None),
            "sales_share_by_market": rows("sales_share_by_market", self.sale_keys, "market"),
            "sales_share_by_origin": rows("sales_share_by_origin", self.flow_keys, "origin"),
            "exports_by_origin": np.where(self.export, rows("exports_by_origin",
                                                            self.flow_keys, "origin"), -1),
            "utilisation_by_country": rows("utilisation_by_country", tables["utilisation"],
                                           "country"),
            "margin": rows("margin", tables["margin_by_plant"], None),
            "duties_paid": rows("duties_paid", self.flow_keys, None),
            "year_of_row": np.unique(kpi_years, return_inverse=True)[1].astype(np.int64),
            "kind": column_array(kpis, "kpi", dtype=str),
        }

    # ---- filling in the numbers ----------------------------------------------------------

    def columns(self, run: HighsRun, numbers: CaseNumbers) -> Columns:
        """The numeric columns of every result table of ``run`` (keys as the reference)."""
        shipment_labels, sales_labels, in_quota_labels = self.labels
        sizes = self.sizes
        # + 0.0: HiGHS returns -0.0 for some nonbasic columns; a table shows 0 (as
        # results/tables.py does for a cold plan)
        shipped = np.nan_to_num(run.primal[shipment_labels]) + 0.0
        sold = np.nan_to_num(run.primal[sales_labels]) + 0.0
        in_quota = np.zeros(sizes["flows"])
        if in_quota_labels is not None:
            in_quota[self.quota_flow] = np.nan_to_num(run.primal[in_quota_labels]) + 0.0
        full = numbers["flows", "duty_usd_per_vehicle"]
        in_quota_duty = numbers["flows", "in_quota_duty_usd_per_vehicle"]
        duty = shipped * full - in_quota * (full - in_quota_duty)
        variable = shipped * numbers["flows", "variable_cost_usd_per_vehicle"]
        freight = shipped * numbers["flows", "freight_usd_per_vehicle"]
        inventory = shipped * numbers["flows", "inventory_usd_per_vehicle"]
        price = numbers["sales", "price_usd_per_vehicle"]
        revenue_of_sales = sold * price
        out: Columns = {
            "shipments": {
                "shipment_vehicles": shipped, "in_quota_vehicles": in_quota,
                "variable_cost_usd": variable, "freight_usd": freight,
                "inventory_usd": inventory, "duty_usd": duty,
                "full_duty_usd_per_vehicle": full,
                "in_quota_duty_usd_per_vehicle": in_quota_duty,
                "transit_days": numbers["flows", "transit_days"],
                "co2_kg": shipped * numbers["flows", "co2_kg_per_vehicle"]},
            "sales": {"price_usd_per_vehicle": price, "sales_vehicles": sold,
                      "revenue_usd": revenue_of_sales},
            "production": {"production_vehicles": _sum(
                self.production, shipped, len(self.skeletons["production"]))},
        }
        built = _sum(self.flow_plant_year, shipped, sizes["plant_years"])
        capacity = numbers["plant_years", "capacity_vehicles_per_year"]
        year_discount = numbers.discount[self.plant_year_year]
        out["utilisation"] = {
            "capacity_vehicles_per_year": capacity, "production_vehicles": built,
            "utilisation": _ratio(built, capacity),
            "capacity_shadow_price_usd_per_vehicle": run.dual[self.capacity_rows]
            / year_discount + 0.0}

        size = len(self.skeletons["duties"])
        duties_shipped = _sum(self.duties, shipped, size)
        duties_paid = _sum(self.duties, duty, size)
        out["duties"] = {"shipment_vehicles": duties_shipped,
                         "in_quota_vehicles": _sum(self.duties, in_quota, size),
                         "duty_usd": duties_paid,
                         "duty_usd_per_vehicle": _ratio(duties_paid, duties_shipped)}

        size = len(self.skeletons["margin_by_market"])
        market = {"sales_vehicles": _sum(self.market_sales, sold, size),
                  "revenue_usd": _sum(self.market_sales, revenue_of_sales, size),
                  "variable_cost_usd": _sum(self.market_flows, variable, size),
                  "freight_usd": _sum(self.market_flows, freight, size),
                  "inventory_usd": _sum(self.market_flows, inventory, size),
                  "duty_usd": _sum(self.market_flows, duty, size)}
        market["margin_usd"] = (market["revenue_usd"] - market["variable_cost_usd"]
                                - market["freight_usd"] - market["inventory_usd"]
                                - market["duty_usd"])
        out["margin_by_market"] = market

        balance_sold = _sum(self.sale_balance, sold, sizes["balances"])
        balance_revenue = _sum(self.sale_balance, revenue_of_sales, sizes["balances"])
        with np.errstate(divide="ignore", invalid="ignore"):
            average = np.where(balance_sold > 0, balance_revenue / balance_sold, 0.0)
        revenue = shipped * average[self.flow_balance]
        size = len(self.skeletons["margin_by_plant"])
        fixed = np.zeros(size)
        fixed[self.plant_year_rows] = numbers["plant_years", "fixed_cost_usd_per_year"]
        plant = {"production_vehicles": _sum(self.plant_flows, shipped, size),
                 "revenue_usd": _sum(self.plant_flows, revenue, size),
                 "variable_cost_usd": _sum(self.plant_flows, variable, size),
                 "freight_usd": _sum(self.plant_flows, freight, size),
                 "inventory_usd": _sum(self.plant_flows, inventory, size),
                 "duty_usd": _sum(self.plant_flows, duty, size),
                 "fixed_cost_usd": fixed}
        plant["margin_usd"] = plant["revenue_usd"] - (
            plant["variable_cost_usd"] + plant["freight_usd"] + plant["inventory_usd"]
            + plant["duty_usd"] + plant["fixed_cost_usd"])
        out["margin_by_plant"] = plant

        out["demand_shadow_prices"] = {
            "volume_vehicles": numbers["pools", "volume_vehicles"],
            "price_usd_per_vehicle": numbers["pools", "price_usd_per_vehicle"],
            "sales_vehicles": _sum(self.sale_pool, sold, sizes["pools"]),
            "shadow_price_usd_per_vehicle": run.dual[self.demand_rows]
            / numbers.discount[self.pool_year] + 0.0}
        return out

    def frames(self, columns: Columns, names: tuple[str, ...] | None = None
               ) -> dict[str, pd.DataFrame]:
        """The result tables (those in ``names``, default all): the reference's keys with
        these numbers."""
        out = {}
        for name, skeleton in self.skeletons.items():
            if names is not None and name not in names:
                continue
            key = (name, tuple(columns[name]))
            if key not in self._makers:
                self._makers[key] = FrameMaker(skeleton, columns[name])
            out[name] = self._makers[key].frame(columns[name])
        return out

    def __getstate__(self) -> dict[str, object]:
        """Pickled without the frame makers (a worker makes its own when it keeps tables)."""
        return {**self.__dict__, "_makers": {}}

    def kpis_of(self, columns: Columns) -> pd.DataFrame:
        """The KPIs of a case (same rows as the reference), from its numeric columns."""
        codes = self.kpi_codes
        kpis = self.kpi_skeleton.copy(deep=False)
        size = len(kpis)
        year, kind = codes["year_of_row"], codes["kind"]
        sold = columns["sales"]["sales_vehicles"]
        shipped = columns["shipments"]["shipment_vehicles"]
        value = np.zeros(size)

        def share(name: str, amounts: np.ndarray) -> np.ndarray:
            totals = _sum(codes[name], amounts, size)
            mask = kind == name
            per_year = np.bincount(year[mask], weights=totals[mask])[year[mask]]
            result = np.zeros(size)
            result[mask] = _ratio(totals[mask], per_year)
            return result

        value += _sum(codes["global_sales"], sold, size)
        value += share("sales_share_by_market", sold)
        value += share("sales_share_by_origin", shipped)
        value += _sum(codes["exports_by_origin"], shipped, size)
        utilisation = columns["utilisation"]
        built = _sum(codes["utilisation_by_country"], utilisation["production_vehicles"], size)
        capacity = _sum(codes["utilisation_by_country"],
                        utilisation["capacity_vehicles_per_year"], size)
        value += np.where(kind == "utilisation_by_country", _ratio(built, capacity), 0.0)
        value += _sum(codes["margin"], columns["margin_by_plant"]["margin_usd"], size)
        value += _sum(codes["duties_paid"], columns["shipments"]["duty_usd"], size)
        kpis["value"] = value
        kpis["unit"] = self.kpi_units
        return kpis

    # ---- the same, from frames (for checks and callers holding an index) ------------------

    def tables(self, run: HighsRun, index: ModelIndex) -> dict[str, pd.DataFrame]:
        """The result tables of ``run`` (same rows and columns as the reference)."""
        return self.frames(self.columns(run, CaseNumbers.of_index(index, None)))

    def kpis(self, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
        """The KPIs of ``tables`` (same rows as the reference)."""
        return self.kpis_of({name: {column: column_array(frame, column, dtype=float)
                                    for column in frame.columns
                                    if pd.api.types.is_float_dtype(frame[column])}
                             for name, frame in tables.items()})


def same_tables(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> bool:
    """True when two sets of result tables hold the same rows, columns and numbers."""
    if list(left) != list(right):
        return False
    for name, frame in left.items():
        other = right[name]
        if list(frame.columns) != list(other.columns) or len(frame) != len(other):
            return False
        for column in frame.columns:
            a, b = frame[column], other[column]
            if a.dtype != b.dtype:
                return False
            if pd.api.types.is_float_dtype(a) and pd.api.types.is_float_dtype(b):
                if not np.allclose(a.to_numpy(), b.to_numpy(), rtol=1e-9, atol=1e-6,
                                   equal_nan=True):
                    return False
            elif not a.reset_index(drop=True).astype(str).equals(
                    b.reset_index(drop=True).astype(str)):
                return False
    return True
