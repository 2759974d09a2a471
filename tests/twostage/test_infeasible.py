"""A study without a plan is explained, and one whose mean scenario has none still plans.

One plant P1 (1,000 a year, fixed 2 M, min_utilisation 0.9: it runs 900 or more, or
closes), V1 earns 9,000 a vehicle, demand 1,000 in 2025 and 2026 (P2 has no capacity).
Scenario 'slump' cuts 2026's demand to 100 (P1 cannot run, so it closes in 2026);
scenario 'firm' commits 500 sales in 2026 (P1 must run). Audit 5.
"""

from __future__ import annotations

import pytest

import evplan
from evplan.data import validate_tables
from evplan.errors import InfeasibleError
from evplan.scenarios.overrides import parse_catalog
from evplan.twostage import stochastic
from tests.strategic.networks import two_plants

EXACT = evplan.SolverOptions(mip_gap=1e-9)


def _data() -> evplan.NetworkData:
    data = two_plants(years=2, demand=[1_000.0, 1_000.0], capacities=(1_000.0, 0.0),
                      fixed=(2e6, 0.0), extra={
                          "plant_strategy": {"plant": ["P1"], "modules_initial": [1]},
                          "committed_sales": {"market": ["M1"], "year": [2026],
                                              "product": ["V1"], "min_vehicles": [0.0]}})
    tables = dict(data.tables)
    tables["plants"] = tables["plants"].assign(min_utilisation=[0.9, 0.0])
    return validate_tables(tables, {"name": "floor", "first_year": 2025, "last_year": 2026})


def _catalog(revelation: int | None, **extra: object) -> object:
    study: dict[str, object] = {"scenarios": {
        "slump": {"probability": 0.5, "overrides": ["slump"]},
        "firm": {"probability": 0.5, "overrides": ["firm"]}}, **extra}
    if revelation is not None:
        study["revelation_year"] = revelation
    return parse_catalog({
        "overrides": {
            "firm": {"committed_sales": {"set": {"min_vehicles": 500.0}}},
            "slump": {"demand": {"scale": {"volume_vehicles": 0.1}, "from_year": 2026}}},
        "studies": {"s": study}})


def both_catalog() -> object:
    """Study 's' (shares 2025): 'base', and 'both', which commits 500 sales in 2026 where
    demand is 100, so it has no plan even alone."""
    return parse_catalog({
        "overrides": {"firm": {"committed_sales": {"set": {"min_vehicles": 500.0}}},
                      "slump": {"demand": {"scale": {"volume_vehicles": 0.1},
                                           "from_year": 2026}}},
        "studies": {"s": {"revelation_year": 2025, "scenarios": {
            "base": {"probability": 0.5},
            "both": {"probability": 0.5, "overrides": ["firm", "slump"]}}}}})


BOTH_BINDS = ("scenario 'both' has no feasible plan even on its own: committed sales of 500 "
              "V1 in M1 in 2026 (committed_sales.csv row 2) cannot be supplied: short by 500")


@pytest.mark.parametrize("objective", ["expected", "minimax-regret"])
def test_a_study_plans_when_only_its_mean_scenario_has_no_plan(objective: str) -> None:
    """The mean scenario (550 vehicles in 2026, 250 committed) cannot run P1 (floor 900)
    nor close it: before, the whole study was refused as infeasible. Sharing 2025 only:
    2025 earns 9 - 2 = 7 M in both; 2026 earns 0 (slump: P1 closes) or 7 M (firm), so
    E = 7 + 0.5 x 7 = 10.5 M; each scenario reaches its own optimum (regret 0)."""
    result = stochastic(_data(), "s", EXACT, catalog=_catalog(2025),
                        objective_kind=objective)
    assert result.status == "optimal"
    assert result.expected_margin_usd == pytest.approx(10.5e6)
    assert result.objective_usd == pytest.approx(10.5e6 if objective == "expected" else 0.0,
                                                 abs=1.0)
    assert result.vss_usd is None
    assert result.metadata["eev_status"].startswith(
        "not computed: the expected-value problem (every coefficient the scenarios' "
        "probability-weighted mean) is infeasible")


def test_scenarios_that_cannot_share_the_network_are_named() -> None:
    """Sharing 2026 too, P1 must close (slump) and run (firm) in the same year."""
    with pytest.raises(InfeasibleError) as caught:
        stochastic(_data(), "s", EXACT, catalog=_catalog(None))
    assert [str(p) for p in caught.value.explanations] == [
        "study 's' is infeasible.",
        "scenarios 'slump' and 'firm' each have a plan on their own, but no plan shares the "
        "network decisions of every year: what one needs, the other cannot run (e.g. a plant "
        "one must keep and the other must idle). Move revelation_year earlier, or relax the "
        "rule that binds in one of them."]


def test_a_scenario_without_a_plan_of_its_own_is_explained() -> None:
    """Scenario 'both' commits 500 sales in 2026 where demand is 100: it has no plan even
    alone. Before: 'some scenario has no feasible plan ... Solve each scenario with evplan
    run --scenario to see which' (a study's outcome is no scenario evplan run knows)."""
    catalog = both_catalog()
    with pytest.raises(InfeasibleError) as caught:
        stochastic(_data(), "s", EXACT, catalog=catalog)
    lines = caught.value.explanations
    assert lines[0] == "study 's' is infeasible."
    assert len(lines) == 2 and lines[1].startswith(BOTH_BINDS)
    with pytest.raises(InfeasibleError) as minimax:
        stochastic(_data(), "s", EXACT, catalog=catalog, objective_kind="minimax-regret")
    assert minimax.value.explanations == ["scenario 'both' alone is infeasible.", lines[1]]


def test_progressive_hedging_explains_a_scenario_without_a_plan() -> None:
    """Before: InputError "scenario 'both' has no feasible plan (infeasible). Solve it alone
    with evplan run to see why." (exit 1, nothing about what binds)."""
    from evplan.twostage.hedging import progressive_hedging

    catalog = both_catalog()
    with pytest.raises(InfeasibleError) as caught:
        progressive_hedging(_data(), "s", EXACT, catalog=catalog)
    assert caught.value.exit_code == 2
    assert len(caught.value.explanations) == 1
    assert caught.value.explanations[0].startswith(BOTH_BINDS)


def test_a_commitment_no_sale_can_serve_is_explained_per_scenario() -> None:
    """Every scenario commits 50 V1 in M2, where no demand tier sells it: the row had no
    variable, linopy dropped it, and the study's plan failed its certificate (exit 4)."""
    data = two_plants(years=2, demand=[1_000.0, 1_000.0], extra={
        "plant_strategy": {"plant": ["P1"], "modules_initial": [1]},
        "markets": {"market": ["M1", "M2"], "country": ["AA", "AA"]},
        "committed_sales": {"market": ["M2"], "year": [2025], "product": ["V1"],
                            "min_vehicles": [50.0]}})
    with pytest.raises(InfeasibleError) as caught:
        stochastic(data, "s", EXACT, catalog=_catalog(2025))
    lines = caught.value.explanations
    assert caught.value.exit_code == 2 and len(lines) == 1
    assert lines[0].startswith("scenario 'slump' has no feasible plan even on its own: "
                               "committed sales of 50 V1 in M2 in 2025 (committed_sales.csv "
                               "row 2) cannot be supplied: short by 50; no flow can serve it")
