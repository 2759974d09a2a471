"""The compliance prices :mod:`evplan.verify.duals` checks: the carbon cap's, and the ZEV,
production and fleet credits' against the purchase, sale, premium and penalty prices of
their input rows (the conditions are listed in that module's docstring)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.verify.duals_common import (
    CAP,
    CREDIT,
    FLEET,
    RELATIVE,
    SIZE,
    Label,
    Lines,
    binds,
    floats,
    key_values,
    nonnegative,
)

__all__ = ["cap_prices", "fleet_prices", "production_credit_prices", "zev_prices"]


def cap_prices(lines: Lines, years: pd.DataFrame, tolerance: float) -> None:
    if CAP not in years:
        return
    price = floats(years, CAP)
    cap = floats(years, "cap_t_co2")
    counted = floats(years, "counted_t_co2")
    keys = Label(years, ["year"])
    nonnegative(lines, "co2_by_year", keys, CAP, price, tolerance, np.isnan(cap))
    lines.add("co2_by_year", keys, CAP, price, np.isnan(cap) & ~np.isnan(price),
              lambda _: "the year has no cap, so no cap price (NaN)")
    lines.add("co2_by_year", keys, CAP, price,
              ~np.isnan(cap) & ~binds(counted, cap) & (price > tolerance),
              lambda i: f"the year counts {counted[i]:,.6g} t against a cap of "
                        f"{cap[i]:,.6g} t, so one more tonne of cap is worth 0")


def _inputs(data: NetworkData, name: str, table: pd.DataFrame, keys: list[str],
            columns: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The input table's ``columns`` for each row of ``table`` (NaN where none)."""
    rows = data[name]
    where: dict[tuple[Any, ...], int] = {}
    for position, key in enumerate(zip(*(key_values(rows[k], k) for k in keys),
                                       strict=True)):
        where.setdefault(key, position)  # the first row of a key (a compliance table's
    at = np.array([where.get(key, -1) for key in zip(  # rows are market- or country-years)
        *(key_values(table[k], k) for k in keys), strict=True)], dtype=np.int64)
    return {column: np.where(at >= 0, floats(rows, column)[np.maximum(at, 0)], np.nan)
            if column in rows and len(rows) else np.full(len(table), np.nan)
            for column in columns}


def _saying(template: str, values: np.ndarray) -> Callable[[int], str]:
    """``template`` with the row's value in place of ``{}``."""
    return lambda i: template.format(f"{values[i]:,.6g}")


def _prices(lines: Lines, table: str, keys: Label, column: str, price: np.ndarray,
            tolerance: float, below: list[tuple[np.ndarray, str]],
            above: list[tuple[np.ndarray, str]],
            equal: list[tuple[np.ndarray, np.ndarray, str]]) -> None:
    """A credit price's dual-feasibility bounds (a column that may be bought below its
    price, sold above it) and the equalities of the trades the plan makes."""
    for bound, what in below:
        step = tolerance + SIZE * np.abs(bound)
        lines.add(table, keys, column, price, ~np.isnan(bound) & (price > bound + step),
                  _saying(f"a unit can be had at the {what} of {{}}, so it is worth no more",
                          bound))
    for bound, what in above:
        step = tolerance + SIZE * np.abs(bound)
        lines.add(table, keys, column, price, ~np.isnan(bound) & (price < bound - step),
                  _saying(f"a unit can be sold at the {what} of {{}}, so it is worth at least "
                          "that", bound))
    for used, target, what in equal:
        step = tolerance + SIZE * np.abs(target)
        lines.add(table, keys, column, price,
                  used & ~np.isnan(target) & ~(np.abs(price - target) <= step),
                  _saying(f"the plan {what}, so the price is {{}}", target))


def production_credit_prices(lines: Lines, data: NetworkData, table: pd.DataFrame,
                        tolerance: float) -> None:
    price = floats(table, CREDIT)
    keys = Label(table, ["country", "year"])
    nonnegative(lines, "production_credit_compliance", keys, CREDIT, price, tolerance,
                 np.zeros(len(table), dtype=bool))
    inputs = _inputs(data, "production_credits", table, ["country", "year"],
                     ("credit_price_usd", "credit_sale_price_usd"))
    bought, sold = floats(table, "credits_bought"), floats(table, "credits_sold")
    earned, required = floats(table, "credits_earned"), floats(table, "credits_required")
    size = np.maximum.reduce([np.ones(len(table)), earned, required, bought, sold])
    _prices(lines, "production_credit_compliance", keys, CREDIT, price, tolerance,
            [(inputs["credit_price_usd"], "credit price")],
            [(inputs["credit_sale_price_usd"], "credit sale price")],
            [(bought > RELATIVE * size, inputs["credit_price_usd"], "buys credits"),
             (sold > RELATIVE * size, inputs["credit_sale_price_usd"], "sells credits")])
    surplus = earned - required + bought - sold
    lines.add("production_credit_compliance", keys, CREDIT, price,
              (surplus > RELATIVE * size) & (price > tolerance),
              lambda i: f"the country-year holds {surplus[i]:,.6g} credits beyond its "
                        "requirement, so one more credit is worth 0")


def zev_prices(lines: Lines, data: NetworkData, table: pd.DataFrame, tolerance: float) -> None:
    price = floats(table, CREDIT)
    keys = Label(table, ["market", "year"])
    nonnegative(lines, "zev_compliance", keys, CREDIT, price, tolerance,
                 np.zeros(len(table), dtype=bool))
    inputs = _inputs(data, "zev_mandates", table, ["market", "year"],
                     ("credit_price_usd", "credit_sale_price_usd", "penalty_usd_per_vehicle"))
    sold = floats(table, "credits_sold")
    size = np.maximum(1.0, floats(table, "credits_required"))
    _prices(lines, "zev_compliance", keys, CREDIT, price, tolerance,
            [(inputs["credit_price_usd"], "credit price"),
             (inputs["penalty_usd_per_vehicle"], "penalty per missing credit")],
            [(inputs["credit_sale_price_usd"], "credit sale price")],
            [(sold > RELATIVE * size, inputs["credit_sale_price_usd"], "sells credits")])
    borrow = "borrow_shadow_price_usd_per_credit"
    if borrow in table:
        limit_price = floats(table, borrow)
        nonnegative(lines, "zev_compliance", keys, borrow, limit_price, tolerance,
                    np.zeros(len(table), dtype=bool))
        share = _inputs(data, "zev_mandates", table, ["market", "year"], ("borrow_share",))
        limit = share["borrow_share"] * floats(table, "credits_required")
        owed = floats(table, "credits_owed")
        lines.add("zev_compliance", keys, borrow, limit_price,
                  ~binds(owed, limit) & (limit_price > tolerance),
                  lambda i: f"it owes {owed[i]:,.6g} credits against a borrowing limit of "
                            f"{limit[i]:,.6g}, so more borrowing room is worth 0")


def fleet_prices(lines: Lines, data: NetworkData, table: pd.DataFrame, tolerance: float) -> None:
    price = floats(table, FLEET)
    keys = Label(table, ["market", "year"])
    nonnegative(lines, "fleet_compliance", keys, FLEET, price, tolerance,
                 np.zeros(len(table), dtype=bool))
    group = table["averaging_group"].fillna("").to_numpy(dtype=object)
    market = key_values(table["market"], "market")
    year = table["year"].to_numpy(dtype=object)
    code, _ = pd.factorize(np.array(  # a row of its own per market-year, or its group's
        [f"{m}\x00group {g}" if g else f"{m}\x00year {y}"
         for m, g, y in zip(market, group, year, strict=True)], dtype=object))
    size = int(code.max()) + 1 if len(code) else 0
    inputs = _inputs(data, "fleet_targets", table, ["market", "year"],
                     ("premium_usd_per_g_km", "pool_price_usd_per_g_km", "target_g_per_km"))

    def by_group(values: np.ndarray, reduce: np.ufunc, start: float) -> np.ndarray:
        out = np.full(size, start)
        reduce.at(out, code, values)
        return out[code]

    first = np.full(size, -1, dtype=np.int64)
    first[code[::-1]] = np.arange(len(code))[::-1]
    lines.add("fleet_compliance", keys, FLEET, price,
              ~(np.abs(price - price[first[code]]) <= tolerance + SIZE * np.abs(price)),
              lambda i: f"its averaging group is one fleet-target row, priced "
                        f"{price[first[code]][i]:,.6g} on the group's first row")
    premium, pool = inputs["premium_usd_per_g_km"], inputs["pool_price_usd_per_g_km"]
    one_premium = by_group(premium, np.maximum, -np.inf) == by_group(premium, np.minimum,
                                                                      np.inf)
    one_pool = by_group(np.nan_to_num(pool, nan=-1.0), np.maximum, -np.inf) == by_group(
        np.nan_to_num(pool, nan=-1.0), np.minimum, np.inf)
    excess = by_group(floats(table, "group_excess_g_km_vehicles"), np.add, 0.0)
    pooled = by_group(floats(table, "group_pooled_g_km_vehicles"), np.add, 0.0)
    balance = by_group(floats(table, "balance_g_km_vehicles"), np.add, 0.0)
    scale = np.maximum(1.0, by_group(floats(table, "vehicles") * np.nan_to_num(
        inputs["target_g_per_km"]), np.add, 0.0))
    _prices(lines, "fleet_compliance", keys, FLEET, price, tolerance,
            [(by_group(premium, np.maximum, -np.inf), "premium per g/km x vehicle"),
             (np.where(np.isnan(pool), np.nan, by_group(np.nan_to_num(pool, nan=-np.inf),
                                                         np.maximum, -np.inf)),
              "pooling price")],
            [],
            [(one_premium & (excess > RELATIVE * scale), premium, "pays the premium"),
             (one_pool & (pooled > RELATIVE * scale), pool, "pools")])
    slack = balance - excess - pooled < -RELATIVE * scale
    lines.add("fleet_compliance", keys, FLEET, price, slack & (price > tolerance),
              lambda i: f"its group is {-(balance[i] - excess[i] - pooled[i]):,.6g} g/km x "
                        "vehicles under its targets, so one more unit of allowance is worth 0")
