"""Session-25 usability audit (helper-98): what a first-time user reads on the screen.

- ``evplan compare`` wrote a difference below zero with an ASCII hyphen (``-8.0 pt``,
  ``-USD 437 m``), the same character as a value a run does not have (``-``), while the
  comparison page writes ``−8.0 pt``; the screen now uses the minus sign too.
- The charging report said "1 ports" (site labels, hover text, the map's caption).
- ``evplan run china-strategc`` (or ``china_strategic``) said only that the folder does not
  exist; the embedded examples' names were not mentioned, nor the one meant.
- ``repr(result)`` cut its "use" line inside a call (``evplan.write_result(result,…``).
"""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from typer.testing import CliRunner

import evplan
from evplan.charging.report import _ports_chart, _site_map_chart
from evplan.cli import app
from evplan.examples.small import single_lane
from evplan.scenarios.compare_screen import compare_tables

IDS = ["20261207-000000-aaaaaaaa", "20261207-000100-bbbbbbbb"]


def _wide() -> pd.DataFrame:
    rows = []
    for year in (2023, 2030):
        late = year == 2030
        rows += [("sales_share_by_market", year, "CN", 0.235, 0.155 if late else 0.235),
                 ("exports_by_origin", year, "CN", 100.0 if late else 0.0,
                  250_000.0 if late else 0.0),
                 ("margin", year, "all", 14.27e9, 13.83e9 if late else 14.27e9),
                 ("global_sales", year, "all", 3.37e6, 3.30e6 if late else 3.37e6)]
    frame = pd.DataFrame(rows, columns=["kpi", "year", "key", *IDS]).set_index(
        ["kpi", "year", "key"])
    frame[f"delta {IDS[1]}"] = frame[IDS[1]] - frame[IDS[0]]
    return frame


def _screen(show_all: bool) -> list[str]:
    tables, _ = compare_tables(_wide(), IDS, [92.9e9, 92.5e9], show_all=show_all, width=160)
    console = Console(width=160, record=True, color_system=None, file=open("/dev/null", "w"))
    for table in tables:
        console.print(table)
    console.file.close()
    return [line for line in console.export_text().splitlines() if line.startswith("│")]


def _cells(lines: list[str], label: str, year: str) -> list[str]:
    line = next(line for line in lines if line.split("│")[1].strip() == label
                and line.split("│")[2].strip() == year)
    return [cell.strip() for cell in line.split("│")[3:-1]]


def test_compare_differences_below_zero_have_a_minus_sign_not_the_missing_dash() -> None:
    lines = _screen(show_all=True)
    # 0.155 - 0.235 = -0.080: eight points fewer; 13.83 - 14.27 = -0.44 bn; 92.5 - 92.9 bn
    assert _cells(lines, "share of global sales sold in CN", "2030")[-1] == "−8.0 pt"
    assert _cells(lines, "margin a year, undiscounted", "2030")[-1] == "−USD 440 m"
    assert _cells(lines, "objective (discounted margin)", "all")[-1] == "−USD 400 m"
    assert _cells(lines, "global_sales", "2030")[-1] == "−70.0 k"
    assert _cells(lines, "exports from CN", "2030")[-1] == "+249.9 k"
    assert _cells(lines, "margin a year, undiscounted", "2023")[-1] == "USD 0"  # unsigned
    # the focus country has no duties row: "-" (no value), now unlike any difference
    assert _cells(lines, "duties paid", "2030") == ["-", "-", "-"]
    assert not any("-USD" in line or "-8.0" in line or "-70.0" in line for line in lines)


def _sites(ports: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"site": [f"S{n}" for n in range(len(ports))],
                         "lon": [10.0 + n for n in range(len(ports))], "lat": [50.0] * len(ports),
                         "open": [True] * len(ports), "ports": ports,
                         "zones": ["z1"] * len(ports), "peak_hour_arrivals": [1.5] * len(ports),
                         "wait_probability": [0.1] * len(ports)})


def test_charging_map_says_1_port_not_1_ports() -> None:
    chart = _site_map_chart(_sites([1]), None, None)
    assert "1 port in all" in chart["caption"] and "1 ports" not in chart["caption"]
    chosen = next(trace for trace in chart["figure"]["data"] if trace["name"] == "chosen sites")
    assert chosen["hovertext"] == ["S0: 1 port, z1 zones, 1.5 arrivals/h, P(wait) 0.10"]
    several = _site_map_chart(_sites([1, 2]), None, None)
    assert "3 ports in all" in several["caption"]  # 1 + 2


def test_charging_ports_caption_counts_one_port_in_the_singular() -> None:
    ports = pd.DataFrame({"method": ["afir", "queueing"], "charger_class": ["DC150"] * 2,
                          "year": [2030, 2030], "ports": [1.0, 2.0], "power_kw": [150.0] * 2,
                          "public_power_kw": [150.0, 300.0], "market": ["EU", "EU"]})
    caption = _ports_chart(ports)["caption"]
    assert "1 port (1 DC" in caption and "2 ports (2 DC" in caption, caption


def test_a_misspelt_embedded_example_is_named() -> None:
    for typed, meant in (("china-strategc", "china-strategic"),
                         ("china_strategic", "china-strategic"), ("China-Export", "china-export")):
        done = CliRunner().invoke(app, ["validate", typed])
        assert done.exit_code == 1, done.output
        assert f"Did you mean the embedded example '{meant}'?" in done.output, done.output
    done = CliRunner().invoke(app, ["run", "no-such-inputs", "--no-record"])
    assert done.exit_code == 1
    assert "embedded example's name (china-export, china-strategic)." in done.output
    assert "Did you mean" not in done.output


def test_result_repr_shows_every_call_of_its_use_line_whole() -> None:
    result = evplan.optimize(single_lane())
    text = repr(result)
    assert 'result["shipments"]' in text and "evplan.write_result(result, DIR)" in text, text
    assert "…" not in text.split("use", 1)[1], text
    assert all(len(line) <= 96 for line in text.splitlines()), text


def test_compare_of_two_run_folders_reads_the_store_beside_them(tmp_path, monkeypatch) -> None:
    """README: ``evplan run my-inputs/ -o runs/base`` records in ``runs/evplan.duckdb``;
    ``evplan compare runs/base runs/variant`` looked in ``evplan-output/evplan.duckdb`` and
    said the run "matches no run" there (and ``evplan runs`` did not list it either)."""
    from evplan.data import write_inputs

    monkeypatch.chdir(tmp_path)
    inputs = write_inputs(single_lane(), tmp_path / "inputs")
    write_inputs(single_lane(freight=3_000.0), tmp_path / "dearer")
    for source, folder in ((inputs, "runs/base"), (tmp_path / "dearer", "runs/variant")):
        done = CliRunner().invoke(app, ["run", str(source), "-o", folder, "--no-report"])
        assert done.exit_code == 0, done.output
    done = CliRunner().invoke(app, ["compare", "runs/base", "runs/variant"])
    assert done.exit_code == 0, done.output
    # one lane of 600 vehicles (tier 600 at USD 20,000): freight USD 2,000 more a vehicle
    margin = next(line for line in done.output.splitlines() if "objective" in line)
    assert margin.split("│")[-2].strip() == "−USD 1 m", done.output  # 600 x 2,000 = 1.2 m
    # a folder recorded in another store than the one compared is named with its store
    other = CliRunner().invoke(app, ["run", str(inputs), "--no-report"])
    assert other.exit_code == 0, other.output
    mixed = CliRunner().invoke(app, ["compare", "evplan-output/single-lane", "runs/base"])
    assert mixed.exit_code == 1
    assert "is recorded in runs/evplan.duckdb, the store beside it" in mixed.output, \
        mixed.output


def test_breakeven_rates_are_percent_with_a_space_as_every_other_screen() -> None:
    """docs/glossary.md and ``evplan.units``: fractions are ``23.5 %``; the break-even table
    alone printed ``30.7%``."""
    from evplan.scenarios.display import breakeven_table

    frame = pd.DataFrame({
        "year": [2027, 2027], "used": [True, False], "shipment_vehicles": [33_000.0, 0.0],
        "plant": ["CN-HUA", "CN-HUA"], "market": ["EU", "BR"], "program": ["N7", "N7"],
        "ad_valorem_rate": [0.1, 0.35], "cvd_rate": [0.207, 0.0],
        "breakeven_rate": [0.127, 0.2], "exact": [True, True],
        "meaning": ["stops above", "starts below"]})
    console = Console(width=120, record=True, color_system=None, file=open("/dev/null", "w"))
    console.print(breakeven_table(frame, 2027, 10))
    console.file.close()
    lines = [line for line in console.export_text().splitlines() if "CN-HUA" in line]
    cells = [[cell.strip() for cell in line.split("│")[1:-1]] for line in lines]
    # 0.1 + 0.207 = 30.7 % now, 0.127 + 0.207 = 33.4 % at break-even; 35 % and 20 % unused
    assert cells[0][3:5] == ["30.7 %", "33.4 %"], cells
    assert cells[1][3:5] == ["35.0 %", "20.0 %"], cells
