"""Bad inputs raise one InputError listing every problem, in words a user can act on."""

from __future__ import annotations

import pandas as pd
import pytest

import evplan.location as location
from evplan.errors import InfeasibleError, InputError
from evplan.location import capacitated, p_median, set_covering


def _tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    sites = pd.DataFrame({"site": ["A", "B"], "capacity": [10.0, 10.0], "fixed_cost": [5.0, 6.0]})
    customers = pd.DataFrame({"customer": ["x", "y"], "demand": [6.0, 6.0]})
    costs = pd.DataFrame(
        {"site": ["A", "A", "B", "B"], "customer": ["x", "y", "x", "y"], "cost": [1, 2, 2, 1]}
    )
    return sites, customers, costs


def test_every_problem_is_listed_once() -> None:
    sites, customers, costs = _tables()
    customers.loc[1, "demand"] = -3.0
    costs.loc[3, "site"] = "Z"
    sites.loc[0, "fixed_cost"] = float("nan")
    with pytest.raises(InputError) as caught:
        capacitated(sites, customers, costs)
    messages = [problem.message for problem in caught.value.problems]
    assert messages == [
        "row 2, site 'A': fixed_cost = nan is not a number >= 0. "
        "Enter a non-negative number in fixed_cost.",
        "row 3, customer 'y': demand = -3.0 is not a number >= 0. "
        "Enter a non-negative number in demand.",
        # audit 4: the unknown site was only reported once the numbers were fixed
        "row 5: site 'Z' is not in the sites table. Add it to sites or fix the id.",
    ]
    assert caught.value.problems[2].row == 5


def test_every_duplicated_id_a_duplicated_pair_and_an_infinite_cost_are_listed_at_once(
) -> None:
    """Audit 4: only the first duplicated id was named, a repeated pair waited for the ids
    to be fixed, and ``cost = inf`` was called "not a number >= 0"."""
    sites, customers, costs = _tables()
    sites = pd.concat([sites, sites], ignore_index=True)
    costs = pd.concat([costs, costs.iloc[[0]]], ignore_index=True)
    costs["cost"] = costs["cost"].astype(float)
    costs.loc[1, "cost"] = float("inf")
    with pytest.raises(InputError) as caught:
        capacitated(sites, customers, costs)
    assert [problem.message for problem in caught.value.problems] == [
        "rows 2 and 4: duplicate site 'A' (2 rows share this id). Give each site one row.",
        "rows 3 and 5: duplicate site 'B' (2 rows share this id). Give each site one row.",
        "row 3, site 'A': cost = inf is not a finite number >= 0. "
        "Enter a finite non-negative number in cost.",
        "row 6: the pair site 'A', customer 'x' appears again. Keep one row per pair.",
    ]


def test_missing_column_names_the_table_and_fix() -> None:
    sites, customers, costs = _tables()
    with pytest.raises(InputError, match="sites has no column 'capacity'"):
        capacitated(sites.drop(columns="capacity"), customers, costs)


def test_duplicate_pair_and_duplicate_id() -> None:
    sites, customers, costs = _tables()
    costs = pd.concat([costs, costs.iloc[[0]]], ignore_index=True)
    with pytest.raises(InputError, match="appears again"):
        capacitated(sites, customers, costs)
    with pytest.raises(InputError, match="duplicate site 'A'"):
        capacitated(pd.concat([sites, sites.iloc[[0]]]), customers, costs.iloc[:4])


def test_too_little_capacity_is_infeasible() -> None:
    sites, customers, costs = _tables()
    with pytest.raises(InfeasibleError, match="total capacity 8 is below total demand 12"):
        capacitated(sites.assign(capacity=4.0), customers, costs)


def test_bad_number_of_medians() -> None:
    sites, customers, costs = _tables()
    distances = costs.rename(columns={"cost": "distance"})
    with pytest.raises(InputError, match="medians = 3 must be a whole number between 1"):
        p_median(sites, customers, distances, 3)
    for medians in (1.5, True, "2"):  # audit 4: 1.5 crashed in the heuristics, True was 1
        with pytest.raises(InputError, match=f"medians = {medians!r} must be a whole number"):
            p_median(sites, customers, distances, medians)
    assert p_median(sites, customers, distances, 2.0).open_sites == ["A", "B"]


def test_uncoverable_customer_is_named() -> None:
    sites, customers, costs = _tables()
    distances = costs.rename(columns={"cost": "distance"})
    with pytest.raises(InfeasibleError, match="customer 'x' has no site within"):
        set_covering(sites, customers, distances.assign(distance=[9, 0, 9, 0]), 1.0)


def test_public_api() -> None:
    for name in location.__all__:
        assert hasattr(location, name), name
    assert {
        "capacitated",
        "uncapacitated",
        "p_median",
        "maximal_covering",
        "set_covering",
        "LocationResult",
    } <= set(location.__all__)


def test_a_distance_problem_names_the_distances_table() -> None:
    """Audit 5: a bad distance of p_median or set_covering was reported "in costs", a table
    the user never passed."""
    sites, customers, costs = _tables()
    distances = costs.rename(columns={"cost": "distance"}).astype({"distance": float})
    distances.loc[0, "distance"] = -1.0
    distances.loc[3, "site"] = "Z"
    for solve in (lambda: p_median(sites, customers, distances, 1),
                  lambda: set_covering(sites, customers, distances, 5.0)):
        with pytest.raises(InputError) as caught:
            solve()
        assert [problem.file for problem in caught.value.problems] == ["distances"] * 2
        assert "problems in distances" in str(caught.value)
    with pytest.raises(InputError) as caught:
        capacitated(sites, customers, costs.assign(cost=[-1, 2, 2, 1]))
    assert [problem.file for problem in caught.value.problems] == ["costs"]


def test_a_blank_site_or_customer_id_is_an_input_error() -> None:
    """Audit 5: a site or customer with no id was dropped without a word (only the pairs
    naming the lost id were reported, or nothing when it had none)."""
    sites, customers, costs = _tables()
    sites = pd.concat([sites, pd.DataFrame({"site": [None], "capacity": [3.0],
                                            "fixed_cost": [1.0]})], ignore_index=True)
    customers.loc[1, "customer"] = " "
    with pytest.raises(InputError) as caught:
        capacitated(sites, customers, costs)
    messages = [(problem.file, problem.row, problem.message)
                for problem in caught.value.problems]
    assert ("sites", 4, "row 4: site is blank (None). Give every site an id, or delete the "
            "row.") in messages
    assert ("customers", 3, "row 3: customer is blank (' '). Give every customer an id, or "
            "delete the row.") in messages
