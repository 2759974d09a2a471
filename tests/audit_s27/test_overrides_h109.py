"""`evplan validate` checks each override and scenario as `evplan run --scenario` applies it
(audit s27, helper-109): a bad value, a bad composition and a where value no row holds are
listed by validate, with run's own message, without revalidating every table per name."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import evplan
from evplan.cli import app
from evplan.errors import InputError
from evplan.scenarios.apply import apply_patches
from evplan.scenarios.override_checks import VALUE_ONLY, override_problems
from evplan.scenarios.overrides import parse_catalog

BAD = {
    "bad-cvd": {"countervailing_duties": {"where": {"origin": "CN", "market": "EU",
                                                    "powertrain": "BEV"},
                                          "set": {"cvd_rate": -0.5}}},
    "bad-freight": {"routes": {"scale": {"freight_usd_per_vehicle": -1}}},
    "bad-where": {"countervailing_duties": {"where": {"market": "eu"},
                                            "set": {"cvd_rate": 0.2}}},
}


def _folder(tmp_path: Path, overrides: dict[str, object],
            scenarios: dict[str, list[str]] | None = None) -> Path:
    folder = tmp_path / "inputs"
    shutil.copytree(evplan.examples.china_export_path(), folder)
    raw = yaml.safe_load((folder / "scenarios.yaml").read_text(encoding="utf-8"))
    raw["overrides"].update(overrides)
    raw["scenarios"].update(scenarios or {})
    (folder / "scenarios.yaml").write_text(yaml.safe_dump(raw, sort_keys=False),
                                           encoding="utf-8")
    return folder


def test_validate_lists_each_override_run_refuses(tmp_path: Path) -> None:
    """validate passed all three (exit 0, "is valid"); run --scenario refused each."""
    folder = _folder(tmp_path, BAD, {"both-bad": ["bad-cvd", "bad-freight"]})
    before = sorted(path.name for path in folder.iterdir())
    done = CliRunner().invoke(app, ["validate", str(folder)])
    assert done.exit_code == 1, done.output
    text = " ".join(done.output.split())
    assert "is valid" not in text
    assert re.search(r"override 'bad-cvd' makes countervailing_duties invalid: row \d+, "
                     r"countervailing duty '[^']+': cvd_rate = -0.5 is outside \[0, 5\]\. Fix "
                     r"the sign or the value\.", text)
    assert re.search(r"override 'bad-freight' makes routes invalid: row \d+, route '[^']+': "
                     r"freight_usd_per_vehicle = -\d+ is below the minimum 0\.", text)
    assert "override 'bad-where' (countervailing_duties): market 'eu' is in no row of " \
           "countervailing_duties. Did you mean 'EU'?" in text
    assert "scenarios 'both-bad'" not in text  # named after the override: "scenario ... uses it"
    assert "(scenario 'both-bad' uses it)" in text
    assert "scenarios.yaml" in text
    assert sorted(path.name for path in folder.iterdir()) == before  # nothing written


@pytest.mark.parametrize("overrides, scenario", [
    (BAD, None),
    # each override is fine alone; together the CVD rate is 0.6 * 10 = 6 > 5
    ({"cvd-60": {"countervailing_duties": {"set": {"cvd_rate": 0.6}}},
      "cvd-x10": {"countervailing_duties": {"scale": {"cvd_rate": 10}}}},
     ["cvd-60", "cvd-x10"]),
    # a required volume cleared; an in-quota rate above the ad valorem rate; a plant whose
    # first year is after its last; a ZEV share of 2; a falling tier price made to rise
    ({"no-volume": {"demand": {"where": {"market": "CN"}, "set": {"volume_vehicles": None}}},
      "quota-up": {"duties": {"set": {"in_quota_rate": 5.0}}},
      "reversed": {"plants": {"where": {"plant": "CN-WH"}, "set": {"first_year": 2029,
                                                                   "last_year": 2026}}},
      "zev-2": {"zev_mandates": {"scale": {"zev_share": 20}}},
      "tier-up": {"demand": {"where": {"tier": 2}, "scale": {"price_usd_per_vehicle": 9}}},
      "quota-none": {"duties": {"scale": {"quota_vehicles_per_year": -1}}}}, None),
    # fine: a plant closed before the plan is a note under an override, as in run
    ({"close-early": {"plants": {"where": {"plant": "CN-WH"}, "set": {"last_year": 2020}}},
      "carbon-x3": {"carbon_prices": {"scale": {"carbon_price_usd_per_t": 3}}}},
     ["close-early", "carbon-x3"]),
])
def test_validate_agrees_with_run(overrides: dict[str, object],
                                  scenario: list[str] | None) -> None:
    """For each name: validate's check finds exactly what the full apply (run's path) finds."""
    data = evplan.examples.china_export()
    raw = {"overrides": overrides, "scenarios": {"together": scenario} if scenario else {}}
    catalog = parse_catalog(raw)
    found = override_problems(data, catalog)
    expected = []
    failed = set()
    for name, patches in catalog.overrides.items():
        try:
            apply_patches(data, patches, name)
        except InputError as error:
            failed.add(name)
            expected += [problem.message for problem in error.problems]
    if scenario and not failed.intersection(scenario):
        try:
            apply_patches(data, catalog.resolve("together"), "together")
        except InputError as error:
            expected += [f"scenario 'together': {problem.message}"
                         for problem in error.problems]
    shown = [re.sub(r" \(scenarios? .* uses? it\)$", "", problem.message) for problem in found]
    assert shown == expected
    if scenario and "cvd-60" in scenario:  # the composition is what fails
        assert all(text.startswith("scenario 'together': ") for text in shown)
    assert bool(expected) == ("close-early" not in overrides)  # the cases do what they say


def test_the_value_only_columns_are_read_by_no_cross_table_check() -> None:
    """VALUE_ONLY skips check_tables for these columns: no check module may name them."""
    source = "".join((Path(evplan.__file__).parent / "data" / name).read_text(encoding="utf-8")
                     for name in ("checks.py", "compliance_checks.py", "strategic_checks.py",
                                  "horizon_checks.py", "spelling_checks.py", "duties.py",
                                  "products.py", "validate.py", "recheck.py"))
    for table, columns in VALUE_ONLY.items():
        for column in columns - {"first_year", "last_year"}:
            assert not re.search(rf"\b{column}\b", source), (table, column)


def test_the_example_scenarios_all_pass() -> None:
    data = evplan.examples.china_export()
    from evplan.scenarios.apply import catalog_for

    assert override_problems(data, catalog_for(data)) == []


def test_an_override_of_a_table_without_rows_says_so(tmp_path: Path) -> None:
    """Without countervailing_duties.csv the shipped CVD overrides patch nothing: run
    --scenario eu-cvd-up refused it ("Values: ." named no value), validate passed."""
    folder = _folder(tmp_path, {})
    (folder / "countervailing_duties.csv").unlink()
    done = CliRunner().invoke(app, ["validate", str(folder)])
    assert done.exit_code == 1, done.output
    text = " ".join(done.output.split())
    assert ("override 'eu-cvd-up' (countervailing_duties): market 'EU' is in no row of "
            "countervailing_duties. countervailing_duties has no rows here: drop the override, "
            "or add the rows it patches.") in text
    assert "Values: ." not in text
