"""Workbooks carry scenarios (issue 18, item 5): ``evplan template book.xlsx`` writes a
``scenarios`` sheet; ``evplan run book.xlsx --scenario NAME`` reads it."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
import yaml

import evplan
from evplan.data.template import write_csv_template
from evplan.errors import InputError
from evplan.examples import china_export
from evplan.report import write_template
from evplan.scenarios import apply, catalog_for, load_catalog, montecarlo
from evplan.scenarios.workbook import read_workbook_catalog
from tests.cli.test_grammar import evplan as run_cli


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(tmp_path_factory.mktemp("book") / "book.xlsx")


def test_the_template_carries_every_scenario_sweep_and_study(book: Path) -> None:
    workbook = openpyxl.load_workbook(book, read_only=True)
    assert "scenarios" in workbook.sheetnames
    assert read_workbook_catalog(book) == catalog_for(china_export())


def test_run_scenario_from_the_workbook_matches_the_csv_folder(book: Path, tmp_path: Path
                                                               ) -> None:
    done = run_cli("run", str(book), "--scenario", "trade-war", "-o", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    record = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert record["scenario"]["scenario"] == "trade-war"
    assert [patch["override"] for patch in record["scenario"]["overrides"]] == [
        "eu-cvd-up", "br-100pct-ev", "mx-100pct-ev"]
    folder = evplan.optimize(apply(china_export(), "trade-war"))
    assert record["objective_usd"] == pytest.approx(folder.objective_usd, rel=1e-9)


def test_a_csv_template_of_the_workbook_keeps_its_scenarios(book: Path, tmp_path: Path) -> None:
    folder = write_csv_template(tmp_path / "inputs", evplan.load(book))
    assert load_catalog(folder) == catalog_for(china_export())


def test_descriptions_that_look_like_formulas_stay_text(tmp_path: Path) -> None:
    folder = write_csv_template(tmp_path / "inputs")
    raw = yaml.safe_load((folder / "scenarios.yaml").read_text(encoding="utf-8"))
    raw["descriptions"]["trade-war"] = '=HYPERLINK("http://example.com", "click")'
    raw["descriptions"]["freight-shock"] = "+1 freight"
    (folder / "scenarios.yaml").write_text(yaml.safe_dump(raw, sort_keys=False),
                                           encoding="utf-8")
    book = write_template(tmp_path / "book.xlsx", evplan.load(folder))
    sheet = openpyxl.load_workbook(book)["scenarios"]
    cells = {row[1].value: row[3] for row in sheet.iter_rows(min_row=2)}
    assert cells["trade-war"].data_type == "s" and cells["freight-shock"].data_type == "s"
    assert cells["trade-war"].value == '=HYPERLINK("http://example.com", "click")'
    descriptions = read_workbook_catalog(book).descriptions
    assert descriptions["trade-war"] == '=HYPERLINK("http://example.com", "click")'
    assert descriptions["freight-shock"] == "+1 freight"


def test_bad_rows_name_the_sheet_and_row(book: Path, tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(book)
    sheet = workbook["scenarios"]
    sheet["A2"] = "overide"
    sheet["C3"] = "{countervailing_duties: {where: [unclosed"
    broken = tmp_path / "broken.xlsx"
    workbook.save(broken)
    with pytest.raises(InputError) as error:
        read_workbook_catalog(broken)
    messages = [f"{problem.file}: {problem.message}" for problem in error.value.problems]
    assert messages[0] == ("broken.xlsx, sheet scenarios: row 2: section 'overide' is not one "
                           "of overrides, scenarios, parameters, sweeps, montecarlo, studies, "
                           "descriptions. Did you mean 'overrides'?")
    assert messages[1].startswith("broken.xlsx, sheet scenarios, row 3 (eu-cvd-off)")
    assert len(messages) == 2


def test_an_unknown_name_is_looked_for_in_the_workbooks_sheet_not_scenarios_yaml(
        book: Path, tmp_path: Path) -> None:
    # The workbook's user has no scenarios.yaml; the errors named one.
    done = run_cli("run", str(book), "--scenario", "trade-wars", "-o", "out", cwd=tmp_path)
    assert done.returncode == 1 and "scenarios.yaml" not in done.stderr
    assert "book.xlsx, sheet scenarios" in done.stderr and "trade-war" in done.stderr
    study = run_cli("stochastic", "no-such-study", str(book), "-o", "out", cwd=tmp_path)
    assert study.returncode == 1 and "scenarios.yaml" not in study.stderr
    assert "book.xlsx, sheet scenarios" in study.stderr and "not a study" in study.stderr
    catalog = read_workbook_catalog(book)
    for lookup in (lambda: catalog.parameter("fright"),
                   lambda: evplan.sweep("eu-duty-x-fright", evplan.load(book), catalog=catalog),
                   lambda: montecarlo("uncertainty-x", evplan.load(book), catalog=catalog)):
        with pytest.raises(InputError) as error:
            lookup()
        assert [problem.file for problem in error.value.problems] == [
            "book.xlsx, sheet scenarios"]
    assert not (tmp_path / "out").exists()


def test_a_bad_entry_names_the_sheet_and_row_not_scenarios_yaml(book: Path, tmp_path: Path
                                                                ) -> None:
    """An audit found an entry that reads as YAML but breaks a rule (a typo in a column, an
    empty override) blamed on "scenarios.yaml", a file the workbook's user does not have,
    without the row. Rows 2 and 3 hold eu-cvd-up and eu-cvd-off."""
    workbook = openpyxl.load_workbook(book)
    sheet = workbook["scenarios"]
    assert (sheet["B2"].value, sheet["B3"].value) == ("eu-cvd-up", "eu-cvd-off")
    sheet["C2"] = "{countervailing_duties: {where: {orign: CN}, set: {cvd_rate: 0.353}}}"
    sheet["C3"] = "{}"
    broken = tmp_path / "entries.xlsx"
    workbook.save(broken)
    with pytest.raises(InputError) as error:
        read_workbook_catalog(broken)
    assert [(problem.file, problem.row, problem.message) for problem in error.value.problems
            ] == [("entries.xlsx, sheet scenarios", 2, "row 2, entry: override 'eu-cvd-up': "
                   "where column 'orign' is not in countervailing_duties. Did you mean "
                   "'origin'?"),
                  ("entries.xlsx, sheet scenarios", 3, "row 3, entry: override 'eu-cvd-off' "
                   "patches no table (found {}), so it would change nothing. Give table: "
                   "patch, e.g. {routes: {scale: {freight_usd_per_vehicle: 2}}}.")]


def test_an_override_that_fails_when_applied_names_its_sheet_row(book: Path,
                                                                   tmp_path: Path) -> None:
    """A workbook override whose where matches no row (found when it is applied, not when
    the sheet is read) was blamed on "scenarios.yaml"; it names the sheet and its row, and
    so does a sweep parameter's patch."""
    workbook = openpyxl.load_workbook(book)
    sheet = workbook["scenarios"]
    rows = {sheet.cell(row, 2).value: row for row in range(2, sheet.max_row + 1)}
    row = rows["freight-shock"]
    sheet.cell(row, 3).value = ("{routes: {where: {plant: CN-XXX}, scale: "
                                "{freight_usd_per_vehicle: 2.0}}}")
    moved = tmp_path / "moved.xlsx"
    workbook.save(moved)
    data = evplan.load(moved)
    with pytest.raises(InputError) as error:
        apply(data, "freight-shock")
    assert [(problem.file, problem.message) for problem in error.value.problems] == [
        (f"moved.xlsx, sheet scenarios, row {row}", "override 'freight-shock' (routes): plant "
         "'CN-XXX' is in no row of routes. Did you mean 'CN-XYG'?")]
    catalog = catalog_for(data)
    parameter = catalog.parameter("freight")
    assert parameter.source == f"moved.xlsx, sheet scenarios, row {rows['freight']}"
    assert parameter.bind(2.0)[0].source == parameter.source


def test_a_workbook_without_the_sheet_uses_the_scenarios_yaml_beside_it(book: Path,
                                                                         tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(book)
    del workbook["scenarios"]
    old = tmp_path / "old.xlsx"
    workbook.save(old)
    assert read_workbook_catalog(old).scenarios == {}  # nothing beside it yet
    folder = write_csv_template(tmp_path / "inputs")
    (tmp_path / "scenarios.yaml").write_text(
        (folder / "scenarios.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert read_workbook_catalog(old) == catalog_for(china_export())
