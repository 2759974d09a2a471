"""Problems in ``scenarios.yaml`` name the line of the entry they are about, when the file
is read and when an override or a parameter is applied (scenarios audit, session 18: they
named the file and the entry only, where a workbook's sheet names its row)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import evplan
from evplan.cli import app
from evplan.errors import InputError
from evplan.scenarios import apply, load_catalog, run_sweep
from evplan.scenarios.catalog_file import entry_lines

TEXT = """\
overrides:
  fine: {routes: {scale: {freight_usd_per_vehicle: 2}}}
  typo: {duties: {set: {ad_valorum_rate: 0.2}}}
parameters:
  freight: {routes: {scale: freight_usd_per_vehicle}}

  tyop: {routes: {scale: freight_usd_per_vehicl}}
"""

APPLIED = """\
# comments and blank lines count
overrides:

  no-row:
    duties: {where: {origin: CN, market: XX}, set: {ad_valorem_rate: 0.5}}
  negative: {duties: {where: {origin: CN, market: EU}, set: {ad_valorem_rate: -0.2}}}
parameters:
  rate: {duties: {where: {origin: CN, market: EU}, set: ad_valorem_rate}}
"""


def test_problems_found_when_read_name_their_line(tmp_path: Path) -> None:
    (tmp_path / "scenarios.yaml").write_text(TEXT, encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_catalog(tmp_path)
    assert [problem.message[:31] for problem in error.value.problems] == [
        "line 3: override 'typo': set co", "line 7: parameter 'tyop': scale"]
    assert {problem.file for problem in error.value.problems} == {"scenarios.yaml"}


def test_problems_met_when_applied_name_their_line(tmp_path: Path) -> None:
    (tmp_path / "scenarios.yaml").write_text(APPLIED, encoding="utf-8")
    catalog = load_catalog(tmp_path)
    data = evplan.examples.china_export()
    with pytest.raises(InputError) as error:
        apply(data, "no-row", catalog)
    assert error.value.problems[0].message.startswith(
        "line 4: override 'no-row' (duties): market 'XX' is in no row of duties.")
    with pytest.raises(InputError) as error:
        apply(data, "negative", catalog)
    assert error.value.problems[0].message.startswith(
        "line 6: override 'negative' makes duties invalid: row ")
    with pytest.raises(InputError) as error:
        run_sweep({"rate": [0.1, -1.0]}, data, catalog=catalog)
    assert any(problem.message.startswith("line 8: override 'rate=-1' makes duties invalid")
               for problem in error.value.problems)


def test_the_command_line_shows_the_line(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    assert CliRunner().invoke(app, ["template", f"{inputs}/"]).exit_code == 0
    (inputs / "scenarios.yaml").write_text(APPLIED, encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(inputs), "--scenario", "no-row", "--no-record",
                                      "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "line 4: override 'no-row' (duties): market 'XX'" in result.output
    assert not (tmp_path / "out").exists()


def test_entry_lines_of_the_shipped_file() -> None:
    folder = Path(evplan.__file__).parent / "examples" / "china_export"
    text = (folder / "scenarios.yaml").read_text(encoding="utf-8")
    lines = entry_lines(text)
    for (section, name), line in lines.items():
        assert text.splitlines()[line - 1].lstrip().startswith(f"{name}:"), (section, name)
    assert ("overrides", "freight-shock") in lines and ("sweeps", "eu-duty-x-freight") in lines
