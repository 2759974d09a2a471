r"""Parameters of the CO2 and zero-emission rules on the flat indices (issue 16).

The rules are optional input tables (:data:`evplan.schema.COMPLIANCE_TABLES`). When they
are all empty, :func:`has_compliance` is False and the network model is built exactly as
without them. Otherwise :func:`build_compliance_index` derives, once, the per-flow
coefficients and the rows of each rule, so that the constraint families
(:mod:`evplan.model.families.compliance`), the results and the solution check all read
the same numbers:

===================  ==================================================  ===================
frame                one row is                                          per-flow code
===================  ==================================================  ===================
``fleet_years``      a market-year with a fleet CO2 target               ``fleet_year``
``fleet_groups``     an assessment unit: one year, or an averaging group  (``group``)
``zev_years``        a market-year with a ZEV mandate                    ``zev_year``
``credit_years``     a country-year with a production credit regime      ``credit_year``
``carbon_years``     a year with a carbon price or cap                   ``carbon_year``
===================  ==================================================  ===================

Per flow :math:`f` (a program :math:`v` built at plant :math:`p`, shipped to market
:math:`k` in year :math:`y`)::

    production_t = (grid(p) * assembly_kwh(p) / 1e6) + battery_kwh(v) * battery_kg(p) / 1e3
    shipping_t   = routes.co2_kg_per_vehicle / 1e3
    use_t        = lifetime_km(v) * (co2_g_per_km(v)
                   + electricity_kwh_per_100km(v) / 100 * grid(country of k)) / 1e6
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.model.index import ModelIndex, key_positions
from evplan.schema import COMPLIANCE_TABLES

__all__ = ["ComplianceIndex", "build_compliance_index", "has_compliance"]

NO_CODE = -1


def has_compliance(data: NetworkData) -> bool:
    """True when any CO2 or zero-emission table has a row."""
    return any(name in data.tables and len(data[name]) for name in COMPLIANCE_TABLES)


@dataclass(frozen=True)
class ComplianceIndex:
    """Rows and per-flow coefficients of the compliance rules (see the module docstring).

    ``flows`` has one row per network flow (same positions as ``ModelIndex.flows``) with
    the CO2 per vehicle (``production_t``, ``shipping_t``, ``use_t``), the certified
    ``co2_g_per_km`` and the codes and coefficients of each rule.
    """

    flows: pd.DataFrame
    fleet_years: pd.DataFrame
    fleet_groups: pd.DataFrame
    zev_years: pd.DataFrame
    credit_years: pd.DataFrame
    carbon_years: pd.DataFrame

    def sizes(self) -> dict[str, int]:
        """Row counts of each rule."""
        return {"fleet_year": len(self.fleet_years), "fleet_group": len(self.fleet_groups),
                "zev_year": len(self.zev_years), "credit_year": len(self.credit_years),
                "carbon_year": len(self.carbon_years)}


def _codes(frame: pd.DataFrame, keys: pd.DataFrame, on: list[str]) -> np.ndarray:
    """Position in ``keys`` (unique on ``on``) of each row of ``frame``; -1 where absent."""
    if keys.empty:
        return np.full(len(frame), NO_CODE, dtype=np.int64)
    found = key_positions(frame, keys, on)
    if found is not None:
        return found
    lookup = pd.MultiIndex.from_arrays([keys[column].astype(object).to_numpy()
                                        for column in on])
    wanted = pd.MultiIndex.from_arrays([frame[column].astype(object).to_numpy()
                                        for column in on])
    return lookup.get_indexer(wanted).astype(np.int64)


def _take(column: pd.Series, code: np.ndarray, fill: float | str = 0.0) -> np.ndarray:
    """``column[code]`` per flow, ``fill`` where the flow has no row (code -1)."""
    values = column.to_numpy()
    out = np.full(len(code), fill, dtype=values.dtype if len(values) else object)
    found = code >= 0
    out[found] = values[code[found]]
    return out


def _emissions(data: NetworkData, flows: pd.DataFrame) -> pd.DataFrame:
    """CO2 per vehicle of each flow, in tonnes, and its certified g/km."""
    grid = data["grid_intensity"].set_index("country")["grid_g_co2_per_kwh"]
    plants = data["plant_emissions"].merge(data.plants[["plant", "country"]], on="plant")
    plants["assembly_t"] = (plants["assembly_kwh_per_vehicle"].astype(float)
                            * plants["country"].map(grid).astype(float).fillna(0.0) / 1e6)
    plants = plants.set_index("plant")
    battery_kwh = flows["program"].map(data.programs.set_index("program")["battery_kwh"])
    production = (flows["plant"].map(plants["assembly_t"]).astype(float).fillna(0.0)
                  + battery_kwh.astype(float).fillna(0.0)
                  * flows["plant"].map(plants["battery_kg_co2_per_kwh"]).astype(float).fillna(
                      0.0) / 1e3)
    programs = data["program_emissions"].set_index("program")
    co2 = flows["program"].map(programs["co2_g_per_km"]).astype(float)
    co2 = co2.where(co2.notna() | flows["powertrain"].ne("BEV"), 0.0)
    electricity = flows["program"].map(programs["electricity_kwh_per_100km"]).astype(
        float).fillna(0.0)
    lifetime = flows["program"].map(programs["lifetime_km"]).astype(float).fillna(0.0)
    market_grid = flows["market_country"].map(grid).astype(float).fillna(0.0)
    use = lifetime * (co2.fillna(0.0) + electricity / 100 * market_grid) / 1e6
    return pd.DataFrame({
        "co2_g_per_km": co2.to_numpy(dtype=float),
        "production_t": production.to_numpy(dtype=float),
        "shipping_t": flows["co2_kg_per_vehicle"].to_numpy(dtype=float) / 1e3,
        "use_t": use.to_numpy(dtype=float),
    })


def _fleet(data: NetworkData, flows: pd.DataFrame, out: pd.DataFrame
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    years = data["fleet_targets"].sort_values(["market", "year"]).reset_index(drop=True)
    years["group_key"] = np.where(years["averaging_group"].ne(""),
                                  "group:" + years["averaging_group"],
                                  "year:" + years["year"].astype(str))
    groups = years.drop_duplicates(["market", "group_key"])[
        ["market", "group_key", "premium_usd_per_g_km", "pool_price_usd_per_g_km"]
    ].reset_index(drop=True)
    first_years = years.groupby(["market", "group_key"], as_index=False)["year"].agg(
        first_year="min", last_year="max")
    groups = groups.merge(first_years, on=["market", "group_key"])
    years["group"] = _codes(years, groups, ["market", "group_key"])
    code = _codes(flows, years, ["market", "year"])
    out["fleet_year"] = code
    target = _take(years["target_g_per_km"].astype(float), code, np.nan).astype(float)
    out["fleet_group"] = _take(years["group"], code, NO_CODE).astype(np.int64)
    out["fleet_coefficient"] = np.where(code >= 0, out["co2_g_per_km"].to_numpy() - target, 0.0)
    return years, groups


def _zev(data: NetworkData, flows: pd.DataFrame, out: pd.DataFrame) -> pd.DataFrame:
    years = data["zev_mandates"].sort_values(["market", "year"]).reset_index(drop=True)
    same_market = years["market"].eq(years["market"].shift())
    years["previous"] = np.where(same_market, np.arange(len(years)) - 1, NO_CODE)
    years["last"] = ~years["market"].eq(years["market"].shift(-1))
    code = _codes(flows, years, ["market", "year"])
    powertrain = flows["powertrain"].to_numpy()
    credits = np.where(powertrain == "BEV", _take(years["bev_credits_per_vehicle"], code),
                       np.where(powertrain == "PHEV",
                                _take(years["phev_credits_per_vehicle"], code), 0.0))
    out["zev_year"] = code
    out["zev_credits"] = credits.astype(float)
    out["zev_coefficient"] = (credits - _take(years["zev_share"], code)).astype(float)
    return years


def _credits(data: NetworkData, flows: pd.DataFrame, out: pd.DataFrame) -> pd.DataFrame:
    years = data["production_credits"].sort_values(["country", "year"]).reset_index(drop=True)
    code = _codes(flows.rename(columns={"origin": "country"}), years, ["country", "year"])
    powertrain = flows["powertrain"].to_numpy()
    earned = np.where(powertrain == "BEV", _take(years["bev_credits_per_vehicle"], code),
                      np.where(powertrain == "PHEV",
                               _take(years["phev_credits_per_vehicle"], code), 0.0))
    conventional = np.isin(powertrain, ("ICE", "HEV"))
    required = np.where(conventional, _take(years["requirement_share"], code), 0.0)
    out["credit_year"] = code
    out["production_credits"] = earned.astype(float)
    out["production_credit_required"] = required.astype(float)
    out["credit_coefficient"] = out["production_credits"] - out["production_credit_required"]
    return years


def _carbon(data: NetworkData, flows: pd.DataFrame, out: pd.DataFrame) -> pd.DataFrame:
    years = data["carbon_prices"].sort_values("year").reset_index(drop=True)
    code = _codes(flows, years, ["year"])
    use = _take(years["include_use_phase"].eq("yes"), code, False).astype(bool)
    counted = out["production_t"] + out["shipping_t"] + np.where(use, out["use_t"], 0.0)
    out["carbon_year"] = code
    out["carbon_t"] = np.where(code >= 0, counted, 0.0)
    return years


def build_compliance_index(data: NetworkData, index: ModelIndex) -> ComplianceIndex:
    """Derive the compliance rows and per-flow coefficients of ``data`` on ``index``.

    Parameters
    ----------
    data : NetworkData
        Validated inputs (the compliance tables may be empty).
    index : ModelIndex
        The network's flat indices.

    Returns
    -------
    ComplianceIndex
    """
    flows = index.flows
    out = _emissions(data, flows)
    fleet_years, fleet_groups = _fleet(data, flows, out)
    zev_years = _zev(data, flows, out)
    credit_years = _credits(data, flows, out)
    carbon_years = _carbon(data, flows, out)
    out = pd.concat([flows[["plant", "origin", "program", "powertrain", "market", "year"]],
                     out], axis=1)
    return ComplianceIndex(flows=out, fleet_years=fleet_years, fleet_groups=fleet_groups,
                           zev_years=zev_years, credit_years=credit_years,
                           carbon_years=carbon_years)
