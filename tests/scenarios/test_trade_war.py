"""The shipped trade-war changes nothing before its duties start; freight shocks spare domestic
lanes (issue 18, item 5)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evplan
from evplan.data import NetworkData
from evplan.errors import InputError
from evplan.examples import china_export
from evplan.results import Result
from evplan.scenarios import apply, apply_patches, apply_scenario, catalog_for, parse_catalog

START = 2026  # the year trade-war's duties start (scenarios.yaml: from_year of each override)


@pytest.fixture(scope="module")
def data() -> NetworkData:
    return china_export()


@pytest.fixture(scope="module")
def runs(data: NetworkData) -> tuple[Result, Result]:
    return evplan.optimize(data), evplan.optimize(apply(data, "trade-war"))


def _domestic(data: NetworkData, routes: pd.DataFrame) -> np.ndarray:
    plant = routes["plant"].map(data.plants.set_index("plant")["country"])
    market = routes["market"].map(data.markets.set_index("market")["country"])
    return (plant == market).to_numpy()


def test_every_trade_war_patch_starts_in_2026(data: NetworkData) -> None:
    catalog = catalog_for(data)
    patches = catalog.resolve("trade-war")
    assert patches and {patch.from_year for patch in patches} == {START}


def test_trade_war_is_identical_before_2026_and_differs_after(runs: tuple[Result, Result]
                                                              ) -> None:
    base, war = runs
    assert base.status == war.status == "optimal"
    kpis = base.kpis.merge(war.kpis, on=["kpi", "year", "key"], how="outer",
                           suffixes=("_base", "_war"))
    assert not kpis[["value_base", "value_war"]].isna().any().any()
    same = np.isclose(kpis["value_base"].astype(float), kpis["value_war"].astype(float),
                      rtol=1e-7, atol=1e-3)
    before = kpis["year"].to_numpy() < START
    assert same[before].all(), kpis[before & ~same].to_string()
    for year in range(START, 2031):
        assert not same[kpis["year"].to_numpy() == year].all(), year
    # Flows by origin country: twin plants with equal costs (JP-KYU and JP-SKY build the same
    # program at the same cost) are a tie the solver may break either way, not a change.
    key = ["origin", "program", "market", "year"]
    flows = base["shipments"].groupby(key, as_index=False)["shipment_vehicles"].sum().merge(
        war["shipments"].groupby(key, as_index=False)["shipment_vehicles"].sum(), on=key,
        how="outer", suffixes=("_base", "_war")).fillna(
        {"shipment_vehicles_base": 0.0, "shipment_vehicles_war": 0.0})
    early = flows["year"] < START
    assert np.allclose(flows.loc[early, "shipment_vehicles_base"],
                       flows.loc[early, "shipment_vehicles_war"], atol=1e-3)
    assert not np.allclose(flows.loc[~early, "shipment_vehicles_base"],
                           flows.loc[~early, "shipment_vehicles_war"], atol=1e-3)


def test_freight_shock_spares_domestic_lanes(data: NetworkData) -> None:
    applied = apply_scenario(data, "trade-war-freight")
    routes, base = applied.data["routes"], data["routes"]
    domestic = _domestic(data, base)
    assert domestic.any() and (~domestic).any()
    freight = routes["freight_usd_per_vehicle"].to_numpy()
    before = base["freight_usd_per_vehicle"].to_numpy()
    assert np.array_equal(freight[domestic], before[domestic])
    assert np.allclose(freight[~domestic], 2 * before[~domestic])
    (record,) = [r for r in applied.overrides if r["override"] == "freight-shock"]
    assert sorted(record["rows"]) == sorted(base.loc[~domestic, "row"].astype(int))


def test_cross_border_false_selects_domestic_lanes(data: NetworkData) -> None:
    catalog = parse_catalog({"overrides": {"home": {"routes": {
        "where": {"cross_border": False}, "set": {"transit_days": 1}}}}})
    routes = apply_patches(data, catalog.resolve("home")).data["routes"]
    domestic = _domestic(data, data["routes"])
    assert (routes.loc[domestic, "transit_days"] == 1).all()
    assert routes.loc[~domestic, "transit_days"].equals(data["routes"].loc[~domestic,
                                                                          "transit_days"])


def test_cross_border_must_be_one_boolean_and_only_on_routes() -> None:
    with pytest.raises(InputError) as error:
        parse_catalog({"overrides": {
            "a": {"routes": {"where": {"cross_border": "yes"}, "scale": {"transit_days": 2}}},
            "b": {"duties": {"where": {"cross_border": True}, "set": {"ad_valorem_rate": 0}}}}})
    assert [problem.message for problem in error.value.problems] == [
        "override 'a': where cross_border = ['yes'] must be true (lanes between countries) or "
        "false (domestic lanes).",
        "override 'b': where column 'cross_border' is not in duties. Its columns are "
        + ", ".join(evplan.schema.TABLES["duties"].column_names) + "."]


def test_from_year_on_routes_is_refused_with_a_fix(data: NetworkData) -> None:
    catalog = parse_catalog({"overrides": {"late-shock": {"routes": {
        "where": {"cross_border": True}, "scale": {"freight_usd_per_vehicle": 2},
        "from_year": START}}}})
    with pytest.raises(InputError) as error:
        apply(data, "late-shock", catalog)
    (message,) = [problem.message for problem in error.value.problems]
    assert message.startswith("override 'late-shock' (routes): routes has one row per plant, "
                              "market, so from_year 2026 cannot split rows ")
    assert "or leave out from_year" in message
