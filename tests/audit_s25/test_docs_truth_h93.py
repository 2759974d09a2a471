"""Figures the docs print, checked against what evplan computes now (audit s25, helper-93).

Each test reads the figure from the doc itself (so that editing the page without the code, or
the code without the page, fails here) and recomputes it from evplan's output with arithmetic
of its own (sums, roundings, ratios), never by calling the code that writes the figure.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import evplan
from evplan.calibration import backtest, read_calibration_inputs
from evplan.charging import plan_charging
from evplan.examples import china_export_path
from evplan.fleet import project_fleet
from evplan.scenarios import apply_scenario

DOCS = Path(__file__).resolve().parents[2] / "docs"
FLEET_DATA = Path(evplan.__file__).resolve().parent / "fleet" / "data"


def doc(name: str) -> str:
    """The page as one line of text (sentences are wrapped over lines in the source)."""
    return re.sub(r"\s+", " ", (DOCS / name).read_text(encoding="utf-8"))


def number(text: str) -> float:
    return float(text.replace(",", "").replace("−", "-").replace("+", ""))


@pytest.fixture(scope="module")
def default_result() -> evplan.Result:
    return evplan.optimize(evplan.examples.china_export())


@pytest.fixture(scope="module")
def run_folder(default_result: evplan.Result, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default plan's run folder, as `evplan run` writes it (run.json records the pack
    sizes the fleet reads; a Result alone gives the fleet the powertrain defaults)."""
    return evplan.write_result(default_result, tmp_path_factory.mktemp("h93") / "run")


def recycled_kt(fleet: object) -> float:
    """Tonnes the fleet sends to recycling over its whole horizon, in kt."""
    end = fleet["pack_end_of_life"]  # type: ignore[index]
    return float(end.loc[end["route"] == "recycling", "tonnes"].sum()) / 1000.0


def test_recycling_md_fleet_without_second_life_figures(run_folder: Path,
                                                        tmp_path: Path) -> None:
    """docs/recycling.md: after `evplan fleet RUN --battery nosl.csv` (no second life),
    `evplan recycling RUN` "would have planned X kt beside a fleet that sends Y kt"."""
    found = re.search(r"would have planned ([\d,]+) kt beside a fleet that sends ([\d,]+) kt",
                      doc("recycling.md"))
    assert found, "the sentence moved: update this test"
    planned_kt, sent_kt = number(found[1]), number(found[2])
    battery = pd.read_csv(FLEET_DATA / "battery.csv")
    battery["second_life_share"] = 0.0
    nosl = tmp_path / "nosl.csv"
    battery.to_csv(nosl, index=False)
    default = recycled_kt(project_fleet(run_folder))
    without = recycled_kt(project_fleet(run_folder, battery=nosl))
    assert round(default) == planned_kt
    assert round(without) == sent_kt


def test_fleet_charging_md_a_result_takes_its_recorded_pack_sizes(
        default_result: evplan.Result, run_folder: Path) -> None:
    """docs/fleet-charging.md: "a `Result` given to `project_fleet` instead of a folder reads
    the same sizes from its `metadata` ... (until session 26 it took the powertrain defaults:
    on the default plan X kt went to recycling instead of the folder's Y kt)" (fixed by
    helper-105, session 26: the Result and its folder now project the same fleet)."""
    text = doc("fleet-charging.md")
    assert "reads the same sizes from its `metadata` and projects the same fleet" in text
    found = re.search(r"on the default plan ([\d,]+) kt went to recycling instead of the "
                      r"folder's ([\d,]+) kt", text)
    assert found
    from_result = project_fleet(default_result)
    from_folder = project_fleet(run_folder)
    assert round(recycled_kt(from_result)) == round(recycled_kt(from_folder)) == number(found[2])
    powertrain = pd.read_csv(FLEET_DATA / "powertrains.csv")
    sales = from_result["fleet_sales"]
    defaults = sales["powertrain"].map(dict(zip(powertrain["powertrain"],
                                                powertrain["battery_kwh"], strict=True)))
    assert (sales["battery_kwh"] != defaults).any()  # the old figure came from these
    assert any("of the inputs the run planned" in line for line in from_result.assumptions)
    assert not any("powertrain defaults" in line for line in from_result.assumptions)


def test_fleet_charging_md_default_table_of_eu_and_thailand(run_folder: Path) -> None:
    """docs/fleet-charging.md, "Default scenario: EU and Thailand": every cell of the table,
    the 18 markets sized and the benchmark's 2.6x (EU) and 8.7x (TH) DC power."""
    charging = plan_charging(project_fleet(run_folder))
    summary = charging["charging_summary"]
    energy = charging["charging_energy"].set_index(["market", "year"])
    text = (DOCS / "fleet-charging.md").read_text(encoding="utf-8")
    assert f"sizes the {summary['market'].nunique()} markets" in re.sub(r"\s+", " ", text)
    rows = [line for line in text.splitlines()
            if re.match(r"\| (EU|TH) 2030 \||\| \| \| \| (benchmark|queueing) \|", line)]
    assert len(rows) == 6
    market = year = None
    for line in rows:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if cells[0]:
            market, year_text = cells[0].split()
            year = int(year_text)
            bev, phev = (number(part) for part in cells[1].split("/"))
            row = energy.loc[(market, year)]
            assert (round(row["bev_vehicles"]), round(row["phev_vehicles"])) == (bev, phev)
            assert round(row["public_energy_kwh_per_day"] / 1000, 1) == number(cells[2])
        got = summary[(summary["market"] == market) & (summary["year"] == year)
                      & (summary["method"] == cells[3])].iloc[0]
        expected = [number(cell) for cell in cells[4:]]
        actual = [got["ports_AC22"], got["ports_DC50"], got["ports_DC150"], got["ports_DC350"],
                  got["ports"], round(got["public_power_kw"] / 1000),
                  round(got["capex_usd"] / 1e6, 1), round(got["cumulative_capex_usd"] / 1e6, 1)]
        assert actual == expected, (market, cells[3])
    ports = charging["charging_ports"]
    dc = ports[(ports["year"] == 2030) & (ports["charger_class"] != "AC22")]
    power = dc.groupby(["market", "method"])["public_power_kw"].sum()
    found = re.search(r"benchmark asks for ([\d.]+)× \(EU\) and ([\d.]+)× \(TH\) the DC power",
                      re.sub(r"\s+", " ", text))
    assert found
    for market, ratio in (("EU", found[1]), ("TH", found[2])):
        assert round(power[(market, "benchmark")] / power[(market, "afir")], 1) == float(ratio)


def test_validation_md_backtest_table_and_its_mean_errors() -> None:
    """docs/validation.md: the backtest table (each cell) and "over the 10 vehicle rows with an
    actual the mean absolute error is 14.5 % and the mean signed error +7.2 %; over the 8 rows
    that also have a persistence figure ... 16.3 % against persistence's 8.5 %"."""
    data = evplan.examples.china_export()
    inputs = read_calibration_inputs(china_export_path(), data=data)
    table = backtest(data, inputs, 2023, 2024).table.set_index("row")
    text = (DOCS / "validation.md").read_text(encoding="utf-8")
    start = text.index("| | 2023 calibrated | 2024 predicted")
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("| "):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        row = table.loc[cells[0]]
        if cells[0].startswith("exports"):
            continue
        share = row["unit"] == "fraction"
        for cell, column in zip(cells[1:4], ("calibrated_2023", "predicted_2024",
                                             "actual_2024"), strict=True):
            value = row[column] * 100 if share else row[column]
            assert round(value, 1 if share else 0) == number(cell.rstrip("%")), (cells[0], column)
        if share:
            assert round(row["error"] * 100, 1) == number(cells[4].split()[0])
        else:
            assert round(row["error"]) == number(cells[4])
            assert round(row["error_pct"] * 100, 1) == number(cells[5].rstrip("%"))
    vehicles = table[(table["unit"] == "vehicles") & table["actual_2024"].notna()]
    with_persistence = vehicles[vehicles["persistence_error"].notna()]
    persistence_pct = (with_persistence["persistence_error"] / with_persistence["actual_2024"])
    figures = re.search(r"over the (\d+) vehicle rows with an actual the mean absolute error is "
                        r"([\d.]+) % and the mean signed error \+([\d.]+) %; over the (\d+) rows "
                        r"that also have a persistence figure the model's mean absolute error is "
                        r"([\d.]+) % against persistence's ([\d.]+) %", doc("validation.md"))
    assert figures
    assert len(vehicles) == int(figures[1]) and len(with_persistence) == int(figures[4])
    assert round(vehicles["error_pct"].abs().mean() * 100, 1) == float(figures[2])
    assert round(vehicles["error_pct"].mean() * 100, 1) == float(figures[3])
    assert round(with_persistence["error_pct"].abs().mean() * 100, 1) == float(figures[5])
    assert round(persistence_pct.abs().mean() * 100, 1) == float(figures[6])


def test_scenarios_md_freight_shock_worked_example() -> None:
    """docs/scenarios.md: "freight-shock makes row 3 USD 2,100 and leaves row 2 at USD 500
    (its record lists the 191 cross-border rows of 210)"; row 3 is CN-HUA>JP, row 2 CN-HUA>CN."""
    found = re.search(r"`freight-shock` makes row 3 USD ([\d,]+) and leaves row 2 at USD "
                      r"([\d,]+) \(its record lists the (\d+) cross-border rows of (\d+)\)",
                      doc("scenarios.md"))
    assert found
    data = evplan.examples.china_export()
    applied = apply_scenario(data, "freight-shock")
    routes = applied.data["routes"]
    assert len(routes) == int(found[4])
    assert tuple(routes.iloc[1][["plant", "market"]]) == ("CN-HUA", "JP")  # spreadsheet row 3
    assert tuple(routes.iloc[0][["plant", "market"]]) == ("CN-HUA", "CN")  # spreadsheet row 2
    assert routes.iloc[1]["freight_usd_per_vehicle"] == number(found[1])
    assert routes.iloc[0]["freight_usd_per_vehicle"] == number(found[2])
    patch = applied.overrides[0]
    assert len(patch["rows"]) == int(found[3])
    assert 2 not in patch["rows"] and 3 in patch["rows"]


@pytest.mark.slow
def test_recycling_md_default_scenario_figures(run_folder: Path) -> None:
    """docs/recycling.md, "Default-scenario figures": tonnes processed and recovered by
    material, money, plants, the first binding target and the targets that cannot be met,
    recomputed from the plan's tables (about a minute of HiGHS: marked slow)."""
    from evplan.recycling.scenario import plan_from_run

    text = doc("recycling.md")
    start = text.index("### Default-scenario figures")
    section = text[start:text.index("## 6. Result tables")]
    result = plan_from_run(run_folder)
    by_material = result["recovered_by_year"].groupby("material")
    recovered_kt = by_material["recovered_tonnes"].sum() / 1000
    processed = result["economics"]["tonnes_processed"].sum() / 1000
    found = re.search(r"2023–2050: ([\d,]+) kt of retired packs processed \(every tonne\), "
                      r"(\d+) kt recovered: lithium ([\d.]+) kt, nickel ([\d.]+) kt, cobalt "
                      r"([\d.]+) kt, copper ([\d.]+) kt, aluminium (\d+) kt, graphite (\d+) kt, "
                      r"steel (\d+) kt; (\d+) kt \(`other`\) lost", section)
    assert found
    assert round(processed) == number(found[1])
    assert round(recovered_kt.sum()) == number(found[2])
    for group, material, digits in ((3, "lithium", 1), (4, "nickel", 1), (5, "cobalt", 1),
                                    (6, "copper", 1), (7, "aluminium", 0), (8, "graphite", 0),
                                    (9, "steel", 0)):
        assert round(recovered_kt[material], digits) == float(found[group]), material
    assert round(by_material["lost_tonnes"].sum()["other"] / 1000) == float(found[10])
    economics = result["economics"]
    money = re.search(r"Revenue USD ([\d.]+) bn, cost ([\d.]+) bn, net ([\d.]+) bn \(USD "
                      r"([\d,]+) per tonne\)", section)
    assert money
    revenue = economics["revenue_usd"].sum()
    net = economics["net_value_usd"].sum()
    assert round(revenue / 1e9, 2) == float(money[1])
    assert round((revenue - net) / 1e9, 2) == float(money[2])
    assert round(net / 1e9, 2) == float(money[3])
    assert round(net / economics["tonnes_processed"].sum()) == number(money[4])
    assert "Eleven plants" in section and len(result["plants"]) == 11
    later = economics[economics["year"] >= 2035]["net_value_usd_per_tonne"]
    earns = re.search(r"From 2035 the network earns USD ([\d,]+)–([\d,]+) per tonne "
                      r"\(median ([\d,]+)\)", section)
    assert earns
    assert round(later.min(), -1) == number(earns[1])
    assert round(later.max(), -1) == number(earns[2])
    assert round(later.median(), -2) == number(earns[3])
    binding = result.binding["processing_target"]
    assert (binding["target"], binding["year"]) == ("recycling_efficiency", 2038)
    assert "the 70 % recycling efficiency, in 2038" in section
    compliance = result["compliance"]
    eu_plants = compliance[(compliance["scope"] != "EU") & (compliance["year"] >= 2031)
                           & (compliance["target"] == "material_recovery")]
    short = eu_plants.groupby("material")["shortfall_tonnes"].sum()
    cannot = re.search(r"(\d+) t Co, (\d+) t Ni and (\d+) t Cu short over 2031–2050", section)
    assert cannot
    assert [round(short[m]) for m in ("cobalt", "nickel", "copper")] == [
        int(cannot[1]), int(cannot[2]), int(cannot[3])]
    content = result["recycled_content"].set_index(["year", "material"])["shortfall_tonnes"]
    assert round(content[(2031, "cobalt")], 1) == 52.8 and "short 52.8 t in 2031" in section
    assert (round(content[(2031, "lithium")], 1), round(content[(2031, "nickel")], 2)) == (
        10.8, 0.47)
    assert "short 10.8 t and 0.47 t in 2031" in section


def test_stochastic_commands_of_the_docs_name_studies_their_inputs_declare() -> None:
    """README.md and docs/*.md: every `evplan stochastic STUDY china-strategic` names a study
    of the shipped china-strategic scenarios.yaml (docs/stochastic.md ran progressive hedging
    on `duty-sampled`, which it does not declare: exit 1), and docs/stochastic.md quotes the
    message evplan gives for the study it does not declare, word for word."""
    import subprocess
    import sys

    import yaml

    from evplan.examples import china_strategic_path

    declared = yaml.safe_load((china_strategic_path() / "scenarios.yaml").read_text(
        encoding="utf-8"))["studies"]
    pages = [DOCS.parent / "README.md", *sorted(DOCS.glob("*.md"))]
    named = {(page.name, found[1]) for page in pages
             for found in re.finditer(r"evplan stochastic ([\w-]+) china-strategic",
                                      page.read_text(encoding="utf-8"))}
    assert named and not {(page, study) for page, study in named if study not in declared}
    quoted = re.search(r"so on it these commands stop with \*([^*]+)\*", doc("stochastic.md"))
    assert quoted
    run = subprocess.run([sys.executable, "-m", "evplan.cli", "stochastic", "duty-sampled",
                          "china-strategic", "--method", "progressive-hedging"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 1
    assert quoted[1] in " ".join(run.stderr.split())
