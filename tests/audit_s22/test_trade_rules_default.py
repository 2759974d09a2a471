"""Audit s22: the default scenario's run folder, recomputed from its written CSVs.

``evplan run`` (the embedded china-export scenario) writes a folder; every duty, margin and
compliance figure it reports is recomputed here from the folder's ``shipments.csv`` and
``sales.csv`` and the scenario's input CSVs, with lookups written for this test (duty row
per year: exact powertrain, else ``'*'``; CVD: maker, then all others; customs value: the
declared transfer price on full cost in the year's USD, plus freight on CIF markets).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from evplan.examples import china_export_path

YEARS = range(2023, 2031)


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", keep_default_na=False, na_values=[""])


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("default") / "run"
    done = subprocess.run([sys.executable, "-m", "evplan.cli", "run", "-o", str(folder),
                           "--no-report", "--store", str(folder.parent / "store.db")],
                          capture_output=True, text=True, timeout=600, cwd=folder.parent)
    assert done.returncode == 0, done.stderr
    return folder


def inputs(name: str) -> pd.DataFrame:
    return read(china_export_path(), name)


def kpi(folder: Path, name: str, key: str = "all") -> dict[int, float]:
    table = read(folder, "kpis")
    rows = table[(table["kpi"] == name) & (table["key"] == key)]
    return dict(zip(rows["year"].astype(int), rows["value"].astype(float), strict=True))


def covers(row: Any, year: int) -> bool:
    first, last = row.first_year, row.last_year
    return (pd.isna(first) or first <= year) and (pd.isna(last) or year <= last)


def number(value: Any) -> float:
    return 0.0 if pd.isna(value) else float(value)


class Lookups:
    """The input tables of china-export, indexed for a hand recomputation."""

    def __init__(self) -> None:
        self.plants = inputs("plants").set_index("plant")
        self.markets = inputs("markets").set_index("market")
        self.programs = inputs("programs").set_index("program")
        rates = inputs("exchange_rates")
        self.fx = {(row.country, row.year): row.local_per_usd for row in rates.itertuples()}
        self.cost = inputs("plant_programs").set_index(["plant", "program"])[
            "variable_cost_usd_per_vehicle"]
        self.freight = inputs("routes").set_index(["plant", "market"])["freight_usd_per_vehicle"]
        self.markup = {(row.origin, row.market): row.markup_on_full_cost
                       for row in inputs("transfer_prices").itertuples()}
        self.duties = list(inputs("duties").itertuples())
        self.cvds = list(inputs("countervailing_duties").itertuples())
        self.share = inputs("quota_shares").set_index("quota_group")["share_of_quota"]

    def factor(self, country: str, year: int) -> float:
        if (country, 2023) not in self.fx:
            return 1.0
        return self.fx[(country, 2023)] / self.fx[(country, year)]

    def duty_row(self, origin: str, market: str, powertrain: str, year: int) -> Any:
        for wanted in (powertrain, "*"):
            hits = [row for row in self.duties if (row.origin, row.market, row.powertrain)
                    == (origin, market, wanted) and covers(row, year)]
            assert len(hits) <= 1
            if hits:
                return hits[0]
        raise AssertionError(f"no duty row for {origin}>{market} {powertrain} {year}")

    def cvd(self, origin: str, market: str, powertrain: str, maker: str, year: int) -> float:
        for wanted_maker, wanted_powertrain in ((maker, powertrain), (maker, "*"),
                                                ("*", powertrain), ("*", "*")):
            hits = [row.cvd_rate for row in self.cvds
                    if (row.origin, row.market, row.powertrain, row.maker)
                    == (origin, market, wanted_powertrain, wanted_maker) and covers(row, year)]
            if hits:
                return float(hits[0])
        return 0.0

    def duties_per_vehicle(self, plant: str, program: str, market: str, year: int
                           ) -> tuple[float, float, Any]:
        """(full duty, in-quota duty, duty row or None) per vehicle."""
        origin = self.plants.loc[plant, "country"]
        if origin == self.markets.loc[market, "country"]:
            return 0.0, 0.0, None
        factor = self.factor(origin, year)
        plant_row = self.plants.loc[plant]
        full_cost = (self.cost[(plant, program)] + plant_row["fixed_cost_usd_per_year"]
                     / plant_row["capacity_vehicles_per_year"]) * factor
        markup = self.markup.get((origin, market), self.markup.get((origin, "*")))
        value = full_cost * (1 + markup)
        if self.markets.loc[market, "customs_basis"] == "CIF":
            value += self.freight[(plant, market)]
        powertrain = self.programs.loc[program, "powertrain"]
        row = self.duty_row(origin, market, powertrain, year)
        cvd = self.cvd(origin, market, powertrain, self.programs.loc[program, "maker"], year)
        specific = number(row.specific_usd_per_vehicle)
        full = max(number(row.ad_valorem_rate) * value, number(row.minimum_usd_per_vehicle)) \
            + cvd * value + specific
        if pd.isna(row.quota_vehicles_per_year):
            return full, full, None
        return full, number(row.in_quota_rate) * value + cvd * value + specific, row


@pytest.fixture(scope="module")
def recomputed(run: Path) -> pd.DataFrame:
    tables = Lookups()
    shipments = read(run, "shipments")
    full, in_quota, groups = [], [], []
    for row in shipments.itertuples():
        duty, quota_duty, duty_row = tables.duties_per_vehicle(row.plant, row.program,
                                                               row.market, row.year)
        full.append(duty)
        in_quota.append(quota_duty)
        groups.append(None if duty_row is None else duty_row.quota_group)
    shipments["full_re"] = full
    shipments["in_quota_re"] = in_quota
    shipments["group_re"] = groups
    shipments["duty_re"] = (np.array(full) * (shipments["shipment_vehicles"]
                                              - shipments["in_quota_vehicles"])
                            + np.array(in_quota) * shipments["in_quota_vehicles"])
    shipments["powertrain_re"] = shipments["program"].map(tables.programs["powertrain"])
    shipments["country_re"] = shipments["plant"].map(tables.plants["country"])
    return shipments


def test_every_shipments_duty_is_the_one_the_input_schedules_give(recomputed: pd.DataFrame
                                                                   ) -> None:
    assert np.allclose(recomputed["full_duty_usd_per_vehicle"], recomputed["full_re"],
                       rtol=1e-9, atol=1e-6)
    assert np.allclose(recomputed["duty_usd"], recomputed["duty_re"], rtol=1e-9, atol=1e-3)
    # Vehicles only enter inside the quota on lanes whose row has one.
    assert (recomputed.loc[recomputed["group_re"].isna(), "in_quota_vehicles"] == 0).all()


def test_canadas_shared_quota_is_used_up_to_the_makers_share(recomputed: pd.DataFrame) -> None:
    # One quota for BEV and PHEV (group CA-CN-EV): 10 % of 49,000 ... 70,000 a year.
    national = {2026: 49_000, 2027: 54_000, 2028: 59_500, 2029: 65_000, 2030: 70_000}
    used = recomputed.groupby("year")["in_quota_vehicles"].sum()
    for year in YEARS:
        assert used.get(year, 0.0) <= 0.1 * national.get(year, 0) + 1e-6, year
    assert (recomputed.loc[recomputed["in_quota_vehicles"] > 0, "market"] == "CA").all()


def test_duties_paid_and_the_duties_table_are_the_shipments_sums(run: Path,
                                                                 recomputed: pd.DataFrame
                                                                 ) -> None:
    by_year = recomputed.groupby("year")["duty_re"].sum()
    assert kpi(run, "duties_paid") == pytest.approx(by_year.to_dict(), rel=1e-9)
    duties = read(run, "duties")
    keys = ["origin", "market", "powertrain_re", "year"]
    summed = recomputed.groupby(keys)["duty_re"].sum()
    reported = duties.set_index(["origin", "market", "powertrain", "year"])["duty_usd"]
    assert reported.sum() == pytest.approx(summed.sum(), rel=1e-9)
    assert np.allclose(reported.sort_index().to_numpy(),
                       summed.rename_axis(reported.index.names).reindex(
                           reported.sort_index().index).to_numpy(), rtol=1e-9, atol=1e-3)


def test_margin_by_market_and_the_margin_kpi_are_the_sales_less_the_shipments_costs(
        run: Path, recomputed: pd.DataFrame) -> None:
    sales = read(run, "sales").groupby(["market", "year"])["revenue_usd"].sum()
    costs = recomputed.groupby(["market", "year"])[
        ["variable_cost_usd", "freight_usd", "inventory_usd", "duty_re"]].sum().sum(axis=1)
    margin = sales.reindex(costs.index, fill_value=0.0) - costs
    reported = read(run, "margin_by_market").set_index(["market", "year"])["margin_usd"]
    assert len(reported) == len(margin)
    assert np.allclose(reported.to_numpy(), margin.reindex(reported.index).to_numpy(),
                       rtol=1e-9, atol=1e-2)
    tables = Lookups()
    for year, value in kpi(run, "margin").items():
        fixed = sum(row.fixed_cost_usd_per_year * tables.factor(row.country, year)
                    for row in tables.plants.itertuples() if covers(row, year))
        assert value == pytest.approx(margin.xs(year, level="year").sum() - fixed, rel=1e-9)


def test_fleet_average_premium_and_pooling_follow_from_the_shipments(
        run: Path, recomputed: pd.DataFrame) -> None:
    grams = recomputed["program"].map(
        inputs("program_emissions").set_index("program")["co2_g_per_km"])
    eu = recomputed["market"] == "EU"
    vehicles = recomputed[eu].groupby("year")["shipment_vehicles"].sum()
    weighted = (grams[eu] * recomputed.loc[eu, "shipment_vehicles"]).groupby(
        recomputed.loc[eu, "year"]).sum()
    targets = inputs("fleet_targets")
    average = kpi(run, "fleet_co2_g_per_km", "EU")
    cost = {year: 0.0 for year in YEARS}
    groups: dict[str, list[Any]] = {}
    for row in targets.itertuples():
        assert average[row.year] == pytest.approx(weighted[row.year] / vehicles[row.year])
        name = row.averaging_group if isinstance(row.averaging_group, str) else str(row.year)
        groups.setdefault(name, []).append(row)
    reported = read(run, "fleet_compliance").set_index("year")
    for rows in groups.values():
        over = max(0.0, sum(weighted[row.year] - row.target_g_per_km * vehicles[row.year]
                            for row in rows))
        last = rows[-1]
        # Pooling (60) is cheaper than the premium (102.6): the whole excess is pooled.
        cost[last.year] += over * min(last.premium_usd_per_g_km, last.pool_price_usd_per_g_km)
        paid = reported.loc[last.year, "premium_usd"] + reported.loc[last.year, "pooling_usd"]
        assert paid == pytest.approx(over * last.pool_price_usd_per_g_km, abs=1e-3)
    zev_cost = zev_costs(run, recomputed)
    credit_cost = production_credit_costs(run, recomputed)
    expected = {year: cost[year] + zev_cost.get(year, 0.0) + credit_cost.get(year, 0.0)
                for year in YEARS}
    assert kpi(run, "compliance_cost") == pytest.approx(expected, abs=1e-3)


def zev_costs(run: Path, shipments: pd.DataFrame) -> dict[int, float]:
    """Check the GB ZEV rows against the shipments and return each year's cost."""
    reported = read(run, "zev_compliance").set_index("year")
    gb = shipments[shipments["market"] == "GB"]
    share = kpi(run, "zev_share", "GB")
    cost, bank, debt = {}, 0.0, 0.0
    for row in inputs("zev_mandates").itertuples():
        year_rows = gb[gb["year"] == row.year]
        vehicles = year_rows["shipment_vehicles"].sum()
        bevs = year_rows.loc[year_rows["powertrain_re"] == "BEV", "shipment_vehicles"].sum()
        out = reported.loc[row.year]
        assert out["vehicles"] == pytest.approx(vehicles)
        assert out["credits_earned"] == pytest.approx(bevs)
        assert out["credits_required"] == pytest.approx(row.zev_share * vehicles)
        assert share[row.year] == pytest.approx(bevs / vehicles)
        assert out["credits_owed"] <= row.borrow_share * row.zev_share * vehicles + 1e-6
        balance = (bevs - row.zev_share * vehicles + bank - debt - out["credits_banked"]
                   + out["credits_owed"] + out["credits_bought"] - out["credits_sold"]
                   + out["credits_missing"])
        assert balance >= -1e-6, row.year
        bank, debt = out["credits_banked"], out["credits_owed"]
        cost[row.year] = (out["credits_bought"] * row.credit_price_usd
                          - out["credits_sold"] * row.credit_sale_price_usd
                          + out["credits_missing"] * row.penalty_usd_per_vehicle)
    assert debt == 0.0
    return cost


def production_credit_costs(run: Path, shipments: pd.DataFrame) -> dict[int, float]:
    """Check China's NEV credits against every car built in China (exports included)."""
    reported = read(run, "production_credit_compliance").set_index("year")
    built = shipments[shipments["country_re"] == "CN"]
    cost = {}
    for row in inputs("production_credits").itertuples():
        year_rows = built[built["year"] == row.year]
        by_powertrain = year_rows.groupby("powertrain_re")["shipment_vehicles"].sum()
        required = row.requirement_share * (by_powertrain.get("ICE", 0.0)
                                            + by_powertrain.get("HEV", 0.0))
        earned = (row.bev_credits_per_vehicle * by_powertrain.get("BEV", 0.0)
                  + row.phev_credits_per_vehicle * by_powertrain.get("PHEV", 0.0))
        out = reported.loc[row.year]
        assert out["credits_required"] == pytest.approx(required)
        assert out["credits_earned"] == pytest.approx(earned)
        # Purchase and sale are at the same price: the LP buys exactly the shortfall
        # and sells exactly the surplus.
        bought, sold = max(0.0, required - earned), max(0.0, earned - required)
        assert out["credits_bought"] == pytest.approx(bought, abs=1e-6)
        assert out["credits_sold"] == pytest.approx(sold, abs=1e-6)
        cost[row.year] = bought * row.credit_price_usd - sold * row.credit_sale_price_usd
    return cost
