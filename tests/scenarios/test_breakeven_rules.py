"""Break-even duty rates on hand-solvable lanes: minimum duties, quotas, unused lanes.

One lane: price 20,000, cost 10,000 + freight 1,000, so 9,000 a vehicle before duty, on a
customs value (CIF) of 11,000. An audit found the minimum duty folded into a "specific"
part (59.5 % reported, 81.8 % true), quota lanes ranged as if the full rate hit their quota
(91.8 % reported for a lane used at any rate), and unused lanes' ranging marked exact.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import evplan
from evplan.examples import single_lane
from evplan.scenarios import breakeven_duties

STOP = 9_000 / 11_000  # the rate at which the duty eats the 9,000


def shipped_at(rate: float, **lane: float) -> float:
    result = evplan.optimize(single_lane(ad_valorem_rate=rate, **lane))
    return float(result["shipments"]["shipment_vehicles"].sum())


def test_a_binding_minimum_duty_moves_the_stop_rate_to_where_the_rate_passes_it() -> None:
    row = breakeven_duties(single_lane(ad_valorem_rate=0.05, minimum_duty=3_000.0)).iloc[0]
    assert row["meaning"] == "stops above" and bool(row["exact"])
    assert row["breakeven_rate"] == pytest.approx(STOP, rel=1e-6)
    assert shipped_at(STOP - 0.01, minimum_duty=3_000.0) == pytest.approx(600)
    assert shipped_at(STOP + 0.01, minimum_duty=3_000.0) == 0


def test_a_minimum_above_the_margin_keeps_a_lane_unused_at_any_rate() -> None:
    row = breakeven_duties(single_lane(ad_valorem_rate=0.9, minimum_duty=9_500.0)).iloc[0]
    assert not bool(row["used"])
    assert row["meaning"] == "unused even at 0 %"
    assert shipped_at(0.0, minimum_duty=9_500.0) == 0


def test_a_quota_lane_is_computed_for_the_vehicles_outside_its_quota() -> None:
    lane = {"quota": 300.0, "in_quota_rate": 0.0}
    ranged = breakeven_duties(single_lane(ad_valorem_rate=0.10, **lane)).iloc[0]
    assert ranged["meaning"] == "quota lane: --exact bisects it" and not bool(ranged["exact"])
    row = breakeven_duties(single_lane(ad_valorem_rate=0.10, **lane), refine_all=True).iloc[0]
    assert row["meaning"] == "out of quota: stops above" and bool(row["exact"])
    assert row["in_quota_vehicles"] == pytest.approx(300)
    assert row["breakeven_rate"] == pytest.approx(STOP, abs=1e-3)  # bisection to 0.5 USD
    assert shipped_at(STOP - 0.01, **lane) == pytest.approx(600)
    assert shipped_at(2.0, **lane) == pytest.approx(300)  # the quota ships at any rate


def test_an_unused_lanes_ranging_rate_is_an_upper_bound_not_exact() -> None:
    row = breakeven_duties(single_lane(ad_valorem_rate=0.9)).iloc[0]
    assert row["meaning"] == "starts below" and not bool(row["exact"])
    assert row["breakeven_rate"] == pytest.approx(STOP, rel=1e-6)
    exact = breakeven_duties(single_lane(ad_valorem_rate=0.9), refine_all=True).iloc[0]
    assert bool(exact["exact"]) and exact["breakeven_rate"] == pytest.approx(STOP, abs=1e-3)


def test_breakeven_runs_on_strategic_inputs_from_the_command_line(tmp_path: Path) -> None:
    """`evplan breakeven` built its warm model without the plan's network and crashed on
    inputs with strategic tables (the Python API held the network fixed; audit)."""
    import subprocess
    import sys

    from evplan.data import write_inputs
    from evplan.examples import random_strategic_network

    write_inputs(random_strategic_network(0), tmp_path / "inputs")
    done = subprocess.run([sys.executable, "-m", "evplan.cli", "breakeven",
                           str(tmp_path / "inputs"), "--no-record"], capture_output=True,
                          text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Break-even duty rates" in done.stdout and "Traceback" not in done.stderr


def test_a_triangular_with_low_mode_and_high_equal_is_that_value() -> None:
    """NumPy refuses left == right; the docs allow low <= mode <= high (audit: a crash)."""
    import numpy as np

    from evplan.scenarios.cases import sample
    from evplan.scenarios.overrides import Distribution

    drawn = sample(Distribution("triangular", {"low": 0.2, "mode": 0.2, "high": 0.2}), 4,
                   np.random.default_rng(1))
    assert drawn.tolist() == [0.2] * 4


def test_breakeven_on_a_network_without_cross_border_flows_says_so(tmp_path: Path) -> None:
    """An audit found `evplan breakeven` ended in a traceback (NaN to integer: the table's
    last year) on inputs whose every lane is domestic; and `--limit -5` showed all lanes but
    five. strategic_lane: plant P1 and market M1 are both in country AA."""
    from typer.testing import CliRunner

    from evplan.cli import app
    from evplan.data import write_inputs
    from evplan.examples import strategic_lane

    inputs = write_inputs(strategic_lane(), tmp_path / "inputs")
    runner = CliRunner()
    done = runner.invoke(app, ["breakeven", str(inputs), "--no-record"])
    assert done.exit_code == 0, done.output
    assert "No cross-border flow: every lane ships within one country" in done.output
    negative = runner.invoke(app, ["breakeven", str(inputs), "--limit", "-5", "--no-record"])
    assert negative.exit_code == 2  # a usage error (64 from the evplan command)
    assert "-5 is not in the range x>=1" in negative.output


def test_a_bisection_step_that_hits_the_time_limit_raises() -> None:
    """An audit found bisection read the solution HiGHS holds when a re-solve stopped at the
    time limit: flow 35 of the default inputs (stops about USD 84 above its duty now) came
    out as "used at any rate" (inf) under a 1e-9 s limit. It now raises SolverLimitError."""
    import dataclasses

    from evplan.scenarios import WarmModel
    from evplan.scenarios.breakeven import bisect_breakeven

    data = evplan.examples.china_export()
    warm = WarmModel(data)
    table = breakeven_duties(data, warm)
    row = table[(table["meaning"] == "stops above") & table["exact"]].iloc[0]
    assert 0 < row["breakeven_extra_duty_usd_per_vehicle"] < 1e4
    warm.solver = dataclasses.replace(warm.solver, time_limit_s=1e-9)
    with pytest.raises(evplan.SolverLimitError, match="HiGHS stopped \\(Time limit reached\\)"):
        bisect_breakeven(warm, data, int(row["flow"]))
