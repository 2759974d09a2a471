"""Capacity that cannot suffice: the max-flow check names years, tonnes, plants and fixes.

Hand cases on ``conftest.tiny_tables`` (one collection point P, plants A and B, one tier
of 1,000 t/yr). Before the check, every one of them said only "plant capacity, opening
years or lanes are too tight".
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from tests.recycling.conftest import EXACT, retired, tiny_tables

from evplan.errors import InfeasibleError
from evplan.recycling import RecyclingOptions, load_inputs, plan_recycling
from evplan.recycling.capacity import capacity_bottlenecks
from evplan.recycling.index import build_index

HARD = RecyclingOptions(discount_rate=0.0, max_storage_years=0, explain_targets=False,
                        build_every_years=1, solver=EXACT, target_penalty_usd_per_tonne=None)
TARGETS = [("recycling_efficiency", "*", 2025, 0.5)]  # attainable: hydro reaches 0.54


def _infeasible(packs: pd.DataFrame, options: RecyclingOptions, **kwargs) -> str:
    first_years = kwargs.pop("first_years", None)
    tables = tiny_tables(eu=True, targets=TARGETS, **kwargs)
    if first_years is not None:
        tables["candidate_plants"]["first_year"] = first_years
    with pytest.raises(InfeasibleError) as caught:
        plan_recycling(load_inputs(packs, **tables), options)
    return str(caught.value)


def test_one_year_short_of_capacity_with_hard_targets():
    text = _infeasible(retired(2500.0), HARD)
    assert ("500.0 t of retired packs cannot be processed even with every candidate plant "
            "open in the largest tier from its first year") in text
    assert ("2030: 2,500.0 t retired at 'P' in 2030 must all be processed by 2030, but the "
            "plants they may ship to can process at most 2,000.0 t then: 'A' 1,000 t (2030), "
            "'B' 1,000 t (2030), each at most 1,000 t/yr (the largest tier 'one'). Short by "
            "500.0 t. Fix: raise capacity_tonnes_per_year of tier 'one' in plant_tiers.csv "
            "from 1,000 to at least 1,250 t/yr") in text
    assert "too tight" not in text


def test_the_docs_worked_example_storage_window_and_a_plant_that_opens_late():
    # docs/recycling.md, "Capacity that cannot suffice"
    packs = pd.concat([retired(1800.0, 2030), retired(1800.0, 2031)])
    options = replace(HARD, max_storage_years=1, last_year=2033)
    text = _infeasible(packs, options, first_years=[2030, 2033])
    assert ("2030-2032: 3,600.0 t retired at 'P' in 2030-2032 must all be processed by 2032 "
            "(storage lets none wait past 2032), but the plants they may ship to can process "
            "at most 3,000.0 t then: 'A' 3,000 t (2030-2032), each at most 1,000 t/yr (the "
            "largest tier 'one'). Short by 600.0 t.") in text
    assert "from 1,000 to at least 1,200 t/yr" in text
    assert "let 'B' (first_year 2033) open by 2032 in candidate_plants.csv" in text
    # 1,500 t a year fit exactly: A runs 2030-2032 full
    fits = pd.concat([retired(1500.0, 2030), retired(1500.0, 2031)])
    tables = tiny_tables(eu=True, targets=TARGETS)
    tables["candidate_plants"]["first_year"] = [2030, 2033]
    plan = plan_recycling(load_inputs(fits, **tables), options)
    assert plan["flows"].groupby("year")["tonnes"].sum().to_dict() == pytest.approx(
        {2030: 1000.0, 2031: 1000.0, 2032: 1000.0})


def test_packs_that_may_wait_past_the_bottleneck_are_counted():
    # 3,000 t in 2030 and 500 t in 2031, one year of storage, horizon to 2033, only A:
    # by the end of 2031 at most the 500 t of 2031 may still wait, so 3,000 t need A in
    # 2030-2031 (2,000 t): 1,000 t short.
    packs = pd.concat([retired(3000.0, 2030), retired(500.0, 2031)])
    options = replace(HARD, max_storage_years=1, last_year=2033)
    text = _infeasible(packs, options, first_years=[2030, 2040])
    assert ("2030-2031: 3,500.0 t retired at 'P' in 2030-2031, of which at most 500.0 t may "
            "wait past 2031, need 3,000.0 t processed in 2030-2031, but the plants they may "
            "ship to can process at most 2,000.0 t then: 'A' 2,000 t (2030-2031)") in text
    assert "Short by 1,000.0 t." in text
    assert "from 1,000 to at least 1,500 t/yr" in text


def test_two_separate_bottlenecks_add_up():
    # P short in 2030 (only A, 1,000 t/yr) and again in 2035, with years of slack between
    packs = pd.concat([retired(1200.0, 2030), retired(100.0, 2031), retired(1700.0, 2035)])
    tables = tiny_tables()
    tables["candidate_plants"]["first_year"] = [2030, 2050]
    inputs = load_inputs(packs, **tables)
    found = capacity_bottlenecks(build_index(inputs, HARD), inputs)
    assert [(b.years, b.short_tonnes) for b in found] == [((2030,), pytest.approx(200.0)),
                                                         ((2035,), pytest.approx(700.0))]
    with pytest.raises(InfeasibleError, match=r"900\.0 t of retired packs cannot be processed"):
        plan_recycling(inputs, replace(HARD, eu_targets=False))


def test_no_plant_can_run_in_time():
    # packs of 2030 may wait one year; A and B run from 2033 only
    options = replace(HARD, max_storage_years=1, last_year=2034)
    text = _infeasible(retired(100.0, 2030), options, first_years=[2033, 2033])
    assert ("2030-2031: 100.0 t retired at 'P' in 2030-2031 must all be processed by 2031 "
            "(storage lets none wait past 2031), but the plants they may ship to can process "
            "at most 0.0 t: no plant they may ship to can run in 2030-2031. Short by "
            "100.0 t.") in text
    assert "let 'A' (first_year 2033), 'B' (first_year 2033) open by 2031" in text


def test_enough_capacity_is_not_a_bottleneck():
    inputs = load_inputs(retired(2000.0), **tiny_tables())
    assert capacity_bottlenecks(build_index(inputs, HARD), inputs) == []
    plan = plan_recycling(inputs, replace(HARD, eu_targets=False))
    assert plan["flows"]["tonnes"].sum() == pytest.approx(2000.0)


def test_cli_hard_targets_capacity_is_explained_and_nothing_is_written(tmp_path):
    folder = tmp_path / "tables"
    folder.mkdir()
    for name, frame in tiny_tables(eu=True, targets=TARGETS).items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    retired(2500.0).to_csv(tmp_path / "packs.csv", index=False)
    done = subprocess.run([sys.executable, "-m", "evplan.cli", "recycling", "--retired",
                           str(tmp_path / "packs.csv"), "--defaults", str(folder), "-o",
                           str(tmp_path / "out"), "--no-record", "--hard-targets",
                           "--build-every", "1"], capture_output=True, text=True, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    said = " ".join((done.stdout + done.stderr).split())
    assert "Short by 500.0 t" in said
    assert "'A' 1,000 t (2030), 'B' 1,000 t (2030)" in said
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("seed", range(6))
def test_bottlenecks_add_up_to_what_no_plan_can_process(seed):
    """Sum of the cut's shortfalls = retired tonnes - the most any plan processes, the
    latter from the independent oracle (max_value with every cost 0 and a value of 1 USD
    per tonne: its optimum is minus the most tonnes that can be processed)."""
    from tests.recycling.oracle import solve_oracle

    rng = np.random.default_rng(seed)
    years = list(range(2030, 2035))
    packs = pd.concat([retired(float(rng.uniform(0, 2500)), year) for year in years])
    tables = tiny_tables(lithium_price=0.0)
    tables["candidate_plants"]["first_year"] = rng.choice(years, 2)
    tables["plant_tiers"]["capital_usd"] = [0.0]
    tables["processes"]["processing_usd_per_tonne"] = [0.0, 0.0]
    tables["transport"]["usd_per_tonne_km"] = [0.0]
    tables["prices"]["usd_per_tonne"] = [1.0 / 0.45, 0.0]  # 0.5 nickel x 0.9 recovered
    storage = int(rng.integers(0, 3))
    inputs = load_inputs(packs, **tables)
    found = capacity_bottlenecks(build_index(inputs, replace(HARD, max_storage_years=storage)),
                                 inputs)
    most = -solve_oracle(inputs, objective="max_value", discount_rate=0.0,
                         max_storage_years=storage, storage_usd_per_tonne_year=0.0,
                         build_every_years=1, eu_targets=False, target_penalty=None).objective
    total = float(inputs.retired["tonnes"].sum())
    assert sum(b.short_tonnes for b in found) == pytest.approx(total - most, abs=1e-3)
    for b in found:
        assert b.short_tonnes == pytest.approx(b.retired_tonnes - b.may_wait_tonnes
                                               - b.capacity_tonnes)


@pytest.mark.parametrize(("tonnes", "short", "retired_text", "capacity_text"), [
    (2000.001, "0.001", "2,000.001", "2,000.000"),
    (2000.0015, "0.0015", "2,000.002", "2,000.000"),
    (2000.00001, "1e-05", "2,000.00001", "2,000.00000"),
])
def test_a_tiny_shortfall_is_explained_as_capacity_not_as_a_bug(
        tonnes, short, retired_text, capacity_text, exact_options):
    """Review: 0.001 t short of 2,000 t passed the check (it ignored 1e-6 of the tonnes),
    the MILP found it infeasible, and the message called it a bug in evplan."""
    with pytest.raises(InfeasibleError) as caught:
        plan_recycling(load_inputs(retired(tonnes), **tiny_tables()), exact_options)
    text = str(caught.value)
    assert "bug in evplan" not in text
    assert f"the model is infeasible: {short} t of retired packs cannot be processed" in text
    assert (f"{retired_text} t retired at 'P' in 2030 must all be processed by 2030, but the "
            f"plants they may ship to can process at most {capacity_text} t then") in text
    assert f"Short by {short} t." in text


def test_a_bottleneck_in_the_last_year_planned_suggests_a_later_last_year():
    """Review: a cut that ends in the last year planned suggested longer storage, but
    nothing waits past the last year; only planning later years helps."""
    last = _infeasible(retired(2500.0), replace(HARD, max_storage_years=2, last_year=2030))
    assert ("plan beyond 2030 (a later last_year) so packs may wait past 2030, the last "
            "year planned") in last
    assert "max_storage_years" not in last
    none_may_wait = _infeasible(retired(2500.0), HARD)
    assert ("plan beyond 2030 (a later last_year and max_storage_years of at least 1) so "
            "packs may wait past 2030") in none_may_wait
    # the docs' example: the cut ends in 2032, the horizon in 2033
    packs = pd.concat([retired(1800.0, 2030), retired(1800.0, 2031)])
    earlier = _infeasible(packs, replace(HARD, max_storage_years=1, last_year=2033),
                          first_years=[2030, 2033])
    assert "let packs wait longer (max_storage_years)" in earlier
    assert "a later last_year" not in earlier


def test_an_infeasible_milp_reruns_the_capacity_check_counting_any_shortfall(exact_options):
    """Should the MILP find a shortfall the check took as rounding, the check is rerun with
    no tolerance, so the message explains capacity instead of calling it a bug in evplan
    (the solve here skips the check before it)."""
    from evplan.recycling.plan import _solve

    inputs = load_inputs(retired(2000.001), **tiny_tables())
    index = build_index(inputs, exact_options)
    with pytest.raises(InfeasibleError) as caught:
        _solve(index, exact_options, inputs=inputs)
    assert "bug in evplan" not in str(caught.value)
    assert "Short by 0.001 t." in str(caught.value)
    with pytest.raises(InfeasibleError, match="bug in evplan"):  # without the tables
        _solve(index, exact_options)


def test_a_plant_that_opens_inside_the_bottleneck_is_asked_to_open_earlier():
    # 2,300 t in 2030 and in 2031, one year of storage; A runs from 2030, B from 2032. The
    # cut is 2030-2032: 4,600 t against A's 3,000 t and B's 1,000 t in 2032, 600 t short.
    # B already opens by 2032, so "open by 2032" would change nothing (the old fix said
    # so): opening it from 2030 gives 6,000 t.
    packs = pd.concat([retired(2300.0, 2030), retired(2300.0, 2031)])
    options = replace(HARD, max_storage_years=1, last_year=2033)
    text = _infeasible(packs, options, first_years=[2030, 2032])
    assert "'A' 3,000 t (2030-2032), 'B' 1,000 t (2032)" in text
    assert "Short by 600.0 t." in text
    assert "let 'B' (first_year 2032) open from 2030 in candidate_plants.csv" in text
    assert "open by 2032" not in text
    # the fix works: B from 2030
    tables = tiny_tables(eu=True, targets=TARGETS)
    tables["candidate_plants"]["first_year"] = [2030, 2030]
    plan = plan_recycling(load_inputs(packs, **tables), options)
    assert plan["flows"]["tonnes"].sum() == pytest.approx(4600.0)
