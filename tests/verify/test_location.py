"""The location certificate check catches corrupted results, and every solver path runs it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import evplan.location.covering as covering_module
import evplan.location.facility as facility_module
import evplan.location.pmedian as pmedian_module
from evplan.errors import VerificationError
from evplan.location import (
    LocationResult,
    SolveOptions,
    capacitated,
    maximal_covering,
    p_median,
    set_covering,
    uncapacitated,
)
from evplan.verify import check_location

OPTIONS = SolveOptions()


def _tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    sites = pd.DataFrame(
        {"site": ["A", "B", "C"], "capacity": [10.0, 10.0, np.inf], "fixed_cost": [5.0, 6.0, 30.0]}
    )
    customers = pd.DataFrame({"customer": ["x", "y", "z"], "demand": [6.0, 6.0, 0.0]})
    costs = pd.DataFrame(
        {
            "site": ["A", "A", "A", "B", "B", "C", "C"],
            "customer": ["x", "y", "z", "x", "y", "x", "z"],
            "cost": [1.0, 2.0, 1.0, 2.0, 1.0, 9.0, 0.0],
        }
    )
    return sites, customers, costs


def _distances() -> pd.DataFrame:
    return _tables()[2].rename(columns={"cost": "distance"})


def _check(result: LocationResult, **parameters: object) -> list[str]:
    sites, customers, costs = _tables()
    facility = ("capacitated", "single_source", "uncapacitated")
    pairs = costs if result.problem in facility else _distances()
    try:
        check_location(result, sites, customers, pairs, options=OPTIONS, **parameters)  # type: ignore[arg-type]
    except VerificationError as error:
        return error.violations
    return []


@pytest.fixture
def cflp() -> LocationResult:
    sites, customers, costs = _tables()
    result = capacitated(sites, customers, costs)
    # A and B open (11), x at A (1), y at B (1), z (demand 0) at A (1); A alone is too small
    assert result.objective == pytest.approx(14.0)
    assert result.open_sites == ["A", "B"]
    return result


def test_a_correct_result_passes_and_reports_its_time(cflp: LocationResult) -> None:
    assert _check(cflp) == []
    assert cflp.details["verify_seconds"] >= 0.0


def test_changed_objective_is_caught(cflp: LocationResult) -> None:
    violations = _check(replace(cflp, objective=cflp.objective - 1.0))
    assert any("differs from" in line and "recomputed" in line for line in violations)


def test_assignment_to_a_closed_site_is_caught(cflp: LocationResult) -> None:
    table = cflp.assignment.copy()
    table.loc[table.index[0], "site"] = "C"  # x at C: allowed pair, but C is closed
    table.loc[table.index[0], "cost"] = table["fraction"].iloc[0] * 9.0
    violations = _check(replace(cflp, assignment=table))
    assert any("at site 'C': the site is not open" in line for line in violations)


def test_forbidden_pair_is_caught(cflp: LocationResult) -> None:
    table = cflp.assignment.copy()
    row = table.index[table["customer"] == "y"][0]
    table.loc[row, "site"] = "C"  # y may not use C
    violations = _check(replace(cflp, assignment=table, open_sites=[*cflp.open_sites, "C"]))
    assert any("customer 'y' at site 'C': the pair is not allowed" in line for line in violations)


def test_unserved_customer_is_caught(cflp: LocationResult) -> None:
    table = cflp.assignment[cflp.assignment["customer"] != "x"]
    violations = _check(replace(cflp, assignment=table))
    assert "capacitated: customer 'x': assigned fractions sum to 0, not 1." in violations


def test_capacity_overload_is_caught() -> None:
    sites, customers, costs = _tables()
    result = capacitated(sites, customers, costs)
    table = pd.DataFrame(
        {
            "site": ["A", "A", "A"],
            "customer": ["x", "y", "z"],
            "fraction": 1.0,
            "cost": [1.0, 2.0, 1.0],
        }
    )
    corrupted = replace(result, assignment=table, open_sites=["A"], objective=5.0 + 4.0)
    violations = _check(corrupted)
    assert "capacitated: site 'A': load 12 exceeds its capacity 10." in violations


def test_bound_above_objective_and_wrong_gap_are_caught(cflp: LocationResult) -> None:
    violations = _check(replace(cflp, bound=cflp.objective + 5.0))
    assert any("is above the objective" in line for line in violations)
    violations = _check(replace(cflp, gap=0.5))
    assert any("gap 0.5 does not match" in line for line in violations)
    violations = _check(replace(cflp, bound=float("nan")))
    assert any("is not a number" in line for line in violations)


def test_optimal_status_with_an_open_gap_is_caught(cflp: LocationResult) -> None:
    bound = cflp.objective * 0.9
    gap = (cflp.objective - bound) / cflp.objective
    violations = _check(replace(cflp, bound=bound, gap=gap))
    assert any(
        "status 'optimal'" in line and "wider than the tolerance" in line for line in violations
    )
    assert _check(replace(cflp, bound=bound, gap=gap, status="time_limit")) == []


def test_single_source_split_is_caught() -> None:
    sites, customers, costs = _tables()
    result = capacitated(sites, customers, costs, single_source=True)
    table = result.assignment.copy()
    x = table[table["customer"] == "x"].iloc[0]
    other = "B" if x["site"] == "A" else "A"
    halves = pd.DataFrame(
        {
            "site": [x["site"], other],
            "customer": ["x", "x"],
            "fraction": [0.5, 0.5],
            "cost": [
                0.5 * (1.0 if x["site"] == "A" else 2.0),
                0.5 * (2.0 if other == "B" else 1.0),
            ],
        }
    )
    table = pd.concat([table[table["customer"] != "x"], halves], ignore_index=True)
    violations = _check(replace(result, assignment=table, open_sites=["A", "B"]))
    assert any("customer 'x': 2 sites, but single_source serves" in line for line in violations)


def test_p_median_rules() -> None:
    sites, customers, _ = _tables()
    result = p_median(sites[["site"]], customers, _distances(), 1)
    assert _check(result, medians=1) == []
    assert "p_median: 1 sites are open, but medians = 2." in _check(result, medians=2)
    two = p_median(sites[["site"]], customers, _distances(), 2)
    assert two.open_sites == ["A", "B"]  # x at A, y at B: 6 + 6; z (weight 0) at A
    assert two.assignment.set_index("customer").loc["z", "site"] == "A"
    # with A and C open, z (weight 0) at A (1 away) instead of C (0 away): caught
    table = pd.DataFrame(
        {
            "site": ["A", "A", "A"],
            "customer": ["x", "y", "z"],
            "fraction": 1.0,
            "distance": [1.0, 2.0, 1.0],
        }
    )
    corrupted = replace(
        two, open_sites=["A", "C"], assignment=table, objective=18.0, bound=18.0, gap=0.0
    )
    assert _check(corrupted, medians=2) == [
        "p_median: customer 'z' is at distance 1, but an open site is at 0."
    ]


def test_covering_rules() -> None:
    sites, customers, _ = _tables()
    result = maximal_covering(sites[["site"]], customers, _distances(), 1.0, 1)
    assert _check(result, service_distance=1.0, sites_to_open=1) == []
    violations = _check(
        replace(result, assignment=result.assignment.iloc[1:]),
        service_distance=1.0,
        sites_to_open=1,
    )
    assert any("is listed 0 times in the assignment, not once" in line for line in violations)
    assert any(
        "1 sites are open, but sites_to_open = 0" in line
        for line in _check(result, service_distance=1.0, sites_to_open=0)
    )
    cover = set_covering(sites[["site"]], customers, _distances(), 1.0)
    assert _check(cover, service_distance=1.0) == []
    empty = replace(
        cover,
        open_sites=[],
        assignment=cover.assignment.iloc[0:0],
        objective=0.0,
        bound=0.0,
        gap=0.0,
    )
    assert (
        "set_covering: customer 'x' (demand 6) has no open site within the service "
        "distance 1." in _check(empty, service_distance=1.0)
    )


# --- every solver path calls the check: corrupt an internal step, expect the error ----


def test_facility_paths_call_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    original = facility_module._assignment_table

    def drop_first_row(*args: object, **kwargs: object) -> pd.DataFrame:
        return original(*args, **kwargs).iloc[1:]  # type: ignore[arg-type]

    monkeypatch.setattr(facility_module, "_assignment_table", drop_first_row)
    sites, customers, costs = _tables()
    for solve in (
        lambda: capacitated(sites, customers, costs),
        lambda: capacitated(sites, customers, costs, single_source=True),
        lambda: capacitated(sites, customers, costs, options=SolveOptions(formulation="textbook")),
        lambda: uncapacitated(sites, customers, costs),
    ):
        with pytest.raises(VerificationError, match="assigned fractions sum to 0, not 1"):
            solve()
    unchecked = capacitated(sites, customers, costs, options=SolveOptions(verify=False))
    assert "verify_seconds" not in unchecked.details


def test_p_median_paths_call_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    original = pmedian_module._solve_radius

    def cheaper(*args: object, **kwargs: object) -> object:
        is_open, objective, bound, details = original(*args, **kwargs)  # type: ignore[arg-type]
        return is_open, objective - 1.0, bound - 1.0, details

    monkeypatch.setattr(pmedian_module, "_solve_radius", cheaper)
    sites, customers, _ = _tables()
    with pytest.raises(VerificationError, match=r"differs from .* recomputed from the input"):
        p_median(sites[["site"]], customers, _distances(), 1)


def test_covering_paths_call_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        covering_module,
        "_assignment",
        lambda instance, covers, is_open: pd.DataFrame(
            {"site": [], "customer": [], "fraction": [], "distance": []}
        ),
    )
    sites, customers, _ = _tables()
    with pytest.raises(VerificationError, match="listed 0 times"):
        maximal_covering(sites[["site"]], customers, _distances(), 1.0, 1)
    with pytest.raises(VerificationError, match="listed 0 times"):
        set_covering(sites[["site"]], customers, _distances(), 1.0)
