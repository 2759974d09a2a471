"""Random two-stage studies against an independent extensive form (audit 18).

Each study is a ``kit_oracle`` network (a plant that may close, a site that may open, kits
with rules of origin) with 1-4 scenarios that scale a market's demand or the prices from
the second year, or P0's fixed cost; random probabilities (some 1/3 rounded to 7 digits),
identical scenarios, revelation years from "nothing shared" to "all shared", and the
objectives E[margin], E + lambda CVaR_alpha and minimax regret. ``tests/twostage/oracle.py``
solves the study from the tables (overrides applied by hand here). Checked: the optimum
(10⁻⁶ relative), each scenario's wait-and-see value, each scenario's margin with evplan's
first stage fixed in the oracle (so that first stage is feasible there), and E, CVaR,
objective and EVPI from the reported margins. Six studies run by default, 34 more are slow.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import evplan
from evplan.data import validate_tables
from evplan.scenarios.overrides import parse_catalog
from tests.strategic.kit_oracle import FIRST_YEAR, random_kit_network
from tests.twostage.oracle import scenario_problem, solve, sorted_cvar

EXACT = evplan.SolverOptions(mip_gap=1e-9)
LATER = FIRST_YEAR + 1
FAST = [0, 1, 2, 13, 17, 18]


def _by_hand(data: evplan.NetworkData, actions: list[tuple[str, str, float]]
             ) -> evplan.NetworkData:
    tables = {name: data[name].copy() for name in data}
    demand, plants = tables["demand"], tables["plants"]
    for kind, market, factor in actions:
        if kind == "volume":
            rows = (demand["market"] == market) & (demand["year"] >= LATER)
            demand.loc[rows, "volume_vehicles"] *= factor
        elif kind == "price":
            demand.loc[demand["year"] >= LATER, "price_usd_per_vehicle"] *= factor
        else:
            plants.loc[plants["plant"] == "P0", "fixed_cost_usd_per_year"] *= factor
    return validate_tables(tables, data.scenario.as_dict(), origin="by hand")


def _override(kind: str, market: str, factor: float) -> dict[str, Any]:
    if kind == "volume":
        return {"demand": {"where": {"market": market}, "scale": {"volume_vehicles": factor},
                           "from_year": LATER}}
    if kind == "price":
        return {"demand": {"scale": {"price_usd_per_vehicle": factor}, "from_year": LATER}}
    return {"plants": {"where": {"plant": "P0"}, "scale": {"fixed_cost_usd_per_year": factor}}}


def _study(seed: int) -> tuple[evplan.NetworkData, Any, dict[str, list[Any]], str]:
    rng = np.random.default_rng(1000 + seed)
    data = random_kit_network(seed, years=int(rng.choice([2, 3])))
    count = int(rng.choice([1, 2, 3, 4]))
    probabilities = rng.dirichlet(np.ones(count)).round(3)
    probabilities[-1] = round(1 - probabilities[:-1].sum(), 3)
    if (probabilities <= 0).any() or seed % 10 == 7:  # 1/3 rounded: sums to 1 within 1e-6
        probabilities = np.full(count, round(1 / count, 7))
    overrides: dict[str, Any] = {}
    scenarios: dict[str, Any] = {}
    actions: dict[str, list[Any]] = {}
    for s in range(count):
        mine = []
        for _ in range(int(rng.integers(1, 3))):
            kind = str(rng.choice(["volume", "price", "fixed"]))
            market = str(rng.choice(["M0", "M1"]))
            factor = float(rng.choice([0.3, 0.6, 1.5, 2.5] if kind == "volume"
                                      else [0.7, 0.9, 1.2, 2.0]))
            if (kind, market, factor) not in mine:  # an override is listed once (evplan
                mine.append((kind, market, factor))  # refuses a repeat: it applies twice)
        if seed % 10 == 8 and s > 0:  # identical scenarios
            mine = actions["s0"]
        for action in mine:
            overrides["-".join(map(str, action))] = _override(*action)
        actions[f"s{s}"] = mine
        scenarios[f"s{s}"] = {"probability": float(probabilities[s]),
                              "overrides": ["-".join(map(str, a)) for a in mine]}
    revelation = [None, FIRST_YEAR - 1, FIRST_YEAR, LATER][int(rng.integers(4))]
    kind = str(rng.choice(["expected", "cvar", "minimax"], p=[0.3, 0.5, 0.2]))
    study: dict[str, Any] = {"scenarios": scenarios}
    if revelation is not None:
        study["revelation_year"] = revelation
    if kind == "cvar":
        study["risk"] = {"weight": float(rng.choice([0.5, 1.0, 3.0])),
                         "alpha": float(rng.choice([0.2, 0.5, 0.8, 0.95]))}
    elif kind == "minimax":
        study["risk"] = {"objective": "minimax-regret", "alpha": float(rng.choice([0.5, 0.9]))}
    return data, parse_catalog({"overrides": overrides, "studies": {"r": study}}), actions, kind


@pytest.mark.parametrize("seed", [pytest.param(seed, marks=() if seed in FAST else
                                               pytest.mark.slow) for seed in range(40)])
def test_a_random_study_equals_the_independent_extensive_form(seed: int) -> None:
    data, catalog, actions, kind = _study(seed)
    study = catalog.studies["r"]
    names = [scenario.name for scenario in study.scenarios]
    probabilities = np.array([scenario.probability for scenario in study.scenarios])
    blocks = [scenario_problem(_by_hand(data, actions[name])) for name in names]
    result = evplan.stochastic(data, study, EXACT, catalog=catalog)
    frame = result.scenarios.set_index("scenario").loc[names]
    margins = frame["margin_usd"].to_numpy()
    scale = max(1.0, float(np.max(np.abs(margins))))
    tol = 1e-6 * scale
    alone = [solve([block], [1.0], None) for block in blocks]
    wait = np.array([value for value, _ in alone])  # type: ignore[misc]
    assert frame["wait_and_see_usd"].to_numpy() == pytest.approx(wait, rel=1e-6, abs=tol)
    minimax = kind == "minimax"
    weight = study.risk_weight
    best = solve(blocks, probabilities, study.revelation_year, weight, study.alpha,
                 wait=wait if minimax else None)
    assert best is not None
    assert result.objective_usd == pytest.approx(best[0], rel=1e-6, abs=tol)
    shared = {("o" if row.variable == "plant_open" else "u", int(row.year)): float(row.value)
              for row in result.first_stage.itertuples()
              if row.variable in ("plant_open", "site_open")}
    for s, block in enumerate(blocks):  # evplan's first stage, completed by the oracle
        completed = solve([block], [1.0], None, fixed=shared)
        assert completed is not None, f"evplan's first stage has no plan in {names[s]}"
        assert margins[s] == pytest.approx(completed[0], rel=1e-6, abs=tol)
    assert result.expected_margin_usd == pytest.approx(probabilities @ margins, rel=1e-6, abs=tol)
    assert result.cvar_usd == pytest.approx(sorted_cvar(margins, probabilities, study.alpha),
                                            rel=1e-6, abs=tol)
    if minimax:
        assert result.objective_usd == pytest.approx(-np.max(wait - margins), rel=1e-6, abs=tol)
    else:
        value = probabilities @ margins + weight * sorted_cvar(margins, probabilities,
                                                               study.alpha)
        assert result.objective_usd == pytest.approx(value, rel=1e-6, abs=tol)
        perfect = probabilities @ wait + weight * sorted_cvar(wait, probabilities, study.alpha)
        assert result.evpi_usd == pytest.approx(perfect - result.objective_usd, rel=1e-6, abs=tol)
