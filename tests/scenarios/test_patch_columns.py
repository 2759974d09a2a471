"""Overrides may not set or scale key columns, scale years, set a whole-number column to a
fraction or a numeric column to text: refused when scenarios.yaml is read, naming the
override, the column and what to write (scenarios audit, session 18).

Before, ``scale: {year: 2}`` on demand ran and failed with "... and 6008 more rows" of
years outside the horizon, ``set: {market: US}`` on duties failed with coverage gaps on
routes, ``set: {first_year: 2027.5}`` with a coverage gap, and ``set: {ad_valorem_rate:
"0.3"}`` (text) ran while ``scale`` refused text.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import evplan
from evplan.cli import app
from evplan.errors import InputError
from evplan.scenarios import apply
from evplan.scenarios.overrides import parse_catalog

CASES = {
    "set-key": ({"duties": {"where": {"origin": "CN", "market": "EU"}, "set": {"market": "US"}}},
                "duties.market is a key column"),
    "rename-plant": ({"plants": {"where": {"plant": "CN-WH"}, "set": {"plant": "CN-XX"}}},
                     "plants.plant is a key column"),
    "scale-year": ({"demand": {"scale": {"year": 2}}}, "demand.year is a key column"),
    "scale-tier": ({"demand": {"scale": {"tier": 1.5}}}, "demand.tier is a key column"),
    "scale-range": ({"plants": {"scale": {"last_year": 1.001}}},
                    "plants.last_year is a year; scaling it makes no year"),
    "fraction-year": ({"duties": {"where": {"origin": "CN", "market": "EU"},
                                  "set": {"first_year": 2027.5}}},
                      "set first_year = 2027.5 is not a whole number"),
    "text-number": ({"duties": {"where": {"origin": "CN", "market": "EU"},
                                "set": {"ad_valorem_rate": "0.3"}}},
                    "set ad_valorem_rate = '0.3' is text; write the number without quotes"),
}


@pytest.mark.parametrize("name", CASES)
def test_refused_when_read(name: str) -> None:
    body, message = CASES[name]
    with pytest.raises(InputError) as error:
        parse_catalog({"overrides": {name: body}})
    (problem,) = error.value.problems
    assert problem.file == "scenarios.yaml"
    assert problem.message.startswith(f"override '{name}': ")
    assert message in problem.message


def test_a_parameter_on_a_key_column_is_refused() -> None:
    with pytest.raises(InputError, match=r"demand\.year is a key column"):
        parse_catalog({"parameters": {"shift": {"demand": {"scale": "year"}}}})


def test_what_overrides_do_set_still_reads_and_applies() -> None:
    """Year ranges may be set (close a plant), whole numbers to whole numbers, null clears."""
    catalog = parse_catalog({"overrides": {
        "close": {"plants": {"where": {"plant": "CN-WH"}, "set": {"last_year": 2025}}},
        "start": {"routes": {"where": {"market": "EU"}, "set": {"first_year": 2025.0}}},
        "rate": {"duties": {"where": {"origin": "CN", "market": "EU"},
                            "set": {"ad_valorem_rate": 0.3, "quota_vehicles_per_year": None}}},
    }})
    data = evplan.examples.china_export()
    closed = apply(data, "close", catalog)
    assert closed["plants"].set_index("plant").at["CN-WH", "last_year"] == 2025
    assert set(apply(data, "rate", catalog)["duties"].query(
        "origin == 'CN' and market == 'EU'")["ad_valorem_rate"]) == {0.3}


def test_the_command_line_says_so_and_writes_nothing(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    assert CliRunner().invoke(app, ["template", f"{inputs}/"]).exit_code == 0
    (inputs / "scenarios.yaml").write_text(
        "overrides:\n  x: {demand: {scale: {year: 2}}}\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(inputs), "--scenario", "x", "-o", str(out),
                                      "--store", str(tmp_path / "s.duckdb")])
    assert result.exit_code == 1
    assert "demand.year is a key column" in result.output
    assert "more rows" not in result.output
    assert not out.exists() and not (tmp_path / "s.duckdb").exists()
