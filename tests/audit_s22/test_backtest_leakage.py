"""Audit s22 (helper-73): the 2024 backtest reads nothing of 2024's outcomes or of later years.

An outside reviewer's leakage check, by the CLI and by the Python API: every row dated after
the target year in every scenario table, every 2024 row of actuals.csv and base_demand.csv
(volumes and prices) and the whole shipped demand.csv are changed wildly; the calibrated and
predicted columns must not move while the actual column does. Data the prediction is meant
to use (the 2023 base volumes, the elasticities, the 2024 exchange rates: a conditional
forecast, docs/validation.md) must move it, or the check could not fail.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evplan.calibration import Backtest, backtest, read_calibration_inputs, restrict_years
from evplan.data import validate_tables
from evplan.examples import china_export, china_export_path

BASE, TARGET = 2023, 2024
KEPT = ["row", "unit", f"calibrated_{BASE}", f"predicted_{TARGET}"]
NOT_NUMBERS = {"year", "first_year", "last_year", "tier", "source", "notes"}


@pytest.fixture(scope="module")
def shipped() -> Backtest:
    data = china_export()
    return backtest(data, read_calibration_inputs(china_export_path(), data=data), BASE, TARGET)


def _scaled(frame: pd.DataFrame, rows: pd.Series) -> pd.DataFrame:
    """``frame`` (read as text) with every number of ``rows`` scaled: fractions by 0.45, other
    numbers by 0.4 (rounded when the column holds whole numbers), so rates stay in [0, 1] and
    tier prices keep falling."""
    out = frame.copy()
    for column in out.columns:
        if column in NOT_NUMBERS:
            continue
        values = pd.to_numeric(out[column], errors="coerce")
        cells = rows & values.notna()
        if not cells.any():
            continue
        known = values.dropna()
        new = values[cells] * (0.45 if known.between(0, 1).all() else 0.4)
        if (known == known.round()).all():
            new = new.round()
        out[column] = out[column].astype(object)
        out.loc[cells, column] = [f"{value:.10g}" for value in new]
    return out


def perturb_outcomes_and_later_years(folder: Path) -> list[str]:
    """Change, in the copy ``folder``, everything the 2024 prediction must not read; return
    the tables changed."""
    changed = []
    for path in sorted(folder.glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        name = path.stem
        if name == "elasticities":
            continue
        if name == "demand":  # replaced by the calibration: every row
            rows = pd.Series(True, index=frame.index)
        elif name in ("actuals", "base_demand"):  # the target year's outcomes and later
            rows = pd.to_numeric(frame["year"]) >= TARGET
        elif "year" in frame:
            rows = pd.to_numeric(frame["year"]) > TARGET
        elif "first_year" in frame:
            rows = pd.to_numeric(frame["first_year"], errors="coerce") > TARGET
        else:
            continue
        if not rows.any():
            continue
        if name == "actuals":
            frame.loc[rows, "value"] = [str(round(float(value) * 0.37))
                                        for value in frame.loc[rows, "value"]]
        else:
            frame = _scaled(frame, rows)
        frame.to_csv(path, index=False)
        changed.append(name)
    return changed


def test_cli_prediction_ignores_2024_outcomes_and_every_later_row(tmp_path: Path,
                                                                  shipped: Backtest) -> None:
    folder = Path(shutil.copytree(china_export_path(), tmp_path / "inputs"))
    changed = perturb_outcomes_and_later_years(folder)
    # the tables that hold rows after 2024 or 2024 outcomes, all changed
    assert {"actuals", "base_demand", "demand", "duties", "exchange_rates", "routes",
            "countervailing_duties", "zev_mandates", "fleet_targets"} <= set(changed)
    done = subprocess.run([sys.executable, "-m", "evplan.cli", "backtest", str(folder), "-o",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=600,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    written = pd.read_csv(tmp_path / "out" / "backtest.csv")
    assert list(written["row"]) == list(shipped.table["row"])
    for column in KEPT[2:]:
        np.testing.assert_allclose(written[column].to_numpy(float),
                                   shipped.table[column].to_numpy(float), rtol=0, atol=1e-6)
    # the perturbation reached the comparison: the actuals moved (0.37 x every 2024 figure)
    sales_cn = written.set_index("row").loc["sales CN", f"actual_{TARGET}"]
    assert sales_cn == round(697_631 * 0.37)


def test_api_prediction_is_the_same_without_any_later_year(shipped: Backtest) -> None:
    """The scenario cut to 2023-2024 and base_demand.csv without its rows after 2023: the
    same prediction, so nothing after the base year but the 2024 inputs is read."""
    data = china_export()
    inputs = read_calibration_inputs(china_export_path(), data=data)
    short = restrict_years(data, BASE, TARGET)
    only_base = inputs.base_demand[inputs.base_demand["year"] == BASE]
    again = backtest(short, dataclasses.replace(inputs, base_demand=only_base), BASE, TARGET)
    np.testing.assert_allclose(again.table[f"predicted_{TARGET}"].to_numpy(float),
                               shipped.table[f"predicted_{TARGET}"].to_numpy(float),
                               rtol=0, atol=1e-6)


def _predicted(result: Backtest) -> pd.Series:
    return result.table.set_index("row")[f"predicted_{TARGET}"]


@pytest.mark.slow
def test_the_base_year_volumes_and_the_elasticities_do_move_the_prediction(
        shipped: Backtest) -> None:
    data = china_export()
    inputs = read_calibration_inputs(china_export_path(), data=data)
    base = inputs.base_demand.astype({"volume_vehicles": float})
    us = (base["year"] == BASE) & (base["market"] == "US")
    base.loc[us, "volume_vehicles"] *= 1.1
    more = backtest(data, dataclasses.replace(inputs, base_demand=base), BASE, TARGET)
    # US 2023 volumes 10 % higher: 2024's US prediction 10 % higher (the curve persists)
    assert _predicted(more)["sales US"] == pytest.approx(_predicted(shipped)["sales US"] * 1.1,
                                                         rel=1e-9)
    elastic = inputs.elasticities.assign(
        own_price_elasticity=inputs.elasticities["own_price_elasticity"] * 1.5)
    steeper = backtest(data, dataclasses.replace(inputs, elasticities=elastic), BASE, TARGET)
    assert _predicted(steeper)["global sales"] != pytest.approx(
        _predicted(shipped)["global sales"], abs=1.0)


@pytest.mark.slow
def test_2023_exchange_rates_in_2024_give_the_figures_docs_report(shipped: Backtest) -> None:
    """docs/validation.md: holding the 2023 exchange rates moves global sales to +0.6 %, US
    sales to -2.7 %, the rest of the world to -4.0 % and Japanese production to +19.7 %,
    China unchanged; China's predicted share then rises (23.5 % -> 23.6 %): the fall the
    backtest shows comes from the weaker yen, not from China."""
    data = china_export()
    rates = data.tables["exchange_rates"].drop(columns="row")
    of_2023 = rates[rates["year"] == BASE].set_index("country")["local_per_usd"]
    target = rates["year"] == TARGET
    rates.loc[target, "local_per_usd"] = rates.loc[target, "country"].map(of_2023).to_numpy()
    tables = {name: frame.drop(columns="row") for name, frame in data.tables.items()}
    tables["exchange_rates"] = rates
    ex_ante = validate_tables(tables, data.scenario, origin=data.origin)
    table = backtest(ex_ante, read_calibration_inputs(china_export_path(), data=data), BASE,
                     TARGET).table.set_index("row")
    pct = table["error_pct"]
    assert round(pct["global sales"] * 100, 1) == 0.6
    assert round(pct["sales US"] * 100, 1) == -2.7
    assert round(pct["sales rest of world (not CN, JP, US, MX)"] * 100, 1) == -4.0
    assert round(pct["production JP"] * 100, 1) == 19.7
    assert table.loc["sales CN", f"predicted_{TARGET}"] == pytest.approx(
        _predicted(shipped)["sales CN"])
    share = table.loc["CN share of global sales"]
    assert share[f"predicted_{TARGET}"] > share[f"calibrated_{BASE}"]
    assert round(share[f"predicted_{TARGET}"] * 100, 1) == 23.6
    assert _predicted(shipped)["CN share of global sales"] < share[f"calibrated_{BASE}"]


def test_every_pool_steps_to_a_tier_end_as_docs_say(shipped: Backtest) -> None:
    """docs/validation.md: "In 2024 every one of the 94 pools sits at a tier end: 31 stay at
    1.0 x, 36 step down or up a tier or two, and 27 reach the end of the curve, 1.5 x (nine
    tenths of their 2024 volume built in Japan)"; Japan's -2,400 is the Kicks stepping down
    to 0.8 x."""
    inputs = read_calibration_inputs(china_export_path())
    observed = inputs.base_demand[inputs.base_demand["year"] == BASE].set_index(
        ["market", "product"])["volume_vehicles"]
    sales = shipped.result["sales"]
    sold = sales[sales["year"] == TARGET].groupby(["market", "product"])["sales_vehicles"].sum()
    fraction = (sold.reindex(observed.index).fillna(0.0) / observed).to_numpy(float)
    ends = np.array([0.0, 0.5, 0.8, 1.0, 1.1, 1.25, 1.5])
    assert len(fraction) == 94
    assert np.all(np.isclose(fraction[:, None], ends[None, :], atol=1e-9).any(axis=1))
    assert int(np.isclose(fraction, 1.0).sum()) == 31
    assert int(np.isclose(fraction, 1.5).sum()) == 27
    capped = observed.index[np.isclose(fraction, 1.5)]
    shipments = shipped.result["shipments"]
    shipments = shipments[shipments["year"] == TARGET]
    into = shipments.set_index(["market", "program"]).index.isin(capped)
    by_origin = shipments[into].groupby("origin")["shipment_vehicles"].sum()
    assert 0.9 <= by_origin["JP"] / by_origin.sum() < 0.95
    japan = observed.index[(observed.index.get_level_values("market") == "JP")
                           & ~np.isclose(fraction, 1.0)]
    assert list(japan) == [("JP", "KICKS")]
    assert observed[("JP", "KICKS")] * (1 - 0.8) == pytest.approx(480_578 - 478_178)


def test_the_story_of_the_later_years_is_set_by_the_inputs_as_docs_say() -> None:
    """docs/validation.md: "In `evplan run`, China's share falls from 23.5 % (2023) to 20.6 %
    (2024) and 15.5 % (2030) ... its 2024 rows add up to 697,000 ...; of the vehicles exported
    from China in 2025-2030, 61,350 to 217,052 a year (39 % to 67 %) go to market-program pairs
    with no 2023 row ...; the rest (94,696.5 to 107,118 a year)"."""
    import evplan

    data = china_export()
    result = evplan.optimize(data)
    share = {year: round(result.kpi("sales_share_by_market", year, "CN") * 100, 1)
             for year in (2023, 2024, 2030)}
    assert share == {2023: 23.5, 2024: 20.6, 2030: 15.5}
    base = read_calibration_inputs(china_export_path()).base_demand
    assert base.loc[(base["year"] == TARGET) & (base["market"] == "CN"),
                    "volume_vehicles"].sum() == 697_000
    first = base[base["year"] == BASE]
    known = set(zip(first["market"], first["product"], strict=True))
    shipments = result["shipments"]
    exported = shipments[(shipments["origin"] == "CN") & shipments["export"]]
    new = [(market, program) not in known for market, program
           in zip(exported["market"], exported["program"], strict=True)]
    by_year = exported.assign(new=new).groupby(["year", "new"])["shipment_vehicles"].sum() \
        .unstack(fill_value=0.0)
    assert by_year.index.min() == 2025  # the lanes open in 2025: none before
    assert round(by_year[True].min()) == 61_350 and round(by_year[True].max()) == 217_052
    assert by_year[False].min() == pytest.approx(94_696.5, abs=0.01)
    assert round(by_year[False].max()) == 107_118
    new_share = by_year[True] / by_year.sum(axis=1)
    assert round(new_share.min() * 100) == 39 and round(new_share.max() * 100) == 67
