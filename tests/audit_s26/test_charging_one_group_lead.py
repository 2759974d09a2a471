"""The benchmark method keeps every public point when a market has DC (or AC) classes only
(helper-105's finding 4, s26).

Before: the market's points N/r were split into fast N/r_f and slow N/r - N/r_f; with no AC
class the slow share had nowhere to go and was dropped silently (9,999 BEVs at 10 EVs per
point and 40 per fast point gave 250 ports, not 1,000).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from evplan.charging import ChargingOptions, plan_charging
from evplan.fleet import FleetOptions, project_fleet

from .test_charging_ratios_h105 import MARKETS

DC = pd.DataFrame({
    "market": ["*", "*"], "charger_class": ["DC50", "DC150"], "power_kw": [50.0, 150.0],
    "session_kwh": [20.0, 30.0], "session_minutes": [40.0, 30.0],
    "public_energy_share": [0.4, 0.6], "max_ports_per_station": [4, 6], "source": ["t"] * 2})
AC = DC.assign(charger_class=["AC7", "AC22"], power_kw=[7.0, 22.0])


def _costs(classes: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"market": ["*", "*"], "charger_class": classes["charger_class"],
                         "capex_usd_per_port": [1_000.0, 2_000.0],
                         "grid_usd_per_port": [100.0, 200.0], "source": ["t"] * 2})


@pytest.mark.parametrize("classes", [DC, AC], ids=["dc-only", "ac-only"])
def test_every_public_point_is_placed_on_the_classes_there_are(classes: pd.DataFrame) -> None:
    history = pd.DataFrame({"market": ["AA"], "year": [2022], "powertrain": ["BEV"],
                            "sales_vehicles": [20_000.0]})
    fleet = project_fleet(history=history, options=FleetOptions(years_after_plan=1))
    plan = plan_charging(fleet, markets=MARKETS, classes=classes, costs=_costs(classes),
                         options=ChargingOptions(markets=("AA",)))
    stock = fleet["fleet"]
    ports = plan.tables["charging_ports"]
    for year, in_year in stock[stock["market"].eq("AA")].groupby("year"):
        evs = float(in_year.loc[in_year["powertrain"].isin(["BEV", "PHEV"]),
                                "vehicles_in_use"].sum())
        points = evs / 10.0  # evs_per_public_point; all of them on the classes there are
        expected = {c: math.ceil(points * s - 1e-9) for c, s in
                    zip(classes["charger_class"], classes["public_energy_share"], strict=True)}
        got = ports[ports["method"].eq("benchmark") & ports["year"].eq(year)]
        assert dict(zip(got["charger_class"], got["ports"], strict=True)) == expected
