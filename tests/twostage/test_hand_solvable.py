"""Tiny trees solved by hand: optimum, EVPI, VSS, CVaR and regret.

One plant of two 500-vehicle modules (strategic_lane: every vehicle earns USD 9,000; the
plant costs USD 2.0 M a year with both modules, 1.4 M with one). Demand is 1,000 vehicles
(probability 0.3) or 300 (0.7). Margins (USD M):

=========  ======  =====  ========  =============
modules    high    low    E[M]      CVaR_0.5(M)
=========  ======  =====  ========  =============
2          7.0     0.7    2.59      0.7
1          3.1     1.3    1.84      1.3
=========  ======  =====  ========  =============

Expected margin: keep 2 (RP 2.59); wait-and-see 0.3 x 7.0 + 0.7 x 1.3 = 3.01, EVPI 0.42.
The expected-value scenario (demand 510) keeps 1 module (2 modules: 2.59, 1: 3.1): EEV
1.84, VSS 0.75. With E + 2 x CVaR_0.5: 2 modules 3.99, 1 module 4.44, so keep 1 (RP 4.44);
WS = 3.01 + 2 x 1.3 = 5.61, EVPI 1.17; the EV plan is the same, VSS 0.
"""

from __future__ import annotations

import pytest

import evplan
from evplan.examples import strategic_lane
from evplan.scenarios.overrides import parse_catalog
from evplan.twostage.tree import Study, StudyScenario

M = 1e6


def _catalog(**risk: float) -> object:
    study = {"scenarios": {"high": {"probability": 0.3, "overrides": ["high"]},
                           "low": {"probability": 0.7, "overrides": ["low"]}}}
    if risk:
        study["risk"] = risk
    return parse_catalog({
        "overrides": {"high": {"demand": {"set": {"volume_vehicles": 1000}}},
                      "low": {"demand": {"set": {"volume_vehicles": 300}}}},
        "studies": {"demand": study}})


def test_expected_margin_by_hand() -> None:
    result = evplan.stochastic(strategic_lane(), "demand", catalog=_catalog())
    assert result.status == "optimal"
    assert result.objective_usd == pytest.approx(2.59 * M)
    assert result.expected_margin_usd == pytest.approx(2.59 * M)
    assert result.evpi_usd == pytest.approx(0.42 * M)
    assert result.vss_usd == pytest.approx(0.75 * M)
    assert result.metadata["expected_value_problem_usd"] == pytest.approx(3.1 * M)
    modules = result.first_stage.set_index("variable")["value"]
    assert modules["plant_modules"] == 2
    margins = result.scenarios.set_index("scenario")
    assert margins["margin_usd"].to_dict() == pytest.approx({"high": 7.0 * M, "low": 0.7 * M})
    assert margins["ev_plan_margin_usd"].to_dict() == pytest.approx(
        {"high": 3.1 * M, "low": 1.3 * M})
    regret = result.regret.set_index(["plan", "scenario"])["regret_usd"]
    assert regret[("high", "low")] == pytest.approx(0.6 * M)
    assert regret[("low", "high")] == pytest.approx(3.9 * M)
    assert regret[("stochastic", "high")] == pytest.approx(0.0, abs=1.0)
    for scenario in result.results.values():
        assert scenario.metadata["strategic_check"] == "passed"


def test_cvar_objective_by_hand() -> None:
    result = evplan.stochastic(strategic_lane(), "demand",
                               catalog=_catalog(weight=2.0, alpha=0.5))
    assert result.objective_usd == pytest.approx(4.44 * M)
    assert result.cvar_usd == pytest.approx(1.3 * M)
    assert result.expected_margin_usd == pytest.approx(1.84 * M)
    assert result.evpi_usd == pytest.approx(1.17 * M)
    assert result.vss_usd == pytest.approx(0.0, abs=1.0)
    assert result.first_stage.set_index("variable")["value"]["plant_modules"] == 1


def test_partial_tail_cvar_by_hand() -> None:
    # alpha 0.2: the worst 0.8 of probability is all of 'low' (0.7) and 0.1 of 'high'.
    # 2 modules: (0.7 x 0.7 + 0.1 x 7.0) / 0.8 = 1.4875; 1 module: (0.7 x 1.3 + 0.1 x 3.1)
    # / 0.8 = 1.525. E + 1 x CVaR: 2 modules 4.0775, 1 module 3.365: keep 2.
    result = evplan.stochastic(strategic_lane(), "demand",
                               catalog=_catalog(weight=1.0, alpha=0.2))
    assert result.cvar_usd == pytest.approx(1.4875 * M)
    assert result.objective_usd == pytest.approx(4.0775 * M)


def test_one_scenario_is_the_deterministic_plan() -> None:
    data = strategic_lane()
    study = Study("one", (StudyScenario("base", 1.0, ()),))
    result = evplan.stochastic(data, study, regret=False)
    assert result.objective_usd == pytest.approx(evplan.optimize_strategic(data).objective_usd)
    assert result.evpi_usd == pytest.approx(0.0, abs=1.0)
    assert result.vss_usd == pytest.approx(0.0, abs=1.0)
    assert result.metadata["nonanticipativity_rows"] == 0


def test_revelation_year_decides_what_is_shared() -> None:
    # Two years, demand known only from 2026. Decisions of 2025 are shared, those of 2026
    # are not; revealed before 2025, nothing is shared and RP equals wait-and-see.
    data = strategic_lane(years=2)
    overrides = {"high": {"demand": {"set": {"volume_vehicles": 1000}, "from_year": 2026}},
                 "low": {"demand": {"set": {"volume_vehicles": 300}, "from_year": 2026}}}
    tree = {"high": {"probability": 0.3, "overrides": ["high"]},
            "low": {"probability": 0.7, "overrides": ["low"]}}
    catalog = parse_catalog({"overrides": overrides, "studies": {
        "all": {"scenarios": tree},
        "first": {"scenarios": tree, "revelation_year": 2025},
        "none": {"scenarios": tree, "revelation_year": 2024}}})
    values = {}
    for name in ("all", "first", "none"):
        result = evplan.stochastic(data, name, catalog=catalog, regret=False, vss=False)
        values[name] = result
        assert set(result.first_stage["year"]) <= ({2025} if name == "first" else
                                                    {2025, 2026})
    assert values["none"].first_stage.empty
    assert values["none"].evpi_usd == pytest.approx(0.0, abs=1.0)
    assert values["first"].metadata["nonanticipativity_rows"] == 3
    assert (values["all"].objective_usd <= values["first"].objective_usd + 1.0
            <= values["none"].objective_usd + 2.0)


def test_efficient_frontier_by_hand() -> None:
    # E + lambda x CVaR_0.5: 2 modules 2.59 + 0.7 lambda, 1 module 1.84 + 1.3 lambda; the
    # plan switches at lambda = 1.25 (one shared value, plant_modules, changes).
    from evplan.twostage.frontier import efficient_frontier

    frontier = efficient_frontier(strategic_lane(), "demand", [0.0, 1.0, 2.0],
                                  catalog=_catalog(weight=0.0, alpha=0.5))
    assert frontier["expected_margin_usd"].tolist() == pytest.approx([2.59 * M, 2.59 * M,
                                                                     1.84 * M])
    assert frontier["cvar_usd"].tolist() == pytest.approx([0.7 * M, 0.7 * M, 1.3 * M])
    assert frontier["decisions_changed"].tolist() == [0, 0, 1]
