"""``evplan stochastic`` end to end: the hand-solved tree from a folder, and its errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from evplan.data import write_inputs
from evplan.examples import strategic_lane

STUDY = """overrides:
  high: {demand: {set: {volume_vehicles: 1000}}}
  low: {demand: {set: {volume_vehicles: 300}}}
studies:
  demand:
    scenarios:
      high: {probability: 0.3, overrides: [high]}
      low: {probability: 0.7, overrides: [low]}
"""


def _evplan(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evplan.cli", "stochastic", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_stochastic_prints_and_writes_the_hand_solved_values(tmp_path: Path) -> None:
    inputs = write_inputs(strategic_lane(), tmp_path / "inputs")
    (inputs / "scenarios.yaml").write_text(STUDY, encoding="utf-8")
    done = _evplan("demand", str(inputs), "-o", str(tmp_path / "out"), "--frontier", "0,2",
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Study demand: 2 scenarios, revealed after the horizon; 3 "
                                  "shared decisions, 3 non-anticipativity rows; status optimal")
    assert "EVPI" in done.stdout and "0.4 M" in done.stdout
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["objective_usd"] == pytest.approx(2.59e6)
    assert summary["evpi_usd"] == pytest.approx(0.42e6)
    assert summary["vss_usd"] == pytest.approx(0.75e6)
    regret = pd.read_csv(tmp_path / "out" / "regret.csv")
    assert set(regret["plan"]) == {"high", "low", "stochastic", "expected-value"}
    frontier = pd.read_csv(tmp_path / "out" / "frontier.csv")
    # CVaR_0.9 is the low scenario: at lambda 2, 1 module (1.84 + 2 x 1.3 > 2.59 + 2 x 0.7)
    assert frontier["decisions_changed"].tolist() == [0, 1]
    first = pd.read_csv(tmp_path / "out" / "first_stage.csv")
    assert first.set_index("variable")["value"]["plant_modules"] == 2
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert '<h2 class="section" id="decisions-under-uncertainty">Decisions under uncertainty' \
        in page
    assert 'data-evplan-plotlyjs="shared"' in page  # plotly.js shared beside the folder
    assert any((tmp_path / "_assets").glob("plotly-*.min.js"))
    # recorded beside the folder; `evplan studies` lists it and shows its scenarios
    assert "Recorded as run " in done.stdout
    listed = subprocess.run([sys.executable, "-m", "evplan.cli", "studies", "--store",
                             str(tmp_path / "evplan.duckdb")], cwd=tmp_path,
                            capture_output=True, text=True, timeout=600)
    assert listed.returncode == 0, listed.stderr
    assert "demand" in listed.stdout and "0.4 M" in listed.stdout  # EVPI 0.42 M
    run_id = done.stdout.split("Recorded as run ", 1)[1].split()[0]
    shown = subprocess.run([sys.executable, "-m", "evplan.cli", "studies", run_id,
                            "--store", str(tmp_path / "evplan.duckdb")], cwd=tmp_path,
                           capture_output=True, text=True, timeout=600)
    assert shown.returncode == 0, shown.stderr
    assert "high" in shown.stdout and "low" in shown.stdout


def test_unknown_study_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    inputs = write_inputs(strategic_lane(), tmp_path / "inputs")
    (inputs / "scenarios.yaml").write_text(STUDY, encoding="utf-8")
    done = _evplan("demnd", str(inputs), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].endswith("'demnd' is not a study. Did you mean "
                                                 "'demand'?")
    assert not (tmp_path / "out").exists()


def test_a_mip_gap_above_1_is_refused_before_the_solve(tmp_path: Path) -> None:
    """An audit found `--mip-gap 5` accepted: every plan within 500 % of the bound, and
    still called optimal (evplan run refuses a gap above 1)."""
    inputs = write_inputs(strategic_lane(), tmp_path / "inputs")
    (inputs / "scenarios.yaml").write_text(STUDY, encoding="utf-8")
    done = _evplan("demand", str(inputs), "--mip-gap", "5", "-o", str(tmp_path / "out"),
                   cwd=tmp_path)
    assert done.returncode == 64
    assert "5.0 is not in the range 0<=x<=1" in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_frontier_of_a_minimax_regret_study_is_refused(tmp_path: Path) -> None:
    """An audit found `--frontier` beside minimax regret (from --objective or the study)
    printed the E + lambda CVaR frontier of other plans (1 module at P(high) = 0.1) under
    the minimax plan (2 modules), its changes counted from neither. Refused before the solve,
    from the command line and from Python; --objective expected keeps the frontier."""
    import yaml

    from evplan.errors import InputError
    from evplan.scenarios.overrides import parse_catalog
    from evplan.twostage.frontier import efficient_frontier

    inputs = write_inputs(strategic_lane(), tmp_path / "inputs")
    study = STUDY + "    risk: {objective: minimax-regret}\n"
    (inputs / "scenarios.yaml").write_text(study, encoding="utf-8")
    message = ("study 'demand' minimises the worst regret, which has no risk weight to vary: "
               "the frontier trades expected margin against CVaR. Drop --frontier, or give "
               "--objective expected.")
    done = _evplan("demand", str(inputs), "--frontier", "0,1", "-o", str(tmp_path / "out"),
                   cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1].endswith(message)
    assert not (tmp_path / "out").exists()
    catalog = parse_catalog(yaml.safe_load(study))
    with pytest.raises(InputError, match="minimises the worst regret"):
        efficient_frontier(strategic_lane(), "demand", [0, 1], catalog=catalog)
    kept = _evplan("demand", str(inputs), "--objective", "expected", "--frontier", "0,1",
                   "--no-record", cwd=tmp_path)
    assert kept.returncode == 0, kept.stderr
    assert "risk_weight" in kept.stdout


def test_a_folder_of_the_users_is_refused_before_the_solve(tmp_path: Path) -> None:
    inputs = write_inputs(strategic_lane(), tmp_path / "inputs")
    (inputs / "scenarios.yaml").write_text(STUDY, encoding="utf-8")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep", encoding="utf-8")
    done = _evplan("demand", str(inputs), "-o", str(mine), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert [path.name for path in mine.iterdir()] == ["notes.txt"]
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "keep"


def test_no_regret_writes_no_regret_table(tmp_path: Path) -> None:
    """--no-regret computes no regret table, so -o writes none (it wrote an empty file)."""
    inputs = write_inputs(strategic_lane(), tmp_path / "inputs")
    (inputs / "scenarios.yaml").write_text(STUDY, encoding="utf-8")
    done = _evplan("demand", str(inputs), "-o", str(tmp_path / "out"), "--no-regret",
                   "--no-vss", "--no-evpi", "--no-record", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    written = {path.name for path in (tmp_path / "out").iterdir()}
    assert {"first_stage.csv", "scenarios.csv", "summary.json"} <= written
    assert "regret.csv" not in written


def test_objective_minimax_regret_from_the_command_line(tmp_path: Path) -> None:
    inputs = write_inputs(strategic_lane(), tmp_path / "inputs")
    (inputs / "scenarios.yaml").write_text(STUDY, encoding="utf-8")
    done = _evplan("demand", str(inputs), "--objective", "minimax-regret", "--no-vss",
                   "--no-regret", "--store", str(tmp_path / "s.duckdb"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    # 2 modules: regret 0 (high), 0.6 M (low); 1 module: 3.9 M (high)
    assert "objective (minus the worst regret)" in done.stdout
    assert "-0.6 M" in done.stdout
    from evplan.store import ResultsStore

    row = ResultsStore(tmp_path / "s.duckdb").studies().iloc[0]
    assert row["objective_usd"] == pytest.approx(-0.6e6)
    assert row["evpi_usd"] == pytest.approx(0.6e6)


def test_a_store_evplan_cannot_write_is_refused_before_the_inputs_are_read(tmp_path: Path
                                                                          ) -> None:
    # It was refused only after the whole study had been solved (the default study: over
    # 30 minutes). A missing inputs folder shows the order: the store is named first.
    user = tmp_path / "user.csv"
    user.write_text("plant,capacity\nP1,10\n", encoding="utf-8")
    done = _evplan("demand", str(tmp_path / "no-inputs-here"), "-o", str(tmp_path / "out"),
                   "--store", str(user), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "user.csv" in done.stderr and "no-inputs-here" not in done.stderr
    assert "Traceback" not in done.stderr
    assert user.read_text(encoding="utf-8") == "plant,capacity\nP1,10\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["user.csv"]
