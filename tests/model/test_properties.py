"""Property-based: generated export networks, evplan against an independent scipy LP.

Hypothesis builds small networks with every mechanism the model has (time-varying and
powertrain rows, '*' rows, CVDs by maker and powertrain with wildcards, minimum and
specific duties, CIF/FOB, quota groups, non-zero in-quota rates, lane capacities, plant
minimums and years, hard and penalised commitments -- some impossible --, domestic
lanes, discounting, fixed costs, a default duty rate). For each, evplan and the oracle of
tests/model/oracle.py must agree on infeasibility or on the optimal objective, and the
oracle's own rows must find evplan's plan feasible with that objective. The runs are
derandomized, so CI sees the same networks every time.
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import evplan
from evplan.data import validate_tables

from .oracle import oracle_check, oracle_objective

EXAMPLES = int(os.environ.get("EVPLAN_PROPERTY_EXAMPLES", "210"))
COUNTRIES = ("AA", "BB", "CC")
POWERTRAINS = ("BEV", "PHEV", "HEV", "ICE")
FIRST_YEAR = 2030


def _span(draw: Any, years: list[int]) -> dict[str, Any]:
    """A year range inside the horizon: open, from a year, to a year, or between two."""
    kind = draw(st.sampled_from(["open", "open", "from", "to", "between"]))
    first, last = sorted(draw(st.lists(st.sampled_from(years), min_size=2, max_size=2)))
    if kind == "from":
        return {"first_year": first}
    if kind == "to":
        return {"last_year": last}
    if kind == "between":
        return {"first_year": first, "last_year": last}
    return {}


def _duty(draw: Any, origin: str, market: str, powertrain: str, quota: float | None,
          group: str, **years: Any) -> dict[str, Any]:
    rate = draw(st.sampled_from([0.0, 0.1, 0.25, 0.5, 1.0]))
    row = {"origin": origin, "market": market, "powertrain": powertrain, **years,
           "ad_valorem_rate": rate,
           "minimum_usd_per_vehicle": draw(st.sampled_from([0.0, 0.0, 3_000.0])),
           "specific_usd_per_vehicle": draw(st.sampled_from([0.0, 0.0, 300.0]))}
    if quota is not None and rate > 0 and draw(st.booleans()):
        row["quota_vehicles_per_year"] = quota
        row["in_quota_rate"] = draw(st.sampled_from([0.0, rate / 2]))
        row["quota_group"] = group if draw(st.booleans()) else ""
    return row


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=str) for column in columns})


EMPTY = {"plant_programs": ["plant", "program", "variable_cost_usd_per_vehicle"],
         "routes": ["plant", "market", "freight_usd_per_vehicle"],
         "demand": ["market", "year", "product", "tier", "volume_vehicles",
                    "price_usd_per_vehicle"]}


@st.composite
def networks(draw: Any) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Tables and scenario of one small valid network."""
    years = list(range(FIRST_YEAR, FIRST_YEAR + draw(st.integers(1, 3))))
    plants = [{"plant": f"P{i}", "country": draw(st.sampled_from(COUNTRIES)),
               "capacity_vehicles_per_year": draw(st.sampled_from([150.0, 400.0, 900.0])),
               "fixed_cost_usd_per_year": draw(st.sampled_from([0.0, 2e5, 1e6])),
               "min_utilisation": draw(st.sampled_from([0.0] * 6 + [0.1, 0.4, 0.8])),
               **_span(draw, years)}
              for i in range(draw(st.integers(1, 3)))]
    programs = [{"program": f"V{i}", "powertrain": draw(st.sampled_from(POWERTRAINS)),
                 "segment": draw(st.sampled_from(["S1", "S2"])),
                 "maker": draw(st.sampled_from(["MA", "MB"]))}
                for i in range(draw(st.integers(1, 3)))]
    plant_programs = [{"plant": plant["plant"], "program": program["program"],
                       "variable_cost_usd_per_vehicle": draw(st.sampled_from(
                           [8_000.0, 10_000.0, 14_000.0]))}
                      for plant in plants for program in programs if draw(st.integers(0, 9)) < 7]
    markets = [{"market": f"M{i}", "country": draw(st.sampled_from(COUNTRIES)),
                "customs_basis": draw(st.sampled_from(["CIF", "FOB"]))}
               for i in range(draw(st.integers(1, 3)))]
    routes = [{"plant": plant["plant"], "market": market["market"],
               "freight_usd_per_vehicle": draw(st.sampled_from([300.0, 1_000.0, 2_500.0])),
               "capacity_vehicles_per_year": draw(st.sampled_from([None, None, 100.0, 300.0])),
               **_span(draw, years)}
              for plant in plants for market in markets if draw(st.integers(0, 9)) < 7]
    demand = []
    for market in markets:
        for year in years:
            level = draw(st.sampled_from(["program", "program", "segment", "powertrain", "none"]))
            if level == "none":
                continue
            for product in sorted({program[level] for program in programs}):
                if draw(st.integers(0, 9)) >= 8:
                    continue
                price = draw(st.sampled_from([15_000.0, 20_000.0, 26_000.0, 32_000.0]))
                for tier in range(1, draw(st.integers(1, 2)) + 1):
                    demand.append({"market": market["market"], "year": year,
                                   "product": product, "tier": tier,
                                   "volume_vehicles": draw(st.sampled_from([50.0, 200.0, 600.0])),
                                   "price_usd_per_vehicle": price - (tier - 1) * draw(
                                       st.sampled_from([2_000.0, 6_000.0]))})
    default_rate = draw(st.sampled_from([None, None, 0.05]))
    duties = []
    for market in markets:
        quota = draw(st.sampled_from([50.0, 150.0]))
        group = f"G-{market['market']}"
        for origin in COUNTRIES:
            if origin == market["country"] or (default_rate is not None
                                               and draw(st.integers(0, 9)) < 3):
                continue
            cut = draw(st.sampled_from(years))
            if cut == years[0]:
                duties.append(_duty(draw, origin, market["market"], "*", quota, group))
            else:
                duties.append(_duty(draw, origin, market["market"], "*", quota, group,
                                    last_year=cut - 1))
                duties.append(_duty(draw, origin, market["market"], "*", quota, group,
                                    first_year=cut))
            for powertrain in draw(st.lists(st.sampled_from(POWERTRAINS), max_size=2,
                                            unique=True)):
                duties.append(_duty(draw, origin, market["market"], powertrain, quota, group,
                                    **_span(draw, years)))
    if not duties:  # the table is required; a row for an origin no plant has is harmless
        duties.append({"origin": "ZZ", "market": markets[0]["market"], "powertrain": "*",
                       "ad_valorem_rate": 0.0})
    cvd_keys = draw(st.lists(st.tuples(st.sampled_from(COUNTRIES),
                                       st.sampled_from([m["market"] for m in markets]),
                                       st.sampled_from(["*", *POWERTRAINS]),
                                       st.sampled_from(["*", "MA", "MB"])),
                             max_size=3, unique=True))
    countervailing = [{"origin": origin, "market": market, "powertrain": powertrain,
                       "maker": maker, "cvd_rate": draw(st.sampled_from([0.1, 0.2, 0.35])),
                       **_span(draw, years)}
                      for origin, market, powertrain, maker in cvd_keys]
    products = sorted({program["program"] for program in programs}
                      | {program["segment"] for program in programs})
    committed_keys = draw(st.lists(st.tuples(st.sampled_from([m["market"] for m in markets]),
                                             st.sampled_from(years), st.sampled_from(products)),
                                   max_size=draw(st.sampled_from([0, 1, 1, 2])), unique=True))
    committed = [{"market": market, "year": year, "product": product,
                  "min_vehicles": draw(st.sampled_from([20.0, 50.0, 100.0, 400.0, 5_000.0]))}
                 for market, year, product in committed_keys]
    tables = {"plants": plants, "programs": programs, "plant_programs": plant_programs,
              "markets": markets, "routes": routes, "demand": demand, "duties": duties,
              "countervailing_duties": countervailing, "committed_sales": committed}
    frames = {name: pd.DataFrame(rows) if rows else _empty(EMPTY[name])
              for name, rows in tables.items() if rows or name in EMPTY}
    scenario = {"name": "generated", "first_year": years[0], "last_year": years[-1],
                "discount_rate": draw(st.sampled_from([0.0, 0.05, 0.1])),
                "transfer_price_markup": draw(st.sampled_from([0.0, 0.1])),
                "default_duty_rate": default_rate,
                "unmet_committed_penalty_usd_per_vehicle": draw(st.sampled_from(
                    [None, None, 5_000.0, 100_000.0]))}
    return frames, scenario


@pytest.mark.slow
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(networks())
def test_generated_networks_match_the_independent_lp(
        network: tuple[dict[str, pd.DataFrame], dict[str, Any]]) -> None:
    frames, scenario = network
    data = validate_tables(frames, scenario)
    expected = oracle_objective(data)
    try:
        result = evplan.optimize(data)
    except evplan.InfeasibleError as error:
        event("infeasible")
        assert expected is None, f"evplan says infeasible ({error}), the oracle finds {expected}"
        return
    event("optimal")
    assert expected is not None, "evplan found a plan for a model the oracle finds infeasible"
    assert result.status == "optimal"
    assert result.objective_usd == pytest.approx(expected, rel=1e-6, abs=1e-3)
    assert oracle_check(data, result) == []
