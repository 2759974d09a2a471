"""Tables the report needs beyond the plan itself, derived from the inputs at run time.

A run folder holds the result tables, not the inputs. Two small tables make it
self-contained for the report:

``duty_schedule``
    The duty every cross-border lane faced, year by year, as the run resolved it: one row
    per origin country, market, powertrain, maker and year with the ad valorem rate, the
    countervailing duty, specific and minimum duties, any tariff-rate quota and the input
    row and source it came from. ``total_rate`` is ad valorem plus countervailing.
    ``quota_vehicles_per_year`` is the national quota of the duty row;
    ``quota_share`` (quota_shares.csv, 1 where the group is not listed) and
    ``maker_quota_vehicles_per_year`` (their product) are what the plan may ship in quota.
``network_sites``
    Every plant and market with its name and country (the map places both by country).

:func:`with_report_tables` adds them to a :class:`~evplan.results.Result` before it is
written, so ``evplan report RUN_FOLDER`` can work from the folder alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evplan.data.duties import resolve_countervailing, resolve_duty_positions
from evplan.data.network import NetworkData
from evplan.model.trade import quota_share
from evplan.results.result import Result

__all__ = ["REPORT_TABLES", "duty_schedule", "network_sites", "with_report_tables"]

REPORT_TABLES = ("duty_schedule", "network_sites")


def _lanes(data: NetworkData) -> pd.DataFrame:
    """Cross-border (origin country, market) pairs of routes and duty rows."""
    plants = data.plants[["plant", "country"]].rename(columns={"country": "origin"})
    markets = data.markets[["market", "country"]].rename(columns={"country": "market_country"})
    routes = data["routes"][["plant", "market"]].merge(plants, on="plant")[["origin", "market"]]
    duty_pairs = data["duties"][["origin", "market"]]
    lanes = pd.concat([routes, duty_pairs], ignore_index=True).drop_duplicates()
    lanes = lanes.merge(markets, on="market", how="left")
    lanes = lanes[lanes["origin"] != lanes["market_country"]]
    return lanes[["origin", "market"]].sort_values(["origin", "market"]).reset_index(drop=True)


def duty_schedule(data: NetworkData) -> pd.DataFrame:
    """Return the duty of every cross-border lane, powertrain, maker and year.

    Examples
    --------
    >>> from evplan.examples import single_lane
    >>> row = duty_schedule(single_lane()).iloc[0]
    >>> row["origin"], row["market"], int(row["year"])
    ('AA', 'M1', 2025)
    """
    lanes = _lanes(data)
    programs = data.programs[["powertrain", "maker"]].drop_duplicates()
    keys = lanes.merge(programs, how="cross").merge(
        pd.DataFrame({"year": data.years}), how="cross")
    keys = keys.sort_values(["origin", "market", "powertrain", "maker", "year"]).reset_index(
        drop=True)
    # Resolved by position: a scenario's from_year splits a duty row in two that share
    # the spreadsheet row (and maybe not the source), so the row number is no key.
    duties = data["duties"].reset_index(drop=True)
    resolved, position = resolve_duty_positions(keys, duties, data.years)
    found = position >= 0
    default_rate = data.scenario.default_duty_rate
    ad_valorem = resolved["ad_valorem_rate"].astype(float)
    if default_rate is not None:
        ad_valorem = ad_valorem.where(resolved["matched"], default_rate)
    cvd = resolve_countervailing(keys, data["countervailing_duties"], data.years)
    schedule = keys.copy()
    schedule["ad_valorem_rate"] = ad_valorem.to_numpy()
    schedule["cvd_rate"] = cvd.to_numpy(dtype=float)
    schedule["total_rate"] = schedule["ad_valorem_rate"] + schedule["cvd_rate"]
    for column in ("specific_usd_per_vehicle", "minimum_usd_per_vehicle",
                   "quota_vehicles_per_year", "in_quota_rate"):
        schedule[column] = resolved[column].astype(float).to_numpy()
    # The model gives the maker its share of the national quota (quota_shares.csv): Canada's
    # 49,000 EVs of 2026 are 4,900 at a share of 0.1. Both are shown, each named for what it is.
    groups = pd.Series(np.full(len(position), "", dtype=object))
    groups[found] = duties["quota_group"].fillna("").astype(str).to_numpy(dtype=object)[
        position[found]]
    share = np.where(np.isnan(schedule["quota_vehicles_per_year"].to_numpy(float)), np.nan,
                     quota_share(data, groups))
    schedule["quota_share"] = share
    schedule["maker_quota_vehicles_per_year"] = schedule["quota_vehicles_per_year"] * share
    row_numbers = np.zeros(len(position), dtype=np.int64)
    row_numbers[found] = duties["row"].to_numpy(dtype=np.int64)[position[found]]
    schedule["duty_row"] = pd.arrays.IntegerArray(row_numbers, ~found)  # <NA>: no duty row
    unmatched = "default_duty_rate" if default_rate is not None else "no duty row"
    source = np.full(len(position), unmatched, dtype=object)
    source[found] = duties["source"].fillna("").astype(str).to_numpy(dtype=object)[
        position[found]]
    schedule["source"] = source
    return schedule.reset_index(drop=True)


def network_sites(data: NetworkData) -> pd.DataFrame:
    """Return plants and markets: ``site``, ``kind``, ``name``, ``country``, ``capacity``."""
    plants = data.plants.assign(kind="plant").rename(columns={"plant": "site"})
    plants["capacity_vehicles_per_year"] = plants["capacity_vehicles_per_year"].astype(float)
    markets = data.markets.assign(kind="market").rename(columns={"market": "site"})
    markets["capacity_vehicles_per_year"] = np.nan
    columns = ["site", "kind", "name", "country", "capacity_vehicles_per_year"]
    return pd.concat([plants[columns], markets[columns]], ignore_index=True)


def with_report_tables(result: Result, data: NetworkData) -> Result:
    """Return ``result`` with ``duty_schedule`` and ``network_sites`` added to its tables."""
    tables = dict(result.tables) | {"duty_schedule": duty_schedule(data),
                                    "network_sites": network_sites(data)}
    return Result(status=result.status, objective_usd=result.objective_usd, tables=tables,
                  kpis=result.kpis, scenario=result.scenario, metadata=result.metadata)
