"""Layer 2: constraint families on tiny models, compared term by term without solving."""

from __future__ import annotations

import linopy
import numpy as np
import pandas as pd

from evplan.examples import random_network, single_lane
from evplan.model.build import build_model
from evplan.model.terms import grouped_sum


def test_grouped_sum_equals_a_hand_written_expression() -> None:
    m = linopy.Model()
    x = m.add_variables(lower=0, coords=[pd.RangeIndex(4, name="flow")], name="x")
    lhs = grouped_sum(m, [(x, np.array([1, 0, 1, -1]), np.array([1.0, 2.0, 3.0, 4.0]))],
                      3, "group")
    rows = lhs.to_constraint("<=", 0)
    assert rows.sizes["group"] == 3
    first = lhs.sel(group=0)
    assert first.vars.values[first.vars.values >= 0].tolist() == [int(x.labels.values[1])]
    assert first.coeffs.values[first.vars.values >= 0].tolist() == [2.0]
    second = lhs.sel(group=1)
    assert sorted(second.vars.values[second.vars.values >= 0].tolist()) == [
        int(x.labels.values[0]), int(x.labels.values[2])]
    assert sorted(second.coeffs.values[second.vars.values >= 0].tolist()) == [1.0, 3.0]
    assert (lhs.sel(group=2).vars.values < 0).all()


def test_plant_capacity_sums_every_flow_of_the_plant_year() -> None:
    data = random_network(2)
    m, index = build_model(data)
    constraint = m.constraints["plant-capacity"]
    flows = index.flows
    shipment_labels = m.variables["shipment"].labels.values
    for position, plant_year in index.plant_years.iterrows():
        mine = flows.index[(flows["plant"] == plant_year["plant"])
                           & (flows["year"] == plant_year["year"])]
        row = constraint.lhs.sel(plant_year=position)
        labels = row.vars.values[row.vars.values >= 0]
        assert sorted(labels.tolist()) == sorted(shipment_labels[mine].tolist())
        assert np.all(row.coeffs.values[row.vars.values >= 0] == 1.0)
        assert float(constraint.rhs.sel(plant_year=position)) == plant_year[
            "capacity_vehicles_per_year"]
        assert str(constraint.sign.sel(plant_year=position).item()) == "<="


def test_market_balance_nets_shipments_against_sales() -> None:
    m, _index = build_model(single_lane(tiers=((100.0, 20_000.0), (50.0, 15_000.0))))
    row = m.constraints["market-balance"].lhs.sel(balance=0)
    terms = dict(zip(row.vars.values.tolist(), row.coeffs.values.tolist(), strict=True))
    shipment = int(m.variables["shipment"].labels.values[0])
    sales = m.variables["sales"].labels.values.tolist()
    assert terms == {shipment: 1.0, sales[0]: -1.0, sales[1]: -1.0}


def test_quota_families_exist_only_where_a_quota_applies() -> None:
    plain, _ = build_model(single_lane(ad_valorem_rate=0.2))
    assert "duty-quota" not in plain.constraints and "in_quota" not in plain.variables
    quota, index = build_model(single_lane(ad_valorem_rate=0.2, quota=10, in_quota_rate=0.0))
    assert float(quota.constraints["duty-quota"].rhs.sel(quota_group=0)) == 10
    assert len(index.quota_flows) == 1
