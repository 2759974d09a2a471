"""The certificate rebuilds the trade terms (model/trade.py) from the tables on its own.

Random networks get exchange rates, declared transfer prices, a shared quota and an
inventory carrying rate; the certificate must prove the plan optimal with a tight dual
bound, and must catch a model builder that drops any one of those terms.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import evplan
from evplan.data import NetworkData, validate_tables
from evplan.errors import VerificationError
from evplan.examples import random_network, single_lane
from evplan.model import index as index_module


def with_trade_terms(data: NetworkData, seed: int) -> NetworkData:
    """``data`` with every trade table filled from ``seed``."""
    rng = np.random.default_rng(seed)
    countries = sorted(set(data.plants["country"]) | set(data.markets["country"]))
    years = list(data.years)
    rates = pd.DataFrame([(country, year, float(rng.uniform(0.5, 2.0)))
                          for country in countries[:-1] for year in years],
                         columns=["country", "year", "local_per_usd"])
    origins = sorted(set(data.plants["country"]))
    transfer = pd.DataFrame({"origin": origins[:1] * 2,
                             "market": ["*", data.markets["market"].iloc[0]],
                             "markup_on_full_cost": [0.08, 0.02]})
    tables = {name: frame.drop(columns="row") for name, frame in data.tables.items()}
    # A quota on the duty row of the busiest taxed lane, so that it binds.
    shipped = evplan.optimize(data)["shipments"].merge(
        data.plants[["plant", "country"]], on="plant").groupby(
        ["country", "market"])["shipment_vehicles"].sum()
    duties = tables["duties"].copy()
    taxed = duties[(duties["ad_valorem_rate"] > 0)
                   & (duties["origin"] != duties["market"].map(
                       data.markets.set_index("market")["country"]))]
    busiest = max(taxed.index, key=lambda i: shipped.get(
        (duties.at[i, "origin"], duties.at[i, "market"]), 0.0))
    duties.loc[busiest, ["quota_vehicles_per_year", "in_quota_rate"]] = [40.0, 0.0]
    duties["quota_group"] = duties["quota_group"].astype(object)
    duties.loc[busiest, "quota_group"] = "Q"
    routes = tables["routes"].assign(transit_days=rng.uniform(5, 40, len(tables["routes"])))
    tables.update(exchange_rates=rates, transfer_prices=transfer, duties=duties, routes=routes,
                  quota_shares=pd.DataFrame({"quota_group": ["Q"], "share_of_quota": [0.3]}))
    settings = {**data.scenario.as_dict(), "inventory_carrying_rate": 0.12}
    return validate_tables(tables, settings)


@pytest.mark.parametrize("seed", [1, 4, 9])
def test_plans_with_trade_terms_are_certified_with_a_tight_bound(seed: int) -> None:
    data = with_trade_terms(random_network(seed), seed)
    result = evplan.optimize(data)
    certificate = result.metadata["certificate"]
    assert certificate["objective_usd"] == pytest.approx(result.objective_usd, rel=1e-9)
    assert abs(certificate["gap_usd"]) <= 1e-6 * abs(result.objective_usd) + 1.0
    assert result["shipments"]["inventory_usd"].sum() > 0


@pytest.mark.parametrize("term", ["exchange_factor", "customs_transfer_price",
                                  "in_transit_cost", "quota_share"])
def test_a_builder_that_drops_a_trade_term_is_caught(term: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    data = with_trade_terms(random_network(4), 4)
    evplan.optimize(data)  # certified as built

    def plain(*args: object, **kwargs: object) -> np.ndarray:
        if term == "customs_transfer_price":
            flows = args[1]
            return np.asarray(flows["variable_cost_usd_per_vehicle"],  # type: ignore[index]
                              dtype=float)
        if term == "in_transit_cost":
            return np.zeros(len(args[1]))  # type: ignore[arg-type]
        return np.ones(len(args[1]))  # type: ignore[arg-type]

    monkeypatch.setattr(index_module, term, plain)
    with pytest.raises(VerificationError):
        evplan.optimize(data)


def test_countervailing_rows_outside_the_horizon_are_no_rows() -> None:
    data = single_lane(ad_valorem_rate=0.1)
    tables = {name: frame.drop(columns="row") for name, frame in data.tables.items()}
    tables["countervailing_duties"] = pd.DataFrame({
        "origin": ["AA"], "market": ["M1"], "powertrain": ["*"], "maker": ["*"],
        "first_year": [1990], "last_year": [1991], "cvd_rate": [0.3]})
    plain = evplan.optimize(single_lane(ad_valorem_rate=0.1))
    result = evplan.optimize(validate_tables(tables, data.scenario))
    assert result.objective_usd == pytest.approx(plain.objective_usd)
