"""The input fuzz suite: malformed variants of the default inputs must fail cleanly.

Every variant of :mod:`tests.fuzz.variants` runs in this process through what the CLI calls
(``load``, ``apply_scenario``, ``run_sweep`` ...): it must give an ``InputError`` naming the
file (or sheet), the row where there is one, and the words of the problem, never another
exception; a documented harmless acceptance must give inputs equal to the reference. A
stratified sample also runs through ``evplan validate`` and ``evplan run`` in a subprocess:
exit 1, no traceback, the file and row in the message, nothing written, no input touched.

The first variant of every group runs by default; the first five of every group are marked
``slow`` (CI runs both); the rest are marked ``exhaustive`` too and run only when asked
(``python -m pytest -m exhaustive tests/fuzz``).
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from evplan.data import NetworkData
from evplan.examples import china_export_path
from evplan.scenarios import Catalog
from tests.fuzz.conftest import TIMINGS, evplan_cli
from tests.fuzz.run import cli_args, run_in_process
from tests.fuzz.variants import ACCEPTED, Variant, all_variants, stratified

VARIANTS = all_variants(china_export_path())
CI_PART = stratified(VARIANTS)
#: The slow tier CI runs: the first five variants of every group (about 280). The others
#: (mostly the same mutation in one more numeric column; tests/data/test_garbage.py checks
#: every numeric column's ceiling already) are ``exhaustive``: `python -m pytest -m exhaustive`.
SLOW_PART = stratified(VARIANTS, per_group=5)
#: Groups whose first variant also runs through the CLI by default (the rest: slow).
CLI_GROUPS = ("cell-numeric-nan", "cell-text-unknown-id", "row-duplicate", "file-missing",
              "file-bom", "file-utf16", "file-semicolon", "yaml-alias-bomb", "yaml-python-tag",
              "yaml-value-nan", "catalog-sweep-values", "catalog-override-values",
              "catalog-montecarlo", "option", "workbook-formula", "workbook-stale-dimension",
              "workbook-merged", "workbook-corrupt")


def _params(variants: list[Variant], fast: set[str],
            slow: set[str] | None = None) -> list[object]:
    def marks(variant: Variant) -> tuple[pytest.MarkDecorator, ...]:
        if variant.id in fast:
            return ()
        if slow is None or variant.id in slow:
            return (pytest.mark.slow,)
        return (pytest.mark.slow, pytest.mark.exhaustive)

    return [pytest.param(variant, id=variant.id, marks=marks(variant)) for variant in variants]


def _materialise(variant: Variant, base: Path, root: Path) -> tuple[Path, Path]:
    """Copy the pristine inputs into ``root/inputs``, apply the variant; (folder, path)."""
    folder = shutil.copytree(base, root / "inputs")
    return folder, variant.build(folder)


def _digest(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def _same_inputs(found: NetworkData, expected: NetworkData) -> None:
    assert found.scenario == expected.scenario
    for name, frame in expected.tables.items():
        pd.testing.assert_frame_equal(found.tables[name], frame, obj=name)


def _row_named(row: int, text: str) -> bool:
    return re.search(rf"\brows? (?:[\d, and]*?)\b{row}\b", text) is not None


def test_at_least_500_variants_and_every_acceptance_documented() -> None:
    assert len(VARIANTS) >= 500
    accepted = {variant.group for variant in VARIANTS if variant.expect == "same"}
    assert accepted <= set(ACCEPTED)
    docs = (Path(__file__).parents[2] / "docs" / "inputs.md").read_text(encoding="utf-8")
    for phrase in ("byte-order mark", "CRLF", "missing or has a header and no rows",
                   "whatever the sheet's stored dimension says", "calculated value",
                   "fewer cells than the header"):
        assert phrase in docs


@pytest.mark.timeout(120)
@pytest.mark.parametrize("variant", _params(VARIANTS, CI_PART, SLOW_PART))
def test_variant_in_process(variant: Variant, fuzz_base: Path, references: dict[
        str, NetworkData | Catalog], tmp_path: Path) -> None:
    folder, path = _materialise(variant, fuzz_base, tmp_path)
    before = _digest(folder)
    outcome = run_in_process(variant.command, path)
    TIMINGS["in-process"].append((outcome.seconds, variant.id))
    assert outcome.status != "crash", outcome.text
    if variant.expect == "error":
        assert outcome.status == "error", f"{variant.id} was accepted"
        files = {problem.file for problem in outcome.problems}
        assert any(variant.file in file for file in files), (variant.file, outcome.text)
        if variant.row is not None:
            assert any(problem.row == variant.row and variant.file in problem.file
                       for problem in outcome.problems), outcome.text
        for word in variant.words:
            assert word in outcome.text, (word, outcome.text)
        assert "Traceback" not in outcome.text
    else:
        assert outcome.status == "ok", outcome.text
        expected = references[variant.reference]
        if isinstance(expected, Catalog):
            from evplan.scenarios import load_catalog

            assert load_catalog(path) == expected
        else:
            _same_inputs(outcome.value, expected)
    assert _digest(folder) == before, "an input file was changed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inputs"]


CLI_FAST = {next(v.id for v in VARIANTS if v.group == group) for group in CLI_GROUPS}
CLI_SLOW = {next(v.id for v in VARIANTS if v.group == group) for group in
            {v.group for v in VARIANTS} - set(CLI_GROUPS)}


@pytest.mark.timeout(600)
@pytest.mark.parametrize("variant", _params([v for v in VARIANTS if v.id in CLI_FAST | CLI_SLOW],
                                            CLI_FAST))
def test_variant_through_the_cli(variant: Variant, fuzz_base: Path, tmp_path: Path,
                                 reference_run: Callable[[str], Path]) -> None:
    folder, path = _materialise(variant, fuzz_base, tmp_path)
    before = _digest(folder)
    commands = cli_args(variant.command, path, tmp_path / "out")
    if variant.id not in CLI_FAST:  # the slow sample: `run` only (validate is its first step)
        commands = commands[-1:]
    for args in commands:
        done, seconds, cpu = evplan_cli(*args, cwd=tmp_path)
        TIMINGS["cli wall"].append((seconds, f"{variant.id} ({args[0]})"))
        TIMINGS["cli cpu"].append((cpu, f"{variant.id} ({args[0]})"))
        output = done.stdout + done.stderr
        assert "Traceback" not in output, output
        if variant.expect == "error":
            assert done.returncode == 1, output
            assert variant.file in done.stderr, done.stderr
            if variant.row is not None:
                assert _row_named(variant.row, done.stderr), done.stderr
            for word in variant.words:
                assert word in done.stderr, (word, done.stderr)
            assert sorted(p.name for p in tmp_path.iterdir()) == ["inputs"], "something written"
        else:
            assert done.returncode == 0, output
            if args[0] == "run":
                _same_plan(tmp_path / "out", reference_run(variant.reference))
                shutil.rmtree(tmp_path / "out")
    assert _digest(folder) == before, "an input file was changed"


def _same_plan(found: Path, expected: Path) -> None:
    """The result tables of two run folders are equal (run.json holds timings: skipped)."""
    tables = sorted(path.name for path in expected.glob("*.csv"))
    assert tables and sorted(path.name for path in found.glob("*.csv")) == tables
    for name in tables:
        pd.testing.assert_frame_equal(pd.read_csv(found / name), pd.read_csv(expected / name),
                                      obj=name)
