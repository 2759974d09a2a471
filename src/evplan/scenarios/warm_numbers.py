"""The numbers of one warm case: every parameter of the flat indices, as NumPy arrays.

A warm case has the base model's flows, sales and rows; only parameters change. This module
holds them as arrays in the base index's orders (:class:`CaseNumbers`), computes them from
the input tables by positions recorded once (:class:`Gather`: a vectorised gather, no
merges), and turns them back into a :class:`~evplan.model.index.ModelIndex` only when a
caller needs frames (the first solve, which checks the fast result tables against
:func:`evplan.results.result_tables`; break-even analysis).

The parameters are the ones :func:`evplan.model.index.build_index` computes; the duty
formulas repeat :mod:`evplan.model.index`'s (see its docstring), and
:class:`~evplan.scenarios.warm.WarmModel` checks on construction that both give the same
objective and bounds, or solves every case cold.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.data.duties import resolve_countervailing, resolve_duty_positions
from evplan.frame_arrays import column_array
from evplan.model.index import ModelIndex
from evplan.model.trade import (
    customs_transfer_price,
    in_transit_cost,
)

__all__ = ["PARAMETERS", "CaseNumbers", "Gather"]

#: The parameter columns of each ModelIndex frame (all float64).
PARAMETERS: dict[str, tuple[str, ...]] = {
    "flows": ("variable_cost_usd_per_vehicle", "freight_usd_per_vehicle", "transit_days",
              "co2_kg_per_vehicle", "customs_value_usd_per_vehicle", "ad_valorem_rate",
              "cvd_rate", "duty_usd_per_vehicle", "in_quota_duty_usd_per_vehicle",
              "quota_vehicles_per_year", "transfer_price_usd_per_vehicle",
              "inventory_usd_per_vehicle", "unit_cost_usd_per_vehicle"),
    "plant_years": ("capacity_vehicles_per_year", "fixed_cost_usd_per_year",
                    "min_utilisation"),
    "route_years": ("capacity_vehicles_per_year",),
    "pools": ("volume_vehicles", "price_usd_per_vehicle"),
    "sales": ("price_usd_per_vehicle",),
    "quota_groups": ("quota_vehicles_per_year",),
    "quota_flows": ("quota_vehicles_per_year",),
    "committed": ("min_vehicles",),
}


@dataclass(frozen=True)
class CaseNumbers:
    """Every parameter of one case, by ModelIndex frame and column, plus discount factors.

    Attributes
    ----------
    columns : dict
        ``{frame: {column: array}}`` for the frames and columns of :data:`PARAMETERS`, in
        the base index's row order.
    discount : numpy.ndarray
        Discount factor per year, in the order of the base index's ``discount``.
    penalty_usd_per_vehicle : float
        The scenario's penalty on unmet committed sales (0 when none).
    """

    columns: dict[str, dict[str, np.ndarray]]
    discount: np.ndarray
    penalty_usd_per_vehicle: float

    def __getitem__(self, key: tuple[str, str]) -> np.ndarray:
        frame, column = key
        return self.columns[frame][column]

    @classmethod
    def of_index(cls, index: ModelIndex, penalty_usd_per_vehicle: float | None) -> CaseNumbers:
        """The numbers a built index holds."""
        columns = {name: {column: getattr(index, name)[column].to_numpy(dtype=float)
                          for column in names} for name, names in PARAMETERS.items()}
        return cls(columns, index.discount.to_numpy(dtype=float),
                   float(penalty_usd_per_vehicle or 0.0))

    def requirements_empty(self, holes: tuple[np.ndarray, np.ndarray],
                           penalty_usd_per_vehicle: float | None) -> bool:
        """Does a commitment or plant minimum have no variable to serve it? ``holes``:
        :func:`evplan.model.requirements.requirement_holes` of the base index."""
        unserved, idle = holes
        floor = (self["plant_years", "min_utilisation"][idle]
                 * self["plant_years", "capacity_vehicles_per_year"][idle])
        committed = self["committed", "min_vehicles"][unserved]
        return bool((floor > 0).any()
                    or (penalty_usd_per_vehicle is None and (committed > 0).any()))

    def index(self, base: ModelIndex) -> ModelIndex:
        """``base`` with these numbers in its parameter columns (same structure)."""
        frames = {}
        for name, values in self.columns.items():
            frame = getattr(base, name).copy()
            for column, array in values.items():
                frame[column] = array
            frames[name] = frame
        discount = pd.Series(self.discount, index=base.discount.index, name=base.discount.name)
        return replace(base, discount=discount, **frames)


def _positions(keys: pd.DataFrame, table: pd.DataFrame, on: list[str]) -> np.ndarray:
    """Position in ``table`` of each row of ``keys`` matched on ``on`` (-1 where absent)."""
    lookup = table[on].reset_index(drop=True).reset_index(names="_position")
    merged = keys[on].merge(lookup.drop_duplicates(on), on=on, how="left")
    return merged["_position"].fillna(-1).to_numpy(dtype=np.int64)


def _take(values: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """``values[positions]`` with NaN where the position is -1."""
    out = np.full(len(positions), np.nan)
    found = positions >= 0
    out[found] = values[positions[found]]
    return out


def _factor(rates: np.ndarray, rows: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Exchange factor f(c, first year) / f(c, y) from ``rates`` by row (1 where absent),
    as :func:`evplan.model.trade.exchange_factor` computes it by key."""
    now, base = rows
    factor = _take(rates, base) / _take(rates, now)
    return np.where(np.isnan(factor), 1.0, factor)


def _float(frame: pd.DataFrame, column: str) -> np.ndarray:
    return column_array(frame, column, dtype=float)


@dataclass(frozen=True)
class Gather:
    """Where each element of the flat indices takes its parameters from, by table position."""

    flow_plant_program: np.ndarray
    flow_route: np.ndarray
    flow_duty: np.ndarray
    flow_cvd: np.ndarray
    plant_year_plant: np.ndarray
    route_year_route: np.ndarray
    quota_group_duty: np.ndarray
    sale_pool: np.ndarray
    quota_flow_group: np.ndarray
    flow_cif: np.ndarray
    flow_cross: np.ndarray
    years: np.ndarray
    flow_origin: np.ndarray
    flow_market: np.ndarray
    flow_year: np.ndarray
    flow_plant_year: np.ndarray
    # Rows of transfer_prices for each flow: (origin, market), else (origin, "*").
    flow_markup: tuple[np.ndarray, np.ndarray]
    # Rows of exchange_rates for (country, year) and (country, first year) of each flow,
    # plant-year and pool (-1: no row, factor 1): the factor of model/trade.exchange_factor
    # gathered by position, since a warm case keeps the base's rows.
    flow_fx: tuple[np.ndarray, np.ndarray]
    plant_year_fx: tuple[np.ndarray, np.ndarray]
    pool_fx: tuple[np.ndarray, np.ndarray]
    # Row of quota_shares for each duties row's quota_group (-1: unlisted, share 1): the
    # share of model/trade.quota_share gathered by position (the key columns are the base's).
    duty_share: np.ndarray

    @classmethod
    def of(cls, data: NetworkData, index: ModelIndex) -> Gather:
        flows = index.flows
        _, duty_position = resolve_duty_positions(
            flows[["origin", "market", "powertrain", "year"]], data["duties"], data.years)
        cvd_table = data["countervailing_duties"].reset_index(drop=True)
        cvd = resolve_countervailing(
            flows[["origin", "market", "powertrain", "maker", "year"]],
            cvd_table.assign(cvd_rate=np.arange(len(cvd_table), dtype=float) + 1), data.years)
        quota_first_flow = index.quota_flows.drop_duplicates("quota_group").sort_values(
            "quota_group")["flow"].to_numpy(dtype=np.int64)
        rates = data["exchange_rates"]
        first_year = data.scenario.first_year

        def fx(countries: pd.Series, years: pd.Series) -> tuple[np.ndarray, np.ndarray]:
            keys = pd.DataFrame({"country": countries.to_numpy(dtype=object),
                                 "year": years.to_numpy(dtype=np.int64)})
            return (_positions(keys, rates, ["country", "year"]),
                    _positions(keys.assign(year=first_year), rates, ["country", "year"]))

        prices = data["transfer_prices"]

        def markup_rows(origin: pd.Series, market: pd.Series) -> tuple[np.ndarray, np.ndarray]:
            keys = pd.DataFrame({"origin": origin.to_numpy(dtype=object),
                                 "market": market.to_numpy(dtype=object)})
            return (_positions(keys, prices, ["origin", "market"]),
                    _positions(keys.assign(market="*"), prices, ["origin", "market"]))

        shares = data["quota_shares"]
        duty_share = (np.full(len(data["duties"]), -1, dtype=np.int64) if shares.empty else
                      pd.Index(shares["quota_group"]).get_indexer(
                          data["duties"]["quota_group"].fillna("")).astype(np.int64))
        pool_country = index.pools["market"].map(data.markets.set_index("market")["country"])
        return cls(
            flow_plant_program=_positions(flows, data["plant_programs"], ["plant", "program"]),
            flow_route=_positions(flows, data["routes"], ["plant", "market"]),
            flow_duty=duty_position,
            flow_cvd=cvd.to_numpy(dtype=np.int64) - 1,
            plant_year_plant=_positions(index.plant_years, data.plants, ["plant"]),
            route_year_route=_positions(index.route_years, data["routes"], ["plant", "market"]),
            quota_group_duty=duty_position[quota_first_flow],
            sale_pool=column_array(index.sales, "pool", dtype=np.int64),
            quota_flow_group=column_array(index.quota_flows, "quota_group", dtype=np.int64),
            flow_cif=flows["customs_basis"].eq("CIF").to_numpy(dtype=bool),
            flow_cross=column_array(flows, "cross_border", dtype=bool),
            years=index.discount.index.to_numpy(dtype=np.int64),
            flow_origin=column_array(flows, "origin", dtype=object),
            flow_market=column_array(flows, "market", dtype=object),
            flow_year=column_array(flows, "year", dtype=np.int64),
            flow_plant_year=column_array(flows, "plant_year", dtype=np.int64),
            flow_markup=markup_rows(flows["origin"], flows["market"]),
            flow_fx=fx(flows["origin"], flows["year"]),
            plant_year_fx=fx(index.plant_years["country"], index.plant_years["year"]),
            pool_fx=fx(pool_country, index.pools["year"]),
            duty_share=duty_share,
        )

    def numbers(self, data: NetworkData) -> CaseNumbers:
        """The parameters of ``data`` (whose tables have the base's rows) as arrays."""
        scenario = data.scenario
        lanes, routes, duties = data["plant_programs"], data["routes"], data["duties"]
        plants = data.plants
        plant_years = {column: _float(plants, column)[self.plant_year_plant] for column in
                       PARAMETERS["plant_years"]}
        # Trade terms (model/trade.py), applied as build_index applies them.
        fx = not data["exchange_rates"].empty
        rates = _float(data["exchange_rates"], "local_per_usd")
        if fx:
            plant_years["fixed_cost_usd_per_year"] = plant_years["fixed_cost_usd_per_year"] * (
                _factor(rates, self.plant_year_fx))
        variable = _float(lanes, "variable_cost_usd_per_vehicle")[self.flow_plant_program]
        if fx:
            variable = variable * _factor(rates, self.flow_fx)
        freight = _float(routes, "freight_usd_per_vehicle")[self.flow_route]
        transit_days = _float(routes, "transit_days")[self.flow_route]
        transfer = customs_transfer_price(
            data, {"origin": self.flow_origin, "market": self.flow_market,
                   "variable_cost_usd_per_vehicle": variable,
                   "plant_year": self.flow_plant_year}, plant_years,
            markup=self._markup(data))
        inventory = in_transit_cost(data, transfer, transit_days)
        value = transfer + np.where(self.flow_cif, freight, 0.0)
        rate = _take(_float(duties, "ad_valorem_rate"), self.flow_duty)
        rate = np.where(np.isnan(rate), scenario.default_duty_rate or 0.0, rate)
        minimum = np.nan_to_num(_take(_float(duties, "minimum_usd_per_vehicle"),
                                      self.flow_duty))
        specific = np.nan_to_num(_take(_float(duties, "specific_usd_per_vehicle"),
                                       self.flow_duty))
        cvd = np.nan_to_num(_take(_float(data["countervailing_duties"], "cvd_rate"),
                                  self.flow_cvd))
        full = np.maximum(rate * value, minimum) + cvd * value + specific
        in_quota_rate = _take(_float(duties, "in_quota_rate"), self.flow_duty)
        share = _take(_float(data["quota_shares"], "share_of_quota"), self.duty_share)
        duty_quota = _float(duties, "quota_vehicles_per_year") * np.where(
            np.isnan(share), 1.0, share)  # model/trade.quota_share, gathered by position
        quota = _take(duty_quota, self.flow_duty)
        cross = self.flow_cross
        has_quota = cross & ~np.isnan(quota)
        in_quota = np.where(has_quota, np.nan_to_num(in_quota_rate) * value + cvd * value
                            + specific, full)
        flows = {
            "variable_cost_usd_per_vehicle": variable,
            "freight_usd_per_vehicle": freight,
            "transit_days": transit_days,
            "co2_kg_per_vehicle": _float(routes, "co2_kg_per_vehicle")[self.flow_route],
            "customs_value_usd_per_vehicle": np.where(cross, value, 0.0),
            "ad_valorem_rate": np.where(cross, rate, 0.0),
            "cvd_rate": np.where(cross, cvd, 0.0),
            "duty_usd_per_vehicle": np.where(cross, full, 0.0),
            "in_quota_duty_usd_per_vehicle": np.where(cross, in_quota, 0.0),
            "quota_vehicles_per_year": np.where(has_quota, quota, np.nan),
            "transfer_price_usd_per_vehicle": transfer,
            "inventory_usd_per_vehicle": inventory,
            "unit_cost_usd_per_vehicle": variable + freight + inventory,
        }
        demand = data["demand"]
        pool_price = _float(demand, "price_usd_per_vehicle")
        if fx:
            pool_price = pool_price * _factor(rates, self.pool_fx)
        group_quota = duty_quota[self.quota_group_duty]
        first_year = scenario.first_year
        discount = (1 + scenario.discount_rate) ** -(self.years - first_year).astype(float)
        return CaseNumbers(
            columns={
                "flows": flows,
                "plant_years": plant_years,
                "route_years": {"capacity_vehicles_per_year": _float(
                    routes, "capacity_vehicles_per_year")[self.route_year_route]},
                "pools": {"volume_vehicles": _float(demand, "volume_vehicles"),
                          "price_usd_per_vehicle": pool_price},
                "sales": {"price_usd_per_vehicle": pool_price[self.sale_pool]},
                "quota_groups": {"quota_vehicles_per_year": group_quota},
                "quota_flows": {"quota_vehicles_per_year": group_quota[self.quota_flow_group]},
                "committed": {"min_vehicles": _float(data["committed_sales"], "min_vehicles")},
            },
            discount=discount,
            penalty_usd_per_vehicle=float(scenario.unmet_committed_penalty_usd_per_vehicle
                                          or 0.0))

    def _markup(self, data: NetworkData) -> np.ndarray:
        """:func:`~evplan.model.trade.transfer_markup` of the flows, gathered by row."""
        markups = _float(data["transfer_prices"], "markup_on_full_cost")
        exact, wildcard = (_take(markups, rows) for rows in self.flow_markup)
        return np.where(np.isnan(exact), wildcard, exact)

    def index(self, base: ModelIndex, data: NetworkData) -> ModelIndex:
        """The base index with every parameter recomputed from ``data`` (same structure)."""
        return self.numbers(data).index(base)
