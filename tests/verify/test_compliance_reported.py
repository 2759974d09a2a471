"""The certificate re-derives every descriptive column of the compliance tables.

Hand case (``two_powertrains`` in one market whose country is ``EU``): plant P1 in country
AA (grid 500 g/kWh, 1,000 kWh per vehicle assembled, batteries at 100 kg CO2/kWh); V-ICE at
120 g/km, V-BEV with 50 kWh at 15 kWh/100 km; both 100,000 km; 500 kg CO2 per vehicle
shipped. Per vehicle: production ICE 500 x 1,000 / 1e6 = 0.5 t, BEV 0.5 + 50 x 100 / 1e3 =
5.5 t; shipping 0.5 t; use phase ICE 1e5 x 120 / 1e6 = 12 t, BEV 1e5 x 15 / 100 x 250 / 1e6
= 3.75 t (EU grid 250).
"""

from __future__ import annotations

import pandas as pd
import pytest

import evplan
from evplan.examples.compliance import two_powertrains, with_tables
from evplan.verify.compliance import ComplianceCheck, check_compliance

YEARS = (2025, 2026)


@pytest.fixture(scope="module")
def solved() -> tuple[evplan.NetworkData, evplan.Result]:
    data = two_powertrains(
        years=YEARS, co2_kg_per_vehicle=500.0,
        program_emissions=[
            {"program": "V-ICE", "co2_g_per_km": 120.0, "lifetime_km": 100_000.0},
            {"program": "V-BEV", "co2_g_per_km": 0.0, "electricity_kwh_per_100km": 15.0,
             "lifetime_km": 100_000.0}],
        plant_emissions=[{"plant": "P1", "assembly_kwh_per_vehicle": 1_000.0,
                          "battery_kg_co2_per_kwh": 100.0}],
        grid_intensity=[{"country": "AA", "grid_g_co2_per_kwh": 500.0},
                        {"country": "BB", "grid_g_co2_per_kwh": 250.0},
                        {"country": "EU", "grid_g_co2_per_kwh": 250.0}],
        fleet_targets=[{"market": "M1", "year": year, "target_g_per_km": 100.0,
                        "premium_usd_per_g_km": 100.0, "averaging_group": "G"}
                       for year in YEARS],
        zev_mandates=[{"market": "M1", "year": year, "zev_share": 0.3,
                       "penalty_usd_per_vehicle": 3_000.0, "borrow_share": 0.5}
                      for year in YEARS],
        production_credits=[{"country": "AA", "year": year, "requirement_share": 0.2,
                             "bev_credits_per_vehicle": 0.1, "phev_credits_per_vehicle": 1.0,
                             "credit_price_usd": 300.0} for year in YEARS],
        carbon_prices=[{"year": 2025, "carbon_price_usd_per_t": 40.0,
                        "include_use_phase": "yes"}])
    data = with_tables(data, markets=[{"market": "M1", "country": "EU",
                                       "customs_basis": "CIF"}])
    result = evplan.optimize(data)
    assert result.metadata["compliance_check"] == "passed"
    return data, result


# Every column the certificate re-derives (shadow prices are duals: not re-derived).
COLUMNS = {
    "fleet_compliance": ["market", "year", "target_g_per_km", "averaging_group", "vehicles",
                         "bev_vehicles", "co2_g_per_km_average", "balance_g_km_vehicles",
                         "bev_value_usd_per_vehicle"],
    "zev_compliance": ["market", "year", "zev_share_required", "vehicles", "zev_vehicles",
                       "zev_share_achieved", "credits_earned", "credits_required",
                       "bev_value_usd_per_vehicle"],
    "production_credit_compliance": ["country", "year", "requirement_share", "vehicles_built",
                                     "nev_built", "credits_earned", "credits_required"],
    "co2_by_plant": ["plant", "country", "year", "vehicles", "production_t_co2"],
    "co2_by_lane": ["plant", "market", "year", "vehicles", "shipping_t_co2"],
    "co2_by_year": ["year", "production_t_co2", "shipping_t_co2", "use_phase_t_co2",
                    "counted_t_co2", "carbon_price_usd_per_t", "cap_t_co2"],
    "battery_footprint": ["plant", "program", "year", "battery_kwh", "vehicles",
                          "eu_vehicles", "footprint_kg_co2_per_kwh", "footprint_t_co2"],
}
KEYS = {"market", "year", "plant", "program", "country"}


def altered(result: evplan.Result, table: str, column: str, row: int = 0
            ) -> dict[str, pd.DataFrame]:
    tables = dict(result.tables)
    frame = tables[table].copy()
    value = frame[column].iloc[row]
    if pd.api.types.is_numeric_dtype(frame[column]):
        frame[column] = frame[column].astype(float)
        value = 1.0 if pd.isna(value) else float(value) * 1.1 + 7
    else:
        frame[column] = frame[column].astype(object)
        value = f"{value}X"
    frame.iloc[row, frame.columns.get_loc(column)] = value
    tables[table] = frame
    return tables


def test_the_plan_evplan_returns_passes_and_has_every_row(solved) -> None:
    data, result = solved
    assert check_compliance(data, result.tables) == []
    for table in COLUMNS:
        assert len(result[table]) > 0, table
    # the case exercises the columns: BEVs and ICEs both sold in both years
    assert (result["fleet_compliance"]["bev_vehicles"] > 0).all()
    assert (result["fleet_compliance"]["vehicles"]
            > result["fleet_compliance"]["bev_vehicles"]).all()


@pytest.mark.parametrize(("table", "column"),
                         [(t, c) for t, columns in COLUMNS.items() for c in columns])
def test_one_altered_cell_fails_the_certificate(solved, table: str, column: str) -> None:
    data, result = solved
    problems = check_compliance(data, altered(result, table, column))
    ours = [p for p in problems if p.startswith(f"{table} ")]
    assert ours, problems
    if column not in KEYS:  # an altered key makes its row's sums wrong and the key rowless
        assert any(f": {column} reported " in p for p in ours), ours


def test_the_message_names_table_key_column_and_both_values(solved) -> None:
    data, result = solved
    plant = result["co2_by_plant"]
    vehicles = plant["vehicles"].iloc[0]
    tables = altered(result, "co2_by_plant", "production_t_co2")
    expected = sum(  # by hand: 0.5 t per ICE, 5.5 t per BEV built in P1 in 2025
        (0.5 if row.program == "V-ICE" else 5.5) * row.shipment_vehicles
        for row in result["shipments"].itertuples() if row.year == 2025)
    problems = check_compliance(data, tables)
    line = next(p for p in problems if p.startswith("co2_by_plant"))
    assert line.startswith("co2_by_plant ('P1', 'AA', 2025): production_t_co2 reported ")
    assert line.endswith(f"give {expected:,.6g}"), (line, expected, vehicles)


def test_hand_values_of_the_co2_year_row(solved) -> None:
    # The derived tonnes are the hand figures of the module docstring: a plan reporting
    # them passes, one reporting the use phase without the grid fails.
    data, result = solved
    ship = result["shipments"]
    row = ship[ship["year"] == 2025].groupby("program")["shipment_vehicles"].sum()
    ice, bev = row.get("V-ICE", 0.0), row.get("V-BEV", 0.0)
    assert ice > 0 and bev > 0
    hand = {"production_t_co2": 0.5 * ice + 5.5 * bev, "shipping_t_co2": 0.5 * (ice + bev),
            "use_phase_t_co2": 12.0 * ice + 3.75 * bev}
    hand["counted_t_co2"] = sum(hand.values())  # include_use_phase: yes
    tables = dict(result.tables)
    frame = tables["co2_by_year"].copy()
    for column, value in hand.items():
        frame.loc[frame["year"] == 2025, column] = value
    frame.loc[frame["year"] == 2025, "carbon_cost_usd"] = 40.0 * hand["counted_t_co2"]
    tables["co2_by_year"] = frame
    assert check_compliance(data, tables) == []
    frame.loc[frame["year"] == 2025, "use_phase_t_co2"] = 12.0 * ice  # the BEV's grid left out
    problems = check_compliance(data, tables)
    assert any("use_phase_t_co2 reported" in p for p in problems), problems


def test_a_year_without_a_carbon_price_counts_no_tonnes(solved) -> None:
    # carbon_prices has no 2026 row: nothing is counted there (docs/formulation.md), so a
    # plan counting production + shipping in 2026 fails, though its carbon cost is still 0.
    data, result = solved
    tables = dict(result.tables)
    frame = tables["co2_by_year"].copy()
    late = frame["year"] == 2026
    assert frame.loc[late, "counted_t_co2"].tolist() == [0.0]
    assert frame.loc[late, "production_t_co2"].iloc[0] > 0
    frame.loc[late, "counted_t_co2"] = (frame.loc[late, "production_t_co2"]
                                        + frame.loc[late, "shipping_t_co2"])
    tables["co2_by_year"] = frame
    problems = check_compliance(data, tables)
    assert any(p.startswith("co2_by_year (2026,): counted_t_co2 reported") for p in problems), \
        problems


def test_a_dropped_row_with_vehicles_is_named(solved) -> None:
    data, result = solved
    tables = dict(result.tables)
    tables["co2_by_lane"] = tables["co2_by_lane"].iloc[1:].reset_index(drop=True)
    problems = check_compliance(data, tables)
    assert "co2_by_lane ('P1', 'M1', 2025): no row, though the shipments carry vehicles " \
        "with this key" in problems


def numbers_only(tables: dict[str, pd.DataFrame]) -> dict[str, object]:
    """A warm plan: the shipments and, per compliance table, numeric columns only."""
    plan: dict[str, object] = {"shipments": tables["shipments"]}
    for name in COLUMNS:
        frame = tables[name]
        plan[name] = {column: frame[column].to_numpy(dtype=float)
                      for column in frame.columns
                      if column not in KEYS | {"averaging_group"}
                      and pd.api.types.is_numeric_dtype(frame[column])}
    return plan


def test_a_warm_plan_with_numbers_only_is_checked_on_the_columns_it_holds(solved) -> None:
    data, result = solved
    check = ComplianceCheck(data, result.tables)
    assert check.problems(numbers_only(result.tables)) == []
    tampered = numbers_only(altered(result, "zev_compliance", "credits_required", 1))
    problems = check.problems(tampered)
    assert any(p.startswith("zev_compliance ('M1', 2026): credits_required reported")
               for p in problems), problems


def test_no_battery_anywhere_makes_an_empty_footprint_table() -> None:
    # On an empty selection, assign(battery_kwh=<the full column>) took the column's index:
    # IndexError in the compliance tables of every plan without a battery (audit 17, s18).
    data = two_powertrains(bev={"battery_kwh": 0.0},
                           carbon_prices=[{"year": 2025, "carbon_price_usd_per_t": 40.0}])
    result = evplan.optimize(data)
    assert len(result["battery_footprint"]) == 0
    assert result.metadata["compliance_check"] == "passed"
