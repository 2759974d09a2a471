"""A scenario run is titled with its scenario name everywhere (issue 18, item 5): the terminal
summary's header, report.html's title and heading, the default run folder, the store's record."""

from __future__ import annotations

import html
import re
from pathlib import Path

import duckdb

from evplan.summary import run_title
from tests.cli.test_grammar import evplan


def test_run_title_names_the_applied_scenario_only() -> None:
    assert run_title({"name": "china-export", "scenario": "trade-war"}) == (
        "china-export · trade-war")
    assert run_title({"name": "china-export", "scenario": "base"}) == "china-export"
    assert run_title({"name": "china-export"}) == "china-export"


def test_a_scenario_run_is_titled_with_its_name_on_every_surface(tmp_path: Path) -> None:
    done = evplan("run", "--scenario", "trade-war", "--store", "x.duckdb", cwd=tmp_path,
                  columns=120)
    assert done.returncode == 0, done.stderr
    header = next(line for line in done.stdout.splitlines() if line.strip().startswith("evplan"))
    assert header.strip().startswith("evplan · china-export · trade-war · optimal · objective")
    folder = tmp_path / "evplan-output" / "china-export-trade-war"
    assert (folder / "report.html").is_file()
    page = (folder / "report.html").read_text(encoding="utf-8")
    title = html.unescape(re.search(r"<title>(.*?)</title>", page).group(1))  # type: ignore[union-attr]
    heading = html.unescape(re.search(r"<h1[^>]*>(.*?)</h1>", page).group(1))  # type: ignore[union-attr]
    assert title == heading == ("china-export · trade-war: China's plants and their markets, "
                                "2023–2030")
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as store:
        rows = store.sql("select scenario, base_scenario from runs").fetchall()
    assert rows == [("trade-war", "china-export")]
