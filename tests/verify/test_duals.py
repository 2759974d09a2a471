"""The reported shadow prices obey the conditions every correct dual meets (family ``duals``).

Before, nothing checked ``capacity_shadow_price_usd_per_vehicle``,
``shadow_price_usd_per_vehicle`` or the compliance shadow prices: a flipped sign, a price
on a slack plant or a dual of another row was returned as it was. Here: hand cases whose
duals are unique and known; random networks whose duals evplan reports must equal scipy's
(HiGHS) marginals wherever those are unique on the optimal dual face; and single-cell
alterations of certified results, each of which the certificate must refuse.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

import evplan
from evplan.data import validate_tables
from evplan.examples import china_export, random_network, single_lane
from evplan.verify.duals import dual_problems
from tests.model.oracle import oracle_lp
from tests.verify.spy import certify_arguments

CAPACITY = "capacity_shadow_price_usd_per_vehicle"
TIER = "shadow_price_usd_per_vehicle"


def _two_plants() -> evplan.NetworkData:
    """P1 builds V1 at 10,000, P2 at 12,000, 400 each; freight 1,000; 600 sell at 20,000."""
    base = single_lane(capacity=400)
    tables = {name: frame.drop(columns="row") for name, frame in base.tables.items()}
    for name in ("plants", "plant_programs", "routes"):
        tables[name] = pd.concat([tables[name], tables[name].assign(plant="P2")],
                                 ignore_index=True)
    tables["plant_programs"].loc[1, "variable_cost_usd_per_vehicle"] = 12_000.0
    return validate_tables(tables, base.scenario)


# ---------------------------------------------------------------- hand-solvable cases


def test_a_plant_at_capacity_is_worth_its_margin() -> None:
    # 500 built of 600 wanted: one more vehicle of capacity earns 20,000 - 11,000 = 9,000;
    # the tier sells 500 of 600, so its demand is worth 0.
    result = evplan.optimize(single_lane(capacity=500))
    assert result["utilisation"][CAPACITY].iloc[0] == pytest.approx(9_000)
    assert result["demand_shadow_prices"][TIER].iloc[0] == pytest.approx(0, abs=1e-9)
    assert dual_problems(single_lane(capacity=500), result.tables) == []


def test_a_sold_out_tier_is_worth_the_margin_and_the_plant_nothing() -> None:
    result = evplan.optimize(single_lane(capacity=1_000))
    assert result["demand_shadow_prices"][TIER].iloc[0] == pytest.approx(9_000)
    assert result["utilisation"][CAPACITY].iloc[0] == pytest.approx(0, abs=1e-9)


def test_two_plants_price_the_cost_difference() -> None:
    # P1 (cheaper) is full at 400, P2 ships the other 200 and has slack: the tier is worth
    # what P2 earns on its last vehicle, 20,000 - 13,000 = 7,000, and P1's capacity the
    # 2,000 it saves over P2. Both duals are unique (P2's flow and slack fix them).
    data = _two_plants()
    result = evplan.optimize(data)
    capacity = result["utilisation"].set_index("plant")[CAPACITY]
    assert capacity["P1"] == pytest.approx(2_000)
    assert capacity["P2"] == pytest.approx(0, abs=1e-9)
    assert result["demand_shadow_prices"][TIER].iloc[0] == pytest.approx(7_000)
    assert dual_problems(data, result.tables) == []


def _with(result: evplan.Result, table: str, column: str, row: int, value: float
          ) -> dict[str, pd.DataFrame]:
    frame = result.tables[table].copy()
    frame.iloc[row, frame.columns.get_loc(column)] = value
    return {**result.tables, table: frame}


def test_the_hand_cases_altered_are_named() -> None:
    data = _two_plants()
    result = evplan.optimize(data)
    # zero P1's binding price: P1's used flow then has reduced cost 2,000
    problems = dual_problems(data, _with(result, "utilisation", CAPACITY, 0, 0.0))
    assert problems == [
        "utilisation: capacity_shadow_price_usd_per_vehicle of P1/2025 is 0; shipment "
        "P1/V1/M1/2025 carries 400 vehicles and is in no row but its plant's capacity and "
        "its balance; they sell in tier V1/1 at 20,000 less a tier price of 7,000 and cost "
        "11,000 each, so its reduced cost is 0 only with a capacity price of 2,000."]
    # a price on the slack plant
    problems = dual_problems(data, _with(result, "utilisation", CAPACITY, 1, 500.0))
    assert problems[0] == (
        "utilisation: capacity_shadow_price_usd_per_vehicle of P2/2025 is 500; the "
        "plant-year builds 200 of its 400 vehicles, so one more unit of capacity is worth 0.")
    # a flipped sign
    problems = dual_problems(data, _with(result, "demand_shadow_prices", TIER, 0, -7_000.0))
    assert problems[0] == (
        "demand_shadow_prices: shadow_price_usd_per_vehicle of M1/2025/V1/1 is -7,000; a "
        "shadow price of this row is >= 0 (one more unit never lowers the optimal margin).")
    # a price on a tier that is not sold out
    slack = single_lane(capacity=500)
    slack_result = evplan.optimize(slack)
    problems = dual_problems(slack, _with(slack_result, "demand_shadow_prices", TIER, 0, 10.0))
    assert problems[0].startswith("demand_shadow_prices: shadow_price_usd_per_vehicle of "
                                  "M1/2025/V1/1 is 10; the tier sells 500 of its 600")


def test_a_plant_year_without_flows_may_report_no_dual() -> None:
    # P2 has no route: its capacity row has no variables, the model drops it, and its
    # price is NaN; a NaN on a plant-year with flows is refused.
    base = single_lane(capacity=500)
    tables = {name: frame.drop(columns="row") for name, frame in base.tables.items()}
    for name in ("plants", "plant_programs"):
        tables[name] = pd.concat([tables[name], tables[name].assign(plant="P2")],
                                 ignore_index=True)
    data = validate_tables(tables, base.scenario)
    result = evplan.optimize(data)
    assert np.isnan(result["utilisation"].set_index("plant")[CAPACITY]["P2"])
    assert dual_problems(data, result.tables) == []
    problems = dual_problems(data, _with(result, "utilisation", CAPACITY, 0, np.nan))
    assert problems[0] == ("utilisation: capacity_shadow_price_usd_per_vehicle of P1/2025 "
                           "is NaN; the row exists in the model, so it has a finite dual.")


# ------------------------------------------------------------ independent scipy oracle


def _unique_marginals(data: evplan.NetworkData) -> dict[str, float]:
    """The oracle's capacity and tier duals, undiscounted, where the optimal dual face
    fixes them (min = max over the face); keyed ``capacity P y`` / ``tier position``."""
    lp = oracle_lp(data)
    dense = lp.dense()
    primal = linprog(**dense, bounds=(0, None), method="highs")
    assert primal.status == 0, primal.message
    a_ub, b_ub, a_eq, b_eq = dense["A_ub"], dense["b_ub"], dense["A_eq"], dense["b_eq"]
    m_ub = 0 if a_ub is None else len(b_ub)
    m_eq = 0 if a_eq is None else len(b_eq)
    # dual of min c'w, A_ub w <= b_ub, A_eq w = b_eq, w >= 0: max b'y, A'y <= c, y_ub <= 0
    a_t = np.hstack([m for m in (None if a_ub is None else a_ub.T,
                                 None if a_eq is None else a_eq.T) if m is not None])
    b = np.concatenate([b for b in (b_ub, b_eq) if b is not None])
    slack = 1e-9 * max(1.0, abs(primal.fun))
    face_a = np.vstack([a_t, -b])
    face_b = np.concatenate([dense["c"], [-primal.fun + slack]])
    bounds = [(None, 0.0)] * m_ub + [(None, None)] * m_eq
    first = data.scenario.first_year
    rate = data.scenario.discount_rate
    out = {}
    for position, (_, _, name) in enumerate(lp.upper):
        if not name.startswith(("capacity ", "tier ")):
            continue
        year = int(name.split()[-1]) if name.startswith("capacity") else int(
            data["demand"].loc[int(name.split()[1]), "year"])
        ends = []
        for sign in (1.0, -1.0):
            objective = np.zeros(m_ub + m_eq)
            objective[position] = sign
            found = linprog(objective, A_ub=face_a, b_ub=face_b, bounds=bounds,
                            method="highs")
            ends.append(sign * found.fun if found.status == 0 else np.nan)
        low, high = ends
        if np.isfinite(low) and np.isfinite(high) and high - low <= 1e-6 * max(1.0, abs(low)):
            out[name] = -0.5 * (low + high) * (1 + rate) ** (year - first)
    return out


SEEDS = [(seed, features) for seed in range(8) for features in (True, False)]


@pytest.mark.parametrize(("seed", "features"), SEEDS)
def test_reported_duals_equal_the_oracles_where_unique(seed: int, features: bool) -> None:
    data = random_network(seed, plants=2 + seed % 3, programs=2, markets=2 + seed % 2,
                          years=1 + seed % 2, tiers=1 + seed % 3, features=features)
    result = evplan.optimize(data)
    assert result.status == "optimal"
    assert dual_problems(data, result.tables) == []
    unique = _unique_marginals(data)
    demand = data["demand"]
    tiers = result["demand_shadow_prices"]
    reported = {}
    for _, row in result["utilisation"].iterrows():
        reported[f"capacity {row['plant']} {int(row['year'])}"] = row[CAPACITY]
    for position, pool in demand.iterrows():
        match = tiers[(tiers["market"] == pool["market"]) & (tiers["year"] == pool["year"])
                      & (tiers["product"] == pool["product"]) & (tiers["tier"] == pool["tier"])]
        reported[f"tier {position}"] = float(match[TIER].iloc[0])
    compared = 0
    for name, expected in unique.items():
        assert reported[name] == pytest.approx(expected, rel=1e-6, abs=1e-3), name
        compared += 1
    assert compared > 0  # every network has rows whose dual is unique


# ------------------------------------------------------------ altered certified results


@pytest.fixture(scope="module")
def default() -> tuple[evplan.NetworkData, evplan.Result]:
    data = china_export()
    return data, evplan.optimize(data)


def test_the_default_scenarios_duals_pass(default: tuple) -> None:
    data, result = default
    assert dual_problems(data, result.tables) == []


def _fleet_pinned(frame: pd.DataFrame, row: int) -> bool:
    """Whether the tables fix a fleet row's price: it shares its group's row with other
    years, or the group pays a premium or pools."""
    group = frame["averaging_group"].fillna("").iloc[row]
    return bool(group) or (frame["group_excess_g_km_vehicles"].iloc[row]
                           + frame["group_pooled_g_km_vehicles"].iloc[row]) > 1.0


def _alterations(result: evplan.Result) -> list[tuple[str, dict[str, pd.DataFrame]]]:
    """Single-cell (and two whole-column) alterations every correct dual rules out."""
    tables = result.tables
    cases: list[tuple[str, dict[str, pd.DataFrame]]] = []
    util = tables["utilisation"]
    binding = np.flatnonzero(util[CAPACITY].to_numpy() > 1.0)
    slack = np.flatnonzero(util["utilisation"].to_numpy() < 0.999)
    for row in binding:
        cases.append((f"capacity sign {row}",
                      _with(result, "utilisation", CAPACITY, row, -util[CAPACITY].iloc[row])))
    for row in slack[:: max(1, len(slack) // 20)]:
        cases.append((f"capacity on slack {row}", _with(result, "utilisation", CAPACITY, row,
                                                        250.0)))
    tiers = tables["demand_shadow_prices"]
    priced = np.flatnonzero(tiers[TIER].to_numpy() > 1.0)
    open_tiers = np.flatnonzero(tiers["sales_vehicles"].to_numpy()
                                < 0.999 * tiers["volume_vehicles"].to_numpy())
    for row in priced[:: max(1, len(priced) // 20)]:
        cases.append((f"tier sign {row}",
                      _with(result, "demand_shadow_prices", TIER, row, -tiers[TIER].iloc[row])))
    for row in open_tiers[:: max(1, len(open_tiers) // 20)]:
        cases.append((f"tier on open {row}", _with(result, "demand_shadow_prices", TIER, row,
                                                   250.0)))
    rolled = util.copy()
    rolled[CAPACITY] = np.roll(rolled[CAPACITY].to_numpy(), 1)
    cases.append(("capacity of another row", {**tables, "utilisation": rolled}))
    discounted = tiers.copy()
    discounted[TIER] = discounted[TIER] / 1.08 ** (discounted["year"] - 2022)
    cases.append(("tier prices discounted", {**tables, "demand_shadow_prices": discounted}))
    for table, column in (("zev_compliance", "shadow_price_usd_per_credit"),
                          ("production_credit_compliance", "shadow_price_usd_per_credit"),
                          ("fleet_compliance", "shadow_price_usd_per_g_km_vehicle")):
        frame = tables[table]
        for row in range(len(frame)):
            value = float(frame[column].iloc[row])
            cases.append((f"{table} sign {row}", _with(result, table, column, row, -value)))
            if table == "fleet_compliance" and not _fleet_pinned(frame, row):
                continue  # a binding target of its own, paying nothing: any price up to
                # the pooling price is a correct dual as far as these tables tell
            cases.append((f"{table} x 1.5 {row}", _with(result, table, column, row,
                                                        1.5 * value + 1.0)))
    years = tables["co2_by_year"]
    cases.append(("cap price without a cap",
                  _with(result, "co2_by_year", "cap_shadow_price_usd_per_t", 0, 10.0)))
    assert len(years)
    return cases


def test_every_alteration_of_the_default_scenario_is_caught(default: tuple) -> None:
    data, result = default
    cases = _alterations(result)
    missed = [name for name, tables in cases if not dual_problems(data, tables)]
    assert len(cases) > 60
    assert missed == []


def test_zeroing_a_binding_price_is_caught_where_the_dual_is_fixed(default: tuple) -> None:
    """A binding tier price set to 0: caught wherever the balance holds another sale with
    vehicles or a flow the 'used flow' rule covers (there the dual is pinned)."""
    data, result = default
    tiers = result.tables["demand_shadow_prices"]
    sales = result.tables["sales"]
    used = sales[sales["sales_vehicles"] > 1.0]
    per_balance = used.groupby(["program", "market", "year"]).size()
    shared = used.join(per_balance.rename("sales_there"), on=["program", "market", "year"])
    shared = shared[shared["sales_there"] > 1]
    keys = ["market", "year", "product", "tier"]
    rows = tiers.reset_index().merge(shared[keys].drop_duplicates(), on=keys)["index"]
    rows = rows[tiers[TIER].to_numpy()[rows.to_numpy()] > 1.0].to_numpy()[:30]
    assert len(rows) >= 10
    caught = sum(bool(dual_problems(data, _with(result, "demand_shadow_prices", TIER, row,
                                                0.0))) for row in rows)
    assert caught == len(rows)


def test_the_certificate_refuses_an_altered_dual(default: tuple) -> None:
    """Through :func:`evplan.verify.certify`, as every solver path calls it."""
    data, _ = default
    real, (data_, result, m, run, index) = certify_arguments(data)
    utilisation = result.tables["utilisation"].copy()
    row = int(np.flatnonzero(utilisation[CAPACITY].to_numpy() > 1.0)[0])
    utilisation.iloc[row, utilisation.columns.get_loc(CAPACITY)] *= -1
    with pytest.raises(evplan.VerificationError,
                       match="duals: utilisation: capacity_shadow_price_usd_per_vehicle of "):
        real(data_, replace(result, tables={**result.tables, "utilisation": utilisation}),
             m, run, index)
