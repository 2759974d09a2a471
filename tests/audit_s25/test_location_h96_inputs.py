"""Session-25 audit of evplan.location (helper-96): tables given as something other than
a DataFrame, and the OR-Library optima file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evplan.errors import InputError
from evplan.location import (
    capacitated,
    maximal_covering,
    p_median,
    read_optima,
    set_covering,
    uncapacitated,
)

SITES = {"site": ["A", "B"], "capacity": [10.0, 10.0], "fixed_cost": [5.0, 6.0]}
CUSTOMERS = {"customer": ["x", "y"], "demand": [6.0, 6.0]}
COSTS = {"site": ["A", "A", "B", "B"], "customer": ["x", "y", "x", "y"],
         "cost": [1.0, 2.0, 2.0, 1.0]}
DISTANCES = {"site": ["A", "A", "B", "B"], "customer": ["x", "y", "x", "y"],
             "distance": [1.0, 2.0, 2.0, 1.0]}


def _messages(error: pytest.ExceptionInfo) -> list[str]:
    return [problem.message for problem in error.value.problems]


def test_a_dict_of_columns_is_a_table() -> None:
    """A dict of columns raised AttributeError: 'dict' object has no attribute 'columns'."""
    assert capacitated(SITES, CUSTOMERS, COSTS).objective == 13.0
    assert uncapacitated(SITES, CUSTOMERS, COSTS).objective == 8.0
    assert p_median(SITES, CUSTOMERS, DISTANCES, 1).objective == 18.0
    assert set_covering(SITES, CUSTOMERS, DISTANCES, 1.5).objective == 2.0
    assert maximal_covering(SITES, CUSTOMERS, DISTANCES, 1.5, 1).objective == 6.0
    frames = [pd.DataFrame(table) for table in (SITES, CUSTOMERS, COSTS)]
    assert capacitated(*frames).objective == 13.0


def test_a_list_and_a_ragged_dict_are_named_with_the_fix() -> None:
    with pytest.raises(InputError) as caught:
        capacitated([{"site": "A"}], {"customer": ["x", "y"], "demand": [6.0]}, "costs.csv")
    assert _messages(caught) == [
        "sites must be a pandas DataFrame (or a dict of columns); got list [{'site': 'A'}]. "
        "Pass pandas.DataFrame(...) with the columns sites needs (rows as a list of dicts: "
        "pandas.DataFrame.from_records(sites)).",
        "customers: the dict of columns does not make a table (All arrays must be of the "
        "same length; values per column: 'customer': 2, 'demand': 1). Give every column a "
        "list of the same length, or pass a pandas DataFrame.",
        "costs must be a pandas DataFrame (or a dict of columns); got str 'costs.csv'. Pass "
        "pandas.DataFrame(...) with the columns costs needs (rows as a list of dicts: "
        "pandas.DataFrame.from_records(costs)).",
    ]
    with pytest.raises(InputError, match=r"^evplan: 1 problem in distances"):
        p_median(SITES, CUSTOMERS, [("A", "x", 1.0)], 1)


# ------------------------------------------------------------ read_optima
@pytest.mark.parametrize(
    ("text", "messages"),
    [
        ("instance,optimal_valu\ncap41,1040444.375\n",
         ["optima.csv has no column 'optimal_value'; found ['instance', 'optimal_valu']. "
          "Did you mean 'optimal_valu'? Rename it."]),
        ("name,optimal_value\ncap41,1\n",
         ["optima.csv has no column 'instance'; found ['name', 'optimal_value']. Add the "
          "column."]),
        ("instance,optimal_value,source\ncap41,1040444.375,x\ncap42,n/a,x\ncap43,1e999,x\n"
         ",5,x\ncap41,7,x\n",
         ["optima.csv row 3, instance 'cap42': optimal_value = 'n/a' is not a finite number. "
          "Enter the published optimum (digits, '.' for decimals, no thousands separators).",
          "optima.csv row 4, instance 'cap43': optimal_value = '1e999' is not a finite "
          "number. Enter the published optimum (digits, '.' for decimals, no thousands "
          "separators).",
          "optima.csv row 5: instance is blank. Name the instance (e.g. 'cap41', "
          "'capa_8000', 'pmed1') or delete the row.",
          "optima.csv rows 2 and 6: instance 'cap41' appears 2 times. Keep one row per "
          "instance."]),
        ("", ["optima.csv is empty; it needs the header 'instance,optimal_value' and one row "
              "per instance."]),
    ],
)
def test_read_optima_names_file_row_column_and_value(tmp_path: Path, text: str,
                                                     messages: list[str]) -> None:
    """A misspelt column raised KeyError('instance'), 'n/a' ValueError from astype, and a
    duplicate instance was kept twice (a Series lookup then returned two values)."""
    (tmp_path / "optima.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_optima(tmp_path)
    assert _messages(caught) == messages


def test_read_optima_reads_a_good_file(tmp_path: Path) -> None:
    (tmp_path / "optima.csv").write_text(
        "instance, optimal_value ,source\n cap41 , 1040444.375,OR\npmed1,5819,OR\n",
        encoding="utf-8")
    optima = read_optima(tmp_path)
    assert optima.to_dict() == {"cap41": 1040444.375, "pmed1": 5819.0}
    assert optima.index.name == "instance" and optima.name == "optimal_value"
