"""The duty schedule shows the maker's share of a tariff-rate quota beside the national
quota (audit s24, helper-84: Canada 2026 showed 49,000 vehicles in quota where the plan may
ship 49,000 x 0.1 = 4,900)."""

from __future__ import annotations

import numpy as np

import evplan
from evplan.report.extras import duty_schedule
from evplan.report.figures import _duty_note


def test_the_makers_quota_is_the_national_quota_times_its_share() -> None:
    data = evplan.examples.china_export()
    schedule = duty_schedule(data)
    shares = dict(zip(data["quota_shares"]["quota_group"],
                      data["quota_shares"]["share_of_quota"], strict=True))
    quota = schedule[schedule["quota_vehicles_per_year"].notna()]
    assert len(quota) > 0
    rows = data["duties"].set_index("row")
    for record in quota.itertuples(index=False):
        group = rows.loc[record.duty_row, "quota_group"]
        share = shares.get(group, 1.0) if isinstance(group, str) and group else 1.0
        assert record.quota_share == share
        assert record.maker_quota_vehicles_per_year == record.quota_vehicles_per_year * share
    canada = quota[(quota["market"] == "CA") & (quota["year"] == 2026)].iloc[0]
    assert (canada["quota_vehicles_per_year"], canada["maker_quota_vehicles_per_year"]) == (
        49_000.0, 4_900.0)
    assert schedule.loc[schedule["quota_vehicles_per_year"].isna(), "quota_share"].isna().all()
    # the hover says both
    note = _duty_note(canada.to_dict())[0]
    assert "quota 49,000 (the maker's 10%: 4,900) at 6.1%" in note, note


def test_the_plan_ships_no_more_in_quota_than_the_makers_quota() -> None:
    data = evplan.examples.china_export()
    result = evplan.optimize(data)
    schedule = duty_schedule(data)
    shipped = result["shipments"]
    canada = shipped[(shipped["market"] == "CA") & (shipped["origin"] == "CN")]
    in_quota = canada.groupby("year")["in_quota_vehicles"].sum()
    limit = schedule[(schedule["market"] == "CA") & (schedule["origin"] == "CN")
                     & (schedule["powertrain"] == "BEV")].groupby("year")[
        "maker_quota_vehicles_per_year"].first()
    used = in_quota[in_quota > 0]
    assert len(used) > 0
    assert np.all(used.to_numpy() <= limit.reindex(used.index).to_numpy() + 1e-6)
