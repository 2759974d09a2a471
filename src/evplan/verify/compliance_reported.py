r"""The descriptive columns of the compliance tables, re-derived from shipments and inputs.

:class:`~evplan.verify.compliance.ComplianceCheck` re-derives the decision columns (credits,
excess, pooling, USD amounts); :class:`ReportedCheck` re-derives every other column a plan
reports in ``fleet_compliance``, ``zev_compliance``, ``production_credit_compliance``,
``co2_by_plant``, ``co2_by_lane``, ``co2_by_year`` and ``battery_footprint`` from the
plan's ``shipments`` and the input tables, by the definitions of docs/formulation.md ("CO2
and zero-emission rules"), with its own joins (it does not read
:mod:`evplan.model.compliance_index`):

* per flow :math:`f` (program :math:`v`, plant :math:`p`, market :math:`k`):
  production :math:`= \text{grid}(p)\,\text{kWh}_p/10^6 + \text{battery\_kWh}_v\,
  \text{kg}_p/10^3` t, shipping = ``routes.co2_kg_per_vehicle``/1000 t, use phase
  :math:`= \text{lifetime\_km}\,(e_v + \text{kWh}_v/100\ \text{grid}(k))/10^6` t, a missing
  input counting 0 (a BEV without a ``program_emissions`` row: 0 g/km);
* each row's sums over the shipments with its key (vehicles, BEVs, NEVs, g/km x vehicles,
  credits earned and required, tonnes, batteries sold in the EU), the ratios (average
  g/km: NaN without vehicles; ZEV share: 0 without vehicles), and the constants the row
  repeats from the inputs (target, averaging group, shares, plant country, carbon price and
  cap, battery size and footprint per kWh);
* ``counted_t_co2`` is what ``carbon_prices`` counts: production + shipping (+ use phase
  where ``include_use_phase`` is ``yes``) in a year with a ``carbon_prices`` row, 0 in a
  year without one;
* ``bev_value_usd_per_vehicle`` is the reported shadow price (a dual, not re-derived) times
  :math:`T_{ky}` (fleet; times :math:`\delta_{last}/\delta_y` in an averaging group, whose
  one price is in USD of its last year: the value is in USD of the row's year) or
  :math:`c_{BEV} - s_{ky}` plus the reported borrowing-limit price times
  :math:`\beta_{ky} s_{ky}` (ZEV; 0 in a market's last mandate year, which may owe nothing);
* every key of shipments with vehicles has its row.

Only the columns the checked plan holds are compared: a warm re-solve
(:mod:`evplan.scenarios.warm`) passes the numbers of each table without its key columns,
whose joins were made once from the first plan's keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.verify.compliance_kits import plan_keys
from evplan.verify.keys import first_rows

__all__ = ["ReportedCheck"]

MAX_LINES = 5
RTOL = 1e-6
SUM_RTOL = 1e-9
# A ratio per vehicle (g/km average, ZEV share) of fewer vehicles than this is blank (its
# fill): a warm start leaves solver noise of about 1e-13 vehicles on lanes that sell nothing.
# results/compliance.py divides with the same threshold.
MIN_VEHICLES_FOR_RATIO = 1e-9
_KEYS = {"fleet_compliance": ["market", "year"], "zev_compliance": ["market", "year"],
         "production_credit_compliance": ["country", "year"],
         "co2_by_plant": ["plant", "year"], "co2_by_lane": ["plant", "market", "year"],
         "co2_by_year": ["year"], "battery_footprint": ["plant", "program", "year"]}
_LABELS = {"fleet_compliance": ["market", "year"], "zev_compliance": ["market", "year"],
           "production_credit_compliance": ["country", "year"],
           "co2_by_plant": ["plant", "country", "year"],
           "co2_by_lane": ["plant", "market", "year"], "co2_by_year": ["year"],
           "battery_footprint": ["plant", "program", "year"]}

Tables = Mapping[str, Any]


def _to_own_year(data: NetworkData, rows: pd.DataFrame, group: np.ndarray) -> np.ndarray:
    """Per fleet row: delta(last year of its averaging group) / delta(its year), 1 for a
    row without a group (USD of the group's last year -> USD of the row's year)."""
    years = rows["year"].to_numpy(dtype=float)
    frame = pd.DataFrame({"market": rows["market"].to_numpy(dtype=object), "group": group,
                          "year": years})
    last = frame.groupby(["market", "group"])["year"].transform("max").to_numpy(dtype=float)
    last = np.where(group == "", years, last)
    rate = float(data.scenario.discount_rate)
    return np.asarray((1.0 + rate) ** -(last - years), dtype=float)


def _take(values: Any, at: np.ndarray, fill: Any = np.nan) -> np.ndarray:
    values = np.asarray(values)
    dtype = float if fill is not None and not isinstance(fill, str) else object
    out = np.full(len(at), fill, dtype=dtype)
    found = at >= 0
    out[found] = values[at[found]]
    return out


def _credit_terms(rules: pd.DataFrame, rows: pd.DataFrame, on: list[str], share: str
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each reported row's rule: its required share and credits per BEV and per PHEV."""
    rule = first_rows(rows, rules, on)

    def take(column: str) -> np.ndarray:
        return _take(rules[column].to_numpy(dtype=float), rule)

    return take(share), take("bev_credits_per_vehicle"), take("phev_credits_per_vehicle")


def _map(keys: pd.Series, frame: pd.DataFrame, key: str, column: str) -> np.ndarray:
    """``frame[column]`` of each key (NaN where ``frame`` has no row)."""
    return _take(frame[column].to_numpy(dtype=float),
                 first_rows(keys.to_frame(key), frame, [key]))


class ReportedCheck:
    """The descriptive compliance columns of plans with given keys (module docstring).

    Parameters
    ----------
    data : NetworkData
        The inputs the plans are made from.
    tables : mapping
        A plan's result tables: the shipments' keys and each compliance table's key columns
        are read and joined with ``data`` here; :meth:`problems` compares the columns of any
        plan with the same keys.
    """

    def __init__(self, data: NetworkData, tables: Tables) -> None:
        keys = plan_keys(tables)[["plant", "program", "powertrain", "market", "year", "kit"]]
        self.kit = keys.pop("kit").to_numpy(dtype=bool)  # rows of kit_shipments
        self.size = len(keys)
        flow = self._flows(data, keys)
        self.sums: list[tuple[str, str, np.ndarray, np.ndarray, np.ndarray, int]] = []
        self.constants: list[tuple[str, str, np.ndarray]] = []
        self.ratios: list[tuple[str, str, str, str, float]] = []
        # (table, column, [(reported price column, factor), ...]): column = sum of price x factor
        self.values: list[tuple[str, str, list[tuple[str, np.ndarray]]]] = []
        self.unmatched: list[tuple[str, np.ndarray, pd.DataFrame]] = []
        self.labels: dict[str, list[tuple[Any, ...]]] = {}
        self.static: list[str] = []
        for name in _KEYS:
            if name in tables:
                self._table(data, name, tables[name], keys, flow)

    def _flows(self, data: NetworkData, keys: pd.DataFrame) -> dict[str, np.ndarray]:
        """Per shipment row: the coefficients of docs/formulation.md."""
        grid = data["grid_intensity"].drop_duplicates("country")
        plants = data.plants.drop_duplicates("plant")
        emissions = data["plant_emissions"].drop_duplicates("plant")
        programs = data.programs.drop_duplicates("program")
        certified = data["program_emissions"].drop_duplicates("program")
        markets = data.markets.drop_duplicates("market")
        plant_country = _take(plants["country"].astype(str).to_numpy(dtype=object),
                              first_rows(keys[["plant"]], plants, ["plant"]), "")
        market_country = _take(markets["country"].astype(str).to_numpy(dtype=object),
                               first_rows(keys[["market"]], markets, ["market"]), "")
        powertrain = keys["powertrain"].astype(str).to_numpy(dtype=object)

        def grid_of(countries: np.ndarray) -> np.ndarray:
            return np.nan_to_num(_map(pd.Series(countries), grid, "country",
                                      "grid_g_co2_per_kwh"))

        kwh = np.nan_to_num(_map(keys["program"], programs, "program", "battery_kwh"))
        kg = _map(keys["plant"], emissions, "plant", "battery_kg_co2_per_kwh")
        assembly = np.nan_to_num(_map(keys["plant"], emissions, "plant",
                                      "assembly_kwh_per_vehicle"))
        grams = _map(keys["program"], certified, "program", "co2_g_per_km")
        grams = np.nan_to_num(np.where(np.isnan(grams) & (powertrain == "BEV"), 0.0, grams))
        per_100 = np.nan_to_num(_map(keys["program"], certified, "program",
                                     "electricity_kwh_per_100km"))
        lifetime = np.nan_to_num(_map(keys["program"], certified, "program", "lifetime_km"))
        routes = data["routes"].drop_duplicates(["plant", "market"])
        shipping = np.nan_to_num(_take(routes["co2_kg_per_vehicle"].to_numpy(dtype=float),
                                       first_rows(keys, routes, ["plant", "market"]))) / 1e3
        shipping = np.where(self.kit, 0.0, shipping)  # kit lanes carry no CO2 input
        return {
            "one": np.ones(len(keys)), "bev": (powertrain == "BEV").astype(float),
            "phev": (powertrain == "PHEV").astype(float),
            "conventional": np.isin(powertrain, ("ICE", "HEV")).astype(float),
            "grams": grams, "kwh": kwh, "battery_t": kwh * np.nan_to_num(kg) / 1e3,
            "production": grid_of(plant_country) * assembly / 1e6 + kwh * np.nan_to_num(kg)
            / 1e3, "shipping": shipping,
            "use": lifetime * (grams + per_100 / 100 * grid_of(market_country)) / 1e6,
            "eu": (market_country == "EU").astype(float), "plant_country": plant_country}

    def _table(self, data: NetworkData, name: str, table: Any, keys: pd.DataFrame,
               flow: dict[str, np.ndarray]) -> None:
        labels = pd.DataFrame({c: np.asarray(table[c]) for c in _LABELS[name]})
        self.labels[name] = [tuple(row) for row in labels.itertuples(index=False)]
        rows = pd.DataFrame({c: np.asarray(table[c]) for c in _KEYS[name]})
        count = len(rows)
        one = flow["one"]
        if name == "production_credit_compliance":
            ship = keys.assign(country=flow["plant_country"])
        else:
            ship = keys
        at = first_rows(ship, rows, _KEYS[name])
        applies = np.ones(len(keys), dtype=bool)
        if name in ("production_credit_compliance", "co2_by_lane"):  # kits: not these rows
            at = np.where(self.kit, -1, at)

        keep = np.flatnonzero(at >= 0)

        def total(column: str, coefficient: np.ndarray) -> None:
            # per plan: the kept shipments' vehicles times these (a NaN input counts 0)
            self.sums.append((name, column, at[keep], keep,
                              np.nan_to_num(np.asarray(coefficient, dtype=float)[keep]), count))

        def constant(column: str, values: np.ndarray) -> None:
            self.constants.append((name, column, values))

        if name == "fleet_compliance":
            rules = data["fleet_targets"]
            rule = first_rows(rows, rules, ["market", "year"])
            target = _take(rules["target_g_per_km"].to_numpy(dtype=float), rule)
            constant("target_g_per_km", target)
            group = _take(rules["averaging_group"].fillna("").astype(str).to_numpy(
                dtype=object), rule, "")
            constant("averaging_group", group)
            total("vehicles", one)
            total("kit_vehicles", self.kit.astype(float))
            total("bev_vehicles", flow["bev"])
            total("grams", flow["grams"])
            total("balance_g_km_vehicles", flow["grams"] - _take(target, at))
            self.ratios.append((name, "co2_g_per_km_average", "grams", "vehicles", np.nan))
            self.values.append((name, "bev_value_usd_per_vehicle", [(
                "shadow_price_usd_per_g_km_vehicle", target * _to_own_year(data, rows, group))]))
            applies = first_rows(ship, rules, ["market", "year"]) >= 0
            self._rule_rows(name, rules[["market", "year"]], rows, "fleet_targets.csv")
        elif name == "zev_compliance":
            rules = data["zev_mandates"]
            share, bev, phev = _credit_terms(rules, rows, ["market", "year"], "zev_share")
            constant("zev_share_required", share)
            total("vehicles", one)
            total("kit_vehicles", self.kit.astype(float))
            total("zev_vehicles", flow["bev"])
            total("credits_earned", flow["bev"] * _take(bev, at) + flow["phev"] * _take(
                phev, at))
            total("credits_required", _take(share, at))
            self.ratios.append((name, "zev_share_achieved", "zev_vehicles", "vehicles", 0.0))
            borrow = _take(rules["borrow_share"].to_numpy(dtype=float),
                           first_rows(rows, rules, ["market", "year"]))
            last = rows["year"].to_numpy() >= rows["market"].map(
                rules.groupby("market")["year"].max()).to_numpy(dtype=float)
            self.values.append((name, "bev_value_usd_per_vehicle", [
                ("shadow_price_usd_per_credit", bev - share),
                ("borrow_shadow_price_usd_per_credit",
                 np.where(last, 0.0, np.nan_to_num(borrow) * share))]))
            applies = first_rows(ship, rules, ["market", "year"]) >= 0
        elif name == "production_credit_compliance":
            rules = data["production_credits"]
            share, bev, phev = _credit_terms(rules, rows, ["country", "year"],
                                             "requirement_share")
            constant("requirement_share", share)
            total("vehicles_built", one)
            total("nev_built", flow["bev"] + flow["phev"])
            total("credits_earned", flow["bev"] * _take(bev, at) + flow["phev"] * _take(
                phev, at))
            total("credits_required", flow["conventional"] * _take(share, at))
            applies = (first_rows(ship, rules, ["country", "year"]) >= 0) & ~self.kit
        elif name == "co2_by_plant":
            plants = data.plants.drop_duplicates("plant")
            constant("country", _take(plants["country"].astype(str).to_numpy(dtype=object),
                                      first_rows(rows, plants, ["plant"]), ""))
            total("vehicles", one)
            total("production_t_co2", flow["production"])
        elif name == "co2_by_lane":
            applies = ~self.kit
            total("vehicles", one)
            total("shipping_t_co2", flow["shipping"])
        elif name == "co2_by_year":
            prices = data["carbon_prices"].drop_duplicates("year")
            rule = first_rows(rows, prices, ["year"])
            constant("carbon_price_usd_per_t", np.nan_to_num(_take(
                prices["carbon_price_usd_per_t"].to_numpy(dtype=float), rule)))
            constant("cap_t_co2", _take(prices["cap_t_co2"].to_numpy(dtype=float), rule))
            priced = first_rows(keys, prices, ["year"])
            use = _take(prices["include_use_phase"].astype(str).eq("yes").to_numpy(
                dtype=float), priced, 0.0)
            total("production_t_co2", flow["production"])
            total("shipping_t_co2", flow["shipping"])
            total("use_phase_t_co2", flow["use"])
            total("counted_t_co2", np.where(priced >= 0, 1.0, 0.0) * (
                flow["production"] + flow["shipping"] + use * flow["use"]))
        elif name == "battery_footprint":
            programs = data.programs.drop_duplicates("program")
            emissions = data["plant_emissions"].drop_duplicates("plant")
            constant("battery_kwh", np.nan_to_num(_take(programs["battery_kwh"].to_numpy(
                dtype=float), first_rows(rows, programs, ["program"]))))
            constant("footprint_kg_co2_per_kwh", _take(
                emissions["battery_kg_co2_per_kwh"].to_numpy(dtype=float),
                first_rows(rows, emissions, ["plant"])))
            total("vehicles", one)
            total("eu_vehicles", flow["eu"])
            total("footprint_t_co2", flow["battery_t"])
            applies = flow["kwh"] > 0
        missing = np.flatnonzero(applies & (at < 0))
        if len(missing):
            self.unmatched.append((name, missing, ship.iloc[missing][_KEYS[name]]))

    def _rule_rows(self, name: str, rules: pd.DataFrame, rows: pd.DataFrame, source: str
                   ) -> None:
        """Rule rows (market-years of ``source``) the table has no row for."""
        absent = first_rows(rules, rows, ["market", "year"]) < 0
        self.static += [f"{name} {tuple(row)}: no row for this {source} row"
                        for row in rules[absent].itertuples(index=False)][:MAX_LINES]

    def problems(self, tables: Tables, vehicles: np.ndarray) -> list[str]:
        """Every reported cell of ``tables`` the shipments and inputs do not give.

        ``vehicles`` is the plan's vehicles per shipment row (negative ones as 0).
        """
        if len(vehicles) != self.size:
            raise ValueError("ReportedCheck: the plan's shipments are not those it was made "
                             "for")
        problems = list(self.static)
        derived: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        vehicles = np.nan_to_num(vehicles)
        for name, column, at, keep, coefficient, count in self.sums:
            terms = coefficient * vehicles[keep]
            derived[name, column] = (
                np.bincount(at, weights=terms, minlength=count)[:count],
                np.bincount(at, weights=np.abs(terms), minlength=count)[:count])
        for name, column, numerator, denominator, fill in self.ratios:
            top, bottom = derived[name, numerator][0], derived[name, denominator][0]
            ratio = np.divide(top, bottom, out=np.full(len(top), fill),
                              where=np.abs(bottom) > MIN_VEHICLES_FOR_RATIO)
            derived[name, column] = (ratio, np.abs(ratio))
        for name, column, values in self.constants:
            derived[name, column] = (values, np.zeros(len(values)))
        for name, column, terms in self.values:
            if name in tables and all(shadow in tables[name] for shadow, _ in terms):
                value = sum(np.asarray(tables[name][shadow], dtype=float) * factor
                            for shadow, factor in terms)
                derived[name, column] = (value, np.abs(value))
        for (name, column), (expected, scale) in derived.items():
            if name in tables and column in tables[name]:
                problems += self._compare(name, column, tables[name][column], expected, scale)
        for name, missing, keys in self.unmatched:
            if name not in tables:
                continue
            shipped = vehicles[missing] > 0
            if shipped.any():
                lines = keys[shipped].drop_duplicates()
                problems += [f"{name} {tuple(row)}: no row, though the shipments carry "
                             "vehicles with this key" for row in
                             lines.head(MAX_LINES).itertuples(index=False)]
        return problems

    def _compare(self, name: str, column: str, reported: Any, expected: np.ndarray,
                 scale: np.ndarray) -> list[str]:
        if expected.dtype == object:
            text = pd.Series(np.asarray(reported, dtype=object)).fillna("").astype(
                str).to_numpy(dtype=object)
            bad = np.flatnonzero(text != expected)
            shown = [(repr(text[i]), repr(expected[i])) for i in bad[:MAX_LINES]]
        else:
            got = np.asarray(reported)
            got = (got.astype(float) if got.dtype.kind in "fiub" else pd.to_numeric(
                pd.Series(got), errors="coerce").to_numpy(dtype=float))
            both_nan = np.isnan(got) & np.isnan(expected)
            # relative to the cell, or to the sum of its terms' magnitudes where they cancel
            # (a balance of 0 from 1e7 g/km x vehicles each way): rounding, not slack
            tolerance = np.maximum(RTOL * np.maximum(1.0, np.abs(expected)),
                                   SUM_RTOL * scale)  # NaN where expected is: not close
            close = np.abs(got - expected) <= tolerance
            bad = np.flatnonzero(~(both_nan | close))
            shown = [(f"{got[i]:,.6g}", f"{expected[i]:,.6g}") for i in bad[:MAX_LINES]]
        labels = self.labels[name]
        lines = [f"{name} {labels[i]}: {column} reported {value}, the shipments and inputs "
                 f"give {wanted}" for i, (value, wanted) in zip(bad, shown, strict=False)]
        if len(bad) > MAX_LINES:
            lines.append(f"{name}: {column} differs in {len(bad) - MAX_LINES} more rows")
        return lines
