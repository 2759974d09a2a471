"""Strategic MILPs small enough to solve by hand; every optimum is worked out beside it.

Unless said otherwise (see ``networks.two_plants``): plants P1 and P2 build V1 for the
domestic market M1 (no duty), freight 1,000, price 20,000, demand 600 a year, no discount.
P1's variable cost is 10,000 (a vehicle earns 9,000), P2's 12,000 (earns 7,000).
"""

from __future__ import annotations

import pandas as pd
import pytest

import evplan
from evplan.examples import strategic_lane
from tests.strategic.networks import two_plants

EXACT = evplan.SolverOptions(mip_gap=1e-9)


def solve(data: evplan.NetworkData) -> evplan.Result:
    return evplan.optimize(data, EXACT)


def sentences(result: evplan.Result) -> list[str]:
    return result["network_decisions"]["sentence"].tolist()


def test_idle_plant_closes_when_its_fixed_cost_beats_the_closure_cost() -> None:
    # P2 idles (P1 is cheaper and has room), costing 1.5 M a year. Two years:
    #   keep it:  2 x (600 x 9,000 - 2.0 M - 1.5 M) = 2 x 1.9 M = 3.8 M
    #   close it in 2025 (closure 1 M): 2 x 3.4 M - 1 M = 5.8 M   <- optimum
    data = two_plants(years=2, extra={"plant_strategy": {
        "plant": ["P2"], "modules_initial": [1], "closure_cost_usd": [1e6]}})
    result = solve(data)
    assert result.objective_usd == pytest.approx(5.8e6)
    assert result.metadata["today_network_objective_usd"] == pytest.approx(3.8e6)
    assert result.metadata["plan_gain_over_today_usd"] == pytest.approx(2.0e6)
    assert sentences(result) == ["close P2 for good in 2025 (its 1 module stops) (one-off "
                                 "US$ 1 M)"]
    states = result["plant_decisions"].set_index("year")["state"].tolist()
    assert states == ["closed", "closed"]


def test_closure_waits_for_its_earliest_year_and_not_at_all_when_forbidden() -> None:
    # Closure allowed from 2026 only: 1.9 M (2025) + 3.4 M - 1 M (2026) = 4.3 M
    data = two_plants(years=2, extra={"plant_strategy": {
        "plant": ["P2"], "modules_initial": [1], "closure_cost_usd": [1e6],
        "earliest_closure_year": [2026]}})
    assert solve(data).objective_usd == pytest.approx(4.3e6)
    forbidden = two_plants(years=2, extra={"plant_strategy": {
        "plant": ["P2"], "modules_initial": [1], "can_close": ["no"]}})
    assert solve(forbidden).objective_usd == pytest.approx(3.8e6)


def test_low_demand_removes_a_module_and_says_so() -> None:
    # One plant, capacity 1,000 in 2 lines; fixed 2 M = site 0.8 M + 0.6 M per line.
    # Demand 400 for 3 years: 2 lines: 400 x 9,000 - 2.0 M = 1.6 M a year -> 4.8 M
    #                         1 line (500): 3.6 M - 1.4 M = 2.2 M a year, less 0.5 M to
    #                         remove it once: 6.6 M - 0.5 M = 6.1 M   <- optimum
    result = solve(strategic_lane(years=3, demand=400, remove_cost=5e5))
    assert result.objective_usd == pytest.approx(6.1e6)
    assert sentences(result) == ["close 1 of 2 lines at P1 in 2025 (one-off US$ 500 k)"]
    decisions = result["plant_decisions"]
    assert decisions["capacity_vehicles_per_year"].tolist() == [500.0] * 3
    assert result["utilisation"]["utilisation"].tolist() == pytest.approx([0.8] * 3)


def test_high_demand_adds_a_module_after_its_lead_time() -> None:
    # Demand 1,400; capacity 1,000 in 2 lines of 500; a third line costs 1 M and can run
    # from 2026 (lead time 1 year). 2025: 1,000 x 9,000 - 2.0 M = 7.0 M.
    # 2026-27 with 3 lines (1,500): 1,400 x 9,000 - (0.8 + 3 x 0.6) M = 10.0 M each.
    # Total 7 + 10 + 10 - 1 = 26 M (against 21 M without the line).
    result = solve(strategic_lane(years=3, demand=1_400, modules_max=3, add_cost=1e6,
                                  add_lead=1))
    assert result.objective_usd == pytest.approx(26e6)
    assert sentences(result) == ["add 1 line at P1 in 2026 (2 -> 3) (one-off US$ 1 M)"]


def test_the_lead_time_caps_the_module_count_at_today_so_a_removed_line_may_return() -> None:
    """The add lead time bounds the installed count by modules_initial before it ends; it
    does not stop a line removed earlier from being added back (docs/formulation.md,
    "Plants"; audit 5 found the rule stated only in the check's docstring)."""
    # P1: 2 lines of 500, fixed 2 M = 0.8 M site + 0.6 M a line; removing or adding a line
    # costs 0.1 M; lead time 2 years (more than 2 lines from 2027). Demand 400, then 1,000.
    #   keep 2 lines:              (3.6 - 2.0) + (9.0 - 2.0)             = 8.6 M
    #   1 line in 2025, 2 in 2026: (3.6 - 1.4 - 0.1) + (9.0 - 2.0 - 0.1) = 9.0 M  <- optimum
    #   1 line in both years:      2.1 + (4.5 - 1.4)                     = 5.2 M
    strategy = {"plant": ["P1"], "modules_initial": [2], "module_name": ["line"],
                "remove_module_cost_usd": [1e5], "add_module_cost_usd": [1e5],
                "add_lead_time_years": [2]}
    data = two_plants(years=2, demand=[400.0, 1_000.0], capacities=(1_000.0, 0.0),
                      fixed=(2e6, 0.0), extra={"plant_strategy": strategy})
    result = solve(data)
    assert result.objective_usd == pytest.approx(9.0e6)
    assert sentences(result) == ["close 1 of 2 lines at P1 in 2025 (one-off US$ 100 k)",
                                 "add 1 line at P1 in 2026 (1 -> 2) (one-off US$ 100 k)"]


def test_mothball_through_a_trough_unless_it_must_stay_idle_too_long() -> None:
    # Demand 600, 0, 0, 600; fixed 2 M (one line). Mothballing costs 0.3 M, 0.2 M per idle
    # year and 0.4 M to reopen; closing costs 5 M.
    #   keep running:            2 x 5.4 M - 4 x 2 M               = 2.8 M
    #   mothball 2026-27:        10.8 M - 2 x 2 M - 0.3 - 0.4 - 0.4 = 5.7 M  <- optimum
    #   close in 2026:           5.4 M - 2 M - 5 M                 = -1.6 M
    strategy = {"plant": ["P1"], "modules_initial": [1], "can_mothball": ["yes"],
                "mothball_cost_usd": [3e5], "mothball_cost_usd_per_year": [2e5],
                "reopen_cost_usd": [4e5], "closure_cost_usd": [5e6]}
    plants = {"plant_strategy": strategy}
    data = two_plants(years=4, demand=[600.0, 0.0, 0.0, 600.0], fixed=(2e6, 0.0),
                      capacities=(1_000.0, 0.0), extra=plants)
    result = solve(data)
    assert result.objective_usd == pytest.approx(5.7e6)
    assert sentences(result) == ["mothball P1 from 2026 (idle, kept for a restart) (one-off "
                                 "US$ 300 k)", "reopen P1 in 2028 (one-off US$ 400 k)"]
    # At least 3 idle years: mothballing 2026-28 loses 2028's 5.4 M: 5.4 - 2 - 0.3 - 0.6
    # = 2.5 M, below keeping it running (2.8 M).
    longer = two_plants(years=4, demand=[600.0, 0.0, 0.0, 600.0], fixed=(2e6, 0.0),
                        capacities=(1_000.0, 0.0),
                        extra={"plant_strategy": {**strategy, "min_mothball_years": [3]}})
    assert solve(longer).objective_usd == pytest.approx(2.8e6)


def test_program_moves_to_the_cheaper_plant_when_tooling_pays() -> None:
    # V1 is built at P1 at 15,000 (earns 4,000) and may move to P2 at 11,000 (earns 8,000):
    # tooling 2 M at P2, exit 0.5 M at P1, one plant at most. Two years, no fixed cost:
    #   stay: 2 x 2.4 M = 4.8 M;   move in 2025: 2 x 4.8 M - 2.5 M = 7.1 M   <- optimum
    extra = {"plant_program_options": {
        "plant": ["P1", "P2"], "program": ["V1", "V1"], "existing": ["yes", "no"],
        "tooling_cost_usd": [0.0, 2e6], "exit_cost_usd": [5e5, 0.0]},
        "program_lifecycle": {"program": ["V1"], "max_plants": [1]}}
    data = two_plants(years=2, costs=(15_000.0, 11_000.0), fixed=(0.0, 0.0), extra=extra)
    result = solve(data)
    assert result.objective_usd == pytest.approx(7.1e6)
    assert sentences(result) == ["move V1 from P1 to P2 in 2025 (one-off US$ 2 M)"]
    # A program that ends in 2025 is not built in 2026: one year of 2.4 M from P1.
    ended = two_plants(years=2, costs=(15_000.0, 11_000.0), fixed=(0.0, 0.0), extra={
        **extra, "program_lifecycle": {"program": ["V1"], "last_year": [2025],
                                       "max_plants": [1]}})
    assert solve(ended).objective_usd == pytest.approx(2.4e6)


def test_market_entry_and_homologation_pay_only_when_the_margin_covers_them() -> None:
    # M1 needs an entry (1 M + 0.5 M a year) and V1 a homologation (0.8 M). Two years of
    # 600 x 9,000 = 5.4 M a year against 1 + 2 x 0.5 + 0.8 = 2.8 M: enter, 8.0 M.
    extra = {"market_entry": {"market": ["M1"], "entry_cost_usd": [1e6],
                              "presence_cost_usd_per_year": [5e5]},
             "homologations": {"program": ["V1"], "market": ["M1"], "cost_usd": [8e5]}}
    data = two_plants(years=2, fixed=(0.0, 0.0), extra=extra)
    result = solve(data)
    assert result.objective_usd == pytest.approx(8.0e6)
    assert sentences(result) == ["enter market M1 in 2025 (one-off US$ 1 M)",
                                 "homologate V1 for M1 in 2025 (one-off US$ 800 k)"]
    assert result.metadata["today_network_objective_usd"] == pytest.approx(0.0)
    # With an entry cost of 11 M the market is not worth entering: 0.
    costly = two_plants(years=2, fixed=(0.0, 0.0), extra={
        **extra, "market_entry": {"market": ["M1"], "entry_cost_usd": [11e6]}})
    assert solve(costly).objective_usd == pytest.approx(0.0)


def test_right_hand_drive_market_needs_the_variant() -> None:
    # M1 drives on the left (RHD). P1 builds only LHD; adding RHD there costs 3 M.
    # P2 builds both but earns 7,000. One year: P1 with RHD: 5.4 M - 3 M = 2.4 M;
    # P2: 600 x 7,000 = 4.2 M   <- optimum. With 4 years, P1's variant pays: 21.6 - 3 = 18.6
    # against 16.8 M.
    extra = {"market_steering": {"market": ["M1"], "steering": ["RHD"]},
             "steering_variants": {"plant": ["P1"], "program": ["V1"], "built": ["LHD"],
                                   "add_other_cost_usd": [3e6]}}
    one = solve(two_plants(years=1, fixed=(0.0, 0.0), extra=extra))
    assert one.objective_usd == pytest.approx(4.2e6)
    four = solve(two_plants(years=4, fixed=(0.0, 0.0), extra=extra))
    assert four.objective_usd == pytest.approx(18.6e6)
    assert sentences(four) == ["add the RHD variant of V1 at P1 in 2025 (one-off US$ 3 M)"]


def kit_network(threshold: float) -> evplan.NetworkData:
    """P1 (AA) serves M1 (country BB) built-up at a 50 % duty, or through site S1 in M1."""
    extra = {
        "assembly_sites": {"site": ["S1"], "market": ["M1"], "capacity_vehicles_per_year":
                           [400.0], "opening_cost_usd": [1e6], "fixed_cost_usd_per_year":
                           [2e5]},
        "kit_routes": {"plant": ["P1", "P1"], "site": ["S1", "S1"], "kit": ["SKD", "CKD"],
                       "kit_value_share": [0.8, 0.5], "freight_usd_per_vehicle": [500.0, 500.0],
                       "assembly_cost_usd_per_vehicle": [1_500.0, 5_000.0]},
        "kit_duties": {"origin": ["AA"], "market": ["M1"], "powertrain": ["*"],
                       "kit_duty_rate": [0.2], "preferential_rate": [0.0],
                       "rvc_threshold": [threshold]},
    }
    return two_plants(years=1, fixed=(0.0, 0.0), costs=(10_000.0, 30_000.0),
                      capacities=(1_000.0, 0.0), market_country="BB", duty=0.5, extra=extra)


def test_local_assembly_mixes_kits_to_meet_the_rules_of_origin() -> None:
    # Built-up: 10,000 + 1,000 + 50 % x 11,000 = 16,500 -> earns 3,500.
    # SKD kit: value 8,000, customs 8,500, duty 20 % = 1,700; cost 8,000 + 500 + 1,500
    #   = 10,000 (11,700 with duty); regional value content 1,500 / 10,000 = 15 %.
    # CKD kit: value 5,000, customs 5,500, duty 1,100; cost 5,000 + 500 + 5,000 = 10,500
    #   (11,600 with duty); RVC 5,000 / 10,500 = 47.6 %.
    # Threshold 30 %: per kit, originating - 0.3 x value = -1,500 (SKD), +1,850 (CKD).
    # The site (400) meets it on average when SKD <= 1,850/1,500 CKD: CKD = 400 x
    # 1,500/3,350 = 179.10, SKD = 220.90, all at 0 % duty: kit cost 2,208,955.22 +
    # 1,880,597.01 = 4,089,552.24 for 400 vehicles (all-CKD: 4.2 M; all-SKD at full duty:
    # 4.68 M). Value: 400 x 20,000 - 4,089,552.24 + 200 x 3,500 - 1 M - 0.2 M
    #   = 3,910,447.76 + 700,000 - 1,200,000 = 3,410,447.76
    result = solve(kit_network(0.30))
    assert result.objective_usd == pytest.approx(3_410_447.76, abs=0.05)
    kits = result["kit_shipments"].set_index("kit")
    assert kits.loc["CKD", "kits"] == pytest.approx(400 * 1_500 / 3_350, rel=1e-6)
    assert kits["rvc"].iloc[0] == pytest.approx(0.30, rel=1e-6)
    assert bool(kits["rvc_met"].all())
    assert result.metadata["today_network_objective_usd"] == pytest.approx(600 * 3_500)
    # No site: 2.1 M. At a 50 % threshold no mix qualifies (CKD alone is 47.6 %): SKD at
    # full duty, 11,700: 400 x 8,300 + 0.7 M - 1.2 M = 2.82 M (CKD at 11,600: 2.86 M) ->
    # 400 x 8,400 + 700,000 - 1,200,000 = 2,860,000.
    assert solve(kit_network(0.50)).objective_usd == pytest.approx(2_860_000)


def kit_exchange_network() -> evplan.NetworkData:
    """P1 (AA) ships CKD kits to S1 in M1 (BB); AA's currency 100 -> 125 per USD and BB's
    10 -> 8 between 2025 and 2026."""
    extra = {
        "assembly_sites": {"site": ["S1"], "market": ["M1"], "capacity_vehicles_per_year":
                           [1_000.0], "existing": ["yes"]},
        "kit_routes": {"plant": ["P1"], "site": ["S1"], "kit": ["CKD"],
                       "kit_value_share": [0.5], "freight_usd_per_vehicle": [500.0],
                       "assembly_cost_usd_per_vehicle": [2_000.0]},
        "kit_duties": {"origin": ["AA"], "market": ["M1"], "powertrain": ["*"],
                       "kit_duty_rate": [0.1]},
        "exchange_rates": {"country": ["AA", "AA", "BB", "BB"],
                           "year": [2025, 2026, 2025, 2026],
                           "local_per_usd": [100.0, 125.0, 10.0, 8.0]},
    }
    return two_plants(years=2, fixed=(0.0, 0.0), costs=(10_000.0, 30_000.0),
                      capacities=(1_000.0, 0.0), market_country="BB", extra=extra)


def test_kits_are_valued_at_the_years_exchange_rates() -> None:
    # A kit is a share of the plant's variable cost, a local-currency cost like the built-up
    # vehicle's (the plant country's rate); the assembly is a cost in the site's country.
    # 2025: kit 5,000 + 500 freight + 2,000 assembly + 10 % x 5,500 (CIF) = 8,050 against
    #   built-up 10,000 + 1,000 freight; price 20,000.
    # 2026: the plant's cost is 8,000 USD, so the kit is 4,000 + 500 + 2,000 x 10/8 + 450 =
    #   7,450 against built-up 9,000; the price is 20,000 x 10/8 = 25,000.
    # 600 x (20,000 - 8,050) + 600 x (25,000 - 7,450) = 7,170,000 + 10,530,000. (Kits
    # valued without the rates, as before an audit found it: 17,340,000.)
    result = solve(kit_exchange_network())
    assert result.objective_usd == pytest.approx(17_700_000)
    kits = result["kit_shipments"].set_index("year")
    assert kits["kits"].tolist() == pytest.approx([600.0, 600.0])
    assert kits.loc[2026, "kit_value_usd"] == pytest.approx(600 * 4_000)
    assert kits.loc[2026, "assembly_usd"] == pytest.approx(600 * 2_500)
    assert kits.loc[2026, "duty_usd"] == pytest.approx(600 * 450)


def test_attributable_basis_can_choose_a_different_plant_than_consolidated() -> None:
    # P1 is a 50/50 JV selling at cost x 1.5 to the automaker; both plants cost 1 M a year
    # and may close for free. One year.
    # Consolidated: P1 builds (earns 9,000), P2 closes: 5.4 M - 1 M = 4.4 M.
    #   (P2 builds at 10,500 -> 8,500: 5.1 M - 1 M = 4.1 M.)
    # Attributable, P1 builds: partner takes 0.5 x (0.5 x 10,000 x 600 - 1 M) = 1.0 M -> 3.4 M
    #   P2 builds, P1 closes (its JV earns nothing): 4.1 M   <- optimum
    extra = {"plant_strategy": {"plant": ["P1", "P2"], "modules_initial": [1, 1]},
             "plant_equity": {"plant": ["P1"], "equity_share": [0.5],
                              "jv_margin_on_cost": [0.5]}}
    consolidated = solve(two_plants(costs=(10_000.0, 10_500.0), fixed=(1e6, 1e6),
                                    extra=extra))
    assert consolidated.objective_usd == pytest.approx(4.4e6)
    assert consolidated.metadata["objective_attributable_usd"] == pytest.approx(3.4e6)
    attributable = solve(two_plants(costs=(10_000.0, 10_500.0), fixed=(1e6, 1e6), extra=extra,
                                    scenario={"objective_basis": "attributable"}))
    assert attributable.objective_usd == pytest.approx(4.1e6)
    assert attributable.metadata["objective_consolidated_usd"] == pytest.approx(4.1e6)
    assert sentences(attributable) == ["close P1 for good in 2025 (its 1 module stops)"]


def test_plain_inputs_stay_a_linear_programme() -> None:
    data = two_plants()
    result = evplan.optimize(data)
    assert "network_decisions" not in result.tables
    assert "strategic" not in result.metadata
    assert isinstance(result["utilisation"], pd.DataFrame)


def test_the_floor_of_a_plant_without_a_strategy_row_counts_its_kits() -> None:
    """kit_network with both kit lanes using P1's capacity (share 1) and a 50 % floor on
    P1's 1,000: the plan of the 30 % case (200 built-up + 400 kits = 600 >= 500) meets the
    floor, so the optimum stays 3,410,447.76. The model counted built-up vehicles only
    (500 built-up, 100 kits: a worse plan) while check_plan counted the kits (review)."""
    base = kit_network(0.30)
    extra = {name: base[name].drop(columns=["row"]) for name in
             ("assembly_sites", "kit_routes", "kit_duties")}
    extra["kit_routes"]["plant_capacity_share"] = 1.0
    extra["plants"] = base.plants.drop(columns=["row"]).assign(
        min_utilisation=[0.5, 0.0])
    data = two_plants(years=1, fixed=(0.0, 0.0), costs=(10_000.0, 30_000.0),
                      capacities=(1_000.0, 0.0), market_country="BB", duty=0.5, extra=extra)
    result = solve(data)
    assert result.metadata["strategic_check"] == "passed"
    assert result.objective_usd == pytest.approx(3_410_447.76, abs=0.05)
    assert result["kit_shipments"]["kits"].sum() == pytest.approx(400.0)
