"""The expected-value problem is the model of the scenarios' mean inputs (audit 18).

Averaging the scenarios' model coefficients averaged the strategic model's big-M constants
too, which are not linear in the demand: a kit's bound min(site capacity, demand) and a
rules-of-origin row's voiding constant (that bound times the largest shortfall of regional
value). Their average is below the mean demand's constant, so the averaged model cut plans
the mean demand allows: on this kit network, where one scenario in six scales market M1's
demand to 30 % from the second year, the expected-value problem came out 0.4 % below the
model of the mean demand. The mean inputs are built by hand here and solved by
:func:`evplan.optimize` and by the independent formulation of ``kit_oracle``.
"""

from __future__ import annotations

import numpy as np
import pytest

import evplan
from evplan.data import validate_tables
from evplan.scenarios.overrides import parse_catalog
from evplan.twostage.mean_inputs import mean_data
from tests.strategic.kit_oracle import FIRST_YEAR, oracle_objective, random_kit_network

EXACT = evplan.SolverOptions(mip_gap=1e-9)
SLUMP = 0.16  # probability of the scenario whose M1 demand falls to 30 % from 2031


def _catalog() -> object:
    return parse_catalog({
        "overrides": {"m1-slump": {"demand": {"where": {"market": "M1"},
                                              "scale": {"volume_vehicles": 0.3},
                                              "from_year": FIRST_YEAR + 1}}},
        "studies": {"s": {"revelation_year": FIRST_YEAR, "scenarios": {
            "base": {"probability": 1 - SLUMP},
            "slump": {"probability": SLUMP, "overrides": ["m1-slump"]}}}}})


def _mean_by_hand(data: evplan.NetworkData) -> evplan.NetworkData:
    tables = {name: data[name].copy() for name in data}
    demand = tables["demand"]
    later = (demand["market"] == "M1") & (demand["year"] >= FIRST_YEAR + 1)
    demand.loc[later, "volume_vehicles"] *= (1 - SLUMP) + SLUMP * 0.3
    return validate_tables(tables, data.scenario.as_dict(), origin="mean by hand")


@pytest.mark.parametrize("seed", [40, 41])
def test_the_expected_value_problem_is_the_model_of_the_mean_demand(seed: int) -> None:
    data = random_kit_network(seed, years=3)
    result = evplan.stochastic(data, "s", EXACT, catalog=_catalog(), regret=False)
    mean = _mean_by_hand(data)
    expected = evplan.optimize(mean, EXACT).objective_usd
    assert oracle_objective(mean) == pytest.approx(expected, rel=1e-7)
    assert result.metadata["expected_value_problem_usd"] == pytest.approx(expected, rel=1e-7)


def test_mean_data_averages_the_differing_numbers_and_keeps_the_rest() -> None:
    data = random_kit_network(40, years=2)
    tables = {name: data[name].copy() for name in data}
    tables["demand"]["volume_vehicles"] *= 3.0
    tripled = validate_tables(tables, data.scenario.as_dict())
    mean = mean_data([data, tripled], np.array([0.75, 0.25]))
    assert mean is not None
    assert np.allclose(mean["demand"]["volume_vehicles"],
                       1.5 * data["demand"]["volume_vehicles"])
    assert mean["plants"].equals(data["plants"])
    # a table whose rows differ between the scenarios has no mean: None (the averaged
    # coefficients are used, as docs/stochastic.md says)
    tables["demand"] = tables["demand"].iloc[1:]
    shorter = validate_tables(tables, data.scenario.as_dict())
    assert mean_data([data, shorter], np.array([0.5, 0.5])) is None


@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore:.*Port 8787 is already in use.*:UserWarning")
@pytest.mark.slow
def test_a_study_on_two_workers_plans_for_the_same_mean() -> None:
    # the scenario models live on the workers; the mean inputs are applied here
    from evplan.twostage.hedging import study_client

    data = random_kit_network(40, years=3)
    mean = evplan.optimize(_mean_by_hand(data), EXACT).objective_usd
    with study_client(workers=2) as client:
        spread = evplan.stochastic(data, "s", EXACT, catalog=_catalog(), regret=False,
                                   client=client)
    assert spread.metadata["workers"] == 2
    assert spread.metadata["expected_value_problem_usd"] == pytest.approx(mean, rel=1e-7)
