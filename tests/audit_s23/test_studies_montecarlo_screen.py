"""Audit s23 (helper-80): the Monte Carlo screen's statistics recompute from the per-case
rows, and it says when some of them come from plans a time limit stopped.

The statistics table shows no status, and it counts ``time_limit`` samples (a plan, not
proven optimal) beside optimal ones; before, nothing on the screen said so.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from evplan.cli import study as cli_study
from evplan.cli.app import console
from evplan.scenarios.runners import StudyResult

OBJECTIVES = [90e9, 95e9, 100e9, 80e9]


def _study(statuses: list[str]) -> StudyResult:
    cases = pd.DataFrame({
        "case": range(4), "label": [f"sample {n}" for n in range(4)], "freight": [1.0] * 4,
        "run_id": [""] * 4, "status": statuses,
        "objective_usd": [o if s != "infeasible" else np.nan
                          for o, s in zip(OBJECTIVES, statuses, strict=True)],
        "solve_mode": ["warm"] * 4, "seconds": [0.1] * 4,
        "error": ["" if s != "infeasible" else "evplan: the model is infeasible."
                  for s in statuses]})
    kpis = pd.DataFrame([{"case": n, "kpi": "margin", "year": 2030, "key": "all",
                          "value": OBJECTIVES[n] / 2, "unit": "USD"}
                         for n, s in enumerate(statuses) if s != "infeasible"])
    return StudyResult(kpis=kpis, cases=cases, batch_id="montecarlo-test", seconds=1.0,
                       workers=1, cpu_seconds=1.0)


def _screen(statuses: list[str]) -> str:
    with console.capture() as captured:
        cli_study._finish_study(_study(statuses), "Monte Carlo t", None, montecarlo=True)
    return captured.get()


def test_samples_a_time_limit_stopped_are_named_under_the_statistics() -> None:
    text = _screen(["optimal", "time_limit", "optimal", "infeasible"])
    assert ("1 of the samples in the statistics stopped at the time limit with a plan not "
            "proven optimal (status time_limit)") in " ".join(text.split())
    # the statistics are over the three samples with a plan (linear percentiles)
    solved = np.array(OBJECTIVES[:3]) / 1e9
    mean, p5 = solved.mean(), np.percentile(solved, 5)
    row = next(line for line in text.splitlines() if "objective" in line)
    assert f"{mean:.1f}" in row and f"{p5:.1f}" in row
    assert "over the 3 of 4 samples that were solved" in " ".join(text.split())


def test_no_note_when_every_sample_is_optimal() -> None:
    text = _screen(["optimal"] * 4)
    assert "time limit" not in text
    row = next(line for line in text.splitlines() if "objective" in line)
    assert f"{np.mean(OBJECTIVES) / 1e9:.1f}" in row
    assert f"{np.percentile(np.array(OBJECTIVES) / 1e9, 95):.1f}" in row


@pytest.fixture(autouse=True)
def _wide_console() -> Iterator[None]:
    width = console.width
    console.width = 200
    yield
    console.width = width
