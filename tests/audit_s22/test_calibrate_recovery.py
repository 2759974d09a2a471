"""Audit s22 (helper-73): calibration recovers a known market, and predicts from it as the docs say.

Synthetic history from the model's stated form (docs/validation.md): a seller facing the
inverse demand P(q) = P0 (q/Q0)^(-1/e), with a known wedge lambda and a known marginal landed
cost c0, sells where its marginal revenue plus lambda meets c0: (1 - 1/e) P0 + lambda = c0.
Given (Q0, P0, e) from that world, `calibrate` must find c0 and lambda (not set them). A
later year whose cost moves to c1 has its true optimum at Q1 = Q0 ((c1 - lambda) / (c0 -
lambda))^(-e); the tiered model must sell an end of the tier that holds Q1 (the one an
independent computation of the tier prices picks), never a volume outside it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evplan
from evplan.calibration import calibrate
from evplan.data import validate_tables
from evplan.examples import single_lane

POINTS = np.array([0.0, 0.5, 0.8, 1.0, 1.1, 1.25, 1.5])  # the default tier ends (x Q0)
VARIABLE, FREIGHT, BASE_DUTY = 10_000.0, 1_000.0, 3_000.0


def network(target_duties: tuple[float, ...] = ()) -> evplan.NetworkData:
    """single_lane with a specific duty of BASE_DUTY in 2025 and ``target_duties`` in 2026,
    2027, ... (the years are independent: no rule links them)."""
    last = 2025 + len(target_duties)
    data = single_lane(capacity=1e7, variable_cost=VARIABLE, freight=FREIGHT,
                       first_year=2025, last_year=last)
    tables = {name: frame.drop(columns="row") for name, frame in data.tables.items()}
    duty = tables["duties"]
    tables["duties"] = pd.concat(
        [duty.assign(first_year=year, last_year=year, specific_usd_per_vehicle=rate)
         for year, rate in enumerate((BASE_DUTY, *target_duties), start=2025)],
        ignore_index=True)
    return validate_tables(tables, data.scenario, origin=data.origin)


def observed(volume: float, price: float, years: tuple[int, ...] = (2025,)) -> pd.DataFrame:
    return pd.DataFrame({"market": "M1", "year": list(years), "product": "V1",
                         "volume_vehicles": volume, "price_usd_per_vehicle": price,
                         "row": range(2, 2 + len(years))})


def elasticity(value: float) -> pd.DataFrame:
    return pd.DataFrame({"market": ["*"], "segment": ["C"], "own_price_elasticity": [value]})


WORLDS = [(6.28, 1_287.0, 52_000.0), (1.5, -1_668.0, 800.0)]


@pytest.mark.parametrize(("eps", "wedge", "volume"), WORLDS)
def test_calibrate_recovers_the_cost_and_wedge_of_a_known_market(eps: float, wedge: float,
                                                                volume: float) -> None:
    c0 = VARIABLE + FREIGHT + BASE_DUTY
    price = (c0 - wedge) / (1 - 1 / eps)  # the seller's optimum in the synthetic world
    calibration = calibrate(network(), observed(volume, price), elasticity(eps))
    pool = calibration.pools.iloc[0]
    assert pool["marginal_cost_usd_per_vehicle"] == pytest.approx(c0, rel=1e-9)
    assert pool["wedge_usd_per_vehicle"] == pytest.approx(wedge, abs=1e-6 * c0)
    # its tiers: average marginal revenue of the known curve over each segment, + lambda
    revenue = price * volume * POINTS ** (1 - 1 / eps)
    expected = (np.diff(revenue) / (np.diff(POINTS) * volume)) + wedge
    tiers = calibration.demand.sort_values("tier")
    np.testing.assert_allclose(tiers["price_usd_per_vehicle"], np.round(expected, 2),
                               rtol=0, atol=0.011)
    np.testing.assert_allclose(tiers["volume_vehicles"], np.diff(POINTS) * volume, atol=2e-3)
    assert calibration.fit["residual_vehicles"].abs().max() < 1e-6


TARGET_DUTIES = (0.0, 2_400.0, 2_700.0, 3_000.0, 3_300.0, 5_000.0, 9_000.0)


def test_a_cost_change_moves_the_prediction_to_an_end_of_the_tier_holding_the_true_optimum(
        ) -> None:
    eps, wedge, volume = 4.79, 1_287.0, 52_000.0
    c0 = VARIABLE + FREIGHT + BASE_DUTY
    price = (c0 - wedge) / (1 - 1 / eps)
    years = tuple(range(2025, 2026 + len(TARGET_DUTIES)))
    # every later year keeps the base year's curve, as the backtest does (persistence)
    calibration = calibrate(network(TARGET_DUTIES), observed(volume, price, years),
                            elasticity(eps))
    sold = evplan.optimize(calibration.data)["sales"].groupby("year")["sales_vehicles"].sum()
    assert sold[2025] == pytest.approx(volume, abs=1e-6)  # the identity
    revenue = price * volume * POINTS ** (1 - 1 / eps)
    tier_price = np.diff(revenue) / (np.diff(POINTS) * volume) + wedge
    assert np.all(np.diff(tier_price) < 0)
    ends = []
    for year, target_duty in zip(years[1:], TARGET_DUTIES, strict=True):
        c1 = VARIABLE + FREIGHT + target_duty
        # independently: every tier priced above c1 sells in full, the others not at all
        end = POINTS[1:][tier_price > c1].max(initial=0.0)
        assert sold.get(year, 0.0) == pytest.approx(end * volume, abs=2e-3), year
        # and that end brackets the true optimum of the known curve
        true_fraction = ((c1 - wedge) / (c0 - wedge)) ** (-eps)
        if true_fraction >= POINTS[-1]:
            assert end == POINTS[-1]
        else:
            k = int(np.searchsorted(POINTS, true_fraction, side="right")) - 1
            assert end in (POINTS[k], POINTS[k + 1]), (year, true_fraction, end)
        ends.append(float(end))
    # the cost falls, stays and rises: the volume steps through every tier end, both sides
    assert ends == [1.5, 1.25, 1.1, 1.0, 0.8, 0.5, 0.0]
