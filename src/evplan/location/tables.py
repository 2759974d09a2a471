"""Check the input tables and turn them into dense arrays, collecting every problem.

Tables (``file`` names in messages are the table names):

* ``sites``: ``site`` (id), ``fixed_cost`` and ``capacity`` where the problem needs them.
* ``customers``: ``customer`` (id), ``demand`` (>= 0).
* ``costs`` (``cost``) or ``distances`` (``distance``): long table ``site``, ``customer``
  and the value column; messages name it ``costs`` or ``distances`` by that column. A pair
  that is absent is not allowed (the customer cannot be served from that site).
* ids: a blank id (empty or NaN) in ``sites`` or ``customers`` is an input error.

Rows in messages are spreadsheet rows: the header is row 1, the first data row is 2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evplan.errors import InputError, Problem

__all__ = ["DenseInstance", "as_table", "as_tables", "to_dense"]

_MAX_PER_CHECK = 5


@dataclass(frozen=True)
class DenseInstance:
    """The tables as arrays, sites by customers.

    ``value[i, j]`` is the cost (or distance) of site ``i`` for customer ``j``, ``inf``
    where the pair is not allowed. ``fixed_cost`` and ``capacity`` are zeros / ``inf``
    when the problem does not use them.
    """

    site_ids: pd.Index
    customer_ids: pd.Index
    fixed_cost: np.ndarray
    capacity: np.ndarray
    demand: np.ndarray
    value: np.ndarray


def _plain(value: object) -> object:
    """NumPy scalars as plain Python values, so messages read ``nan``, not ``np.float64``."""
    return value.item() if isinstance(value, np.generic) else value


def _row(position: int) -> int:
    return int(position) + 2


def _check_columns(
    table: pd.DataFrame, name: str, required: Sequence[str], problems: list[Problem]
) -> bool:
    missing = [column for column in required if column not in table.columns]
    if missing:
        problems.append(
            Problem(
                file=name,
                message=(
                    f"{name} has no column {', '.join(repr(c) for c in missing)}; found "
                    f"{list(map(str, table.columns))}. Add the column "
                    f"(expected columns: {', '.join(required)})."
                ),
            )
        )
    return not missing


def _booleans(column: pd.Series) -> np.ndarray:
    """Which cells hold ``True``/``False`` (a bool column, or bools among other values)."""
    if pd.api.types.is_bool_dtype(column):
        return np.ones(len(column), dtype=bool)
    if column.dtype == object:
        return column.map(lambda value: isinstance(value, bool | np.bool_)).to_numpy(dtype=bool)
    return np.zeros(len(column), dtype=bool)


def _check_numbers(
    table: pd.DataFrame,
    name: str,
    id_column: str,
    column: str,
    problems: list[Problem],
    allow_inf: bool = False,
) -> np.ndarray:
    values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
    # True/False are not numbers (to_numeric reads them as 1 and 0).
    values = np.where(_booleans(table[column]), np.nan, values)
    bad = np.isnan(values) | (values < 0) | (~allow_inf & np.isinf(values))
    positions = np.flatnonzero(bad)
    for position in positions[:_MAX_PER_CHECK]:
        identifier = _plain(table[id_column].iloc[position]) if id_column in table else "?"
        infinite = np.isinf(values[position]) and values[position] > 0
        problems.append(
            Problem(
                file=name,
                row=_row(position),
                message=(
                    f"row {_row(position)}, {id_column} {identifier!r}: {column} = "
                    f"{_plain(table[column].iloc[position])!r} is not a "
                    f"{'finite ' if infinite else ''}number >= 0. Enter a "
                    f"{'finite ' if infinite else ''}non-negative number in {column}."
                ),
            )
        )
    _more(problems, name, len(positions), f"rows with a bad {column}; fix them the same way")
    return values


def _more(problems: list[Problem], name: str, found: int, what: str) -> None:
    """``... and N more <what>.`` for the problems beyond the first :data:`_MAX_PER_CHECK`."""
    if found > _MAX_PER_CHECK:
        problems.append(Problem(file=name, message=f"... and {found - _MAX_PER_CHECK} more "
                                f"{what}.", count=found - _MAX_PER_CHECK))


def _check_blank_ids(table: pd.DataFrame, name: str, column: str,
                     problems: list[Problem]) -> None:
    """A missing (NaN/None) or empty id: it would match no pair and vanish from the plan."""
    ids = table[column]
    blank = (ids.isna() | (ids.astype(str).str.strip() == "")).to_numpy()
    positions = np.flatnonzero(blank)
    for position in positions[:_MAX_PER_CHECK]:
        problems.append(
            Problem(
                file=name,
                row=_row(position),
                message=(
                    f"row {_row(position)}: {column} is blank ({_plain(ids.iloc[position])!r}). "
                    f"Give every {column} an id, or delete the row."
                ),
            )
        )
    _more(problems, name, len(positions), f"rows with a blank {column}; fix them the same way")


def _check_unique(table: pd.DataFrame, name: str, column: str, problems: list[Problem]) -> None:
    duplicated = table[column].duplicated(keep=False).to_numpy()
    repeated = pd.unique(table[column][duplicated])
    for identifier in repeated[:_MAX_PER_CHECK]:
        rows = [_row(int(p)) for p in np.flatnonzero((table[column] == identifier).to_numpy())]
        problems.append(
            Problem(
                file=name,
                row=rows[0],
                message=(
                    f"rows {' and '.join(map(str, rows[:3]))}: duplicate {column} "
                    f"{_plain(identifier)!r} ({len(rows)} rows share this id). Give each "
                    f"{column} one row."
                ),
            )
        )
    _more(problems, name, len(repeated), f"duplicated {column} ids; fix them the same way")


def as_table(value: object, name: str) -> pd.DataFrame:
    """``value`` as a DataFrame: a DataFrame as is, a dict of columns (column name to a
    list of values) as ``pandas.DataFrame(value)``; anything else is an InputError naming
    the argument, what was given and the fix (a list of rows raised ``AttributeError:
    'list' object has no attribute 'columns'``).

    Examples
    --------
    >>> as_table({"site": ["A", "B"]}, "sites").shape
    (2, 1)
    """
    if isinstance(value, pd.DataFrame):
        return value
    if isinstance(value, Mapping):
        try:
            return pd.DataFrame(dict(value))
        except (TypeError, ValueError) as error:
            lengths = ", ".join(
                f"{column!r}: {len(column_values) if hasattr(column_values, '__len__') else 1}"
                for column, column_values in list(value.items())[:6]
            )
            raise InputError(
                [
                    Problem(
                        file=name,
                        message=(
                            f"{name}: the dict of columns does not make a table ({error}; "
                            f"values per column: {lengths}). Give every column a list of the "
                            "same length, or pass a pandas DataFrame."
                        ),
                    )
                ]
            ) from None
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    raise InputError(
        [
            Problem(
                file=name,
                message=(
                    f"{name} must be a pandas DataFrame (or a dict of columns); got "
                    f"{type(value).__name__} {shown}. Pass pandas.DataFrame(...) with the "
                    f"columns {name} needs (rows as a list of dicts: "
                    f"pandas.DataFrame.from_records({name}))."
                ),
            )
        ]
    )


def as_tables(
    sites: object, customers: object, pairs: object, pairs_name: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The three arguments of a solve as DataFrames (:func:`as_table`), every problem at
    once; ``pairs_name`` is ``"costs"`` or ``"distances"``."""
    problems: list[Problem] = []
    tables = []
    for value, name in ((sites, "sites"), (customers, "customers"), (pairs, pairs_name)):
        try:
            tables.append(as_table(value, name))
        except InputError as error:
            problems += error.problems
    if problems:
        raise InputError(problems)
    return tables[0], tables[1], tables[2]


def to_dense(
    sites: pd.DataFrame,
    customers: pd.DataFrame,
    costs: pd.DataFrame,
    *,
    value_column: str,
    need_fixed_cost: bool,
    need_capacity: bool,
) -> DenseInstance:
    """Validate the three tables and return them as dense arrays.

    Raises
    ------
    evplan.errors.InputError
        With every problem found: missing columns, bad numbers, duplicate ids,
        cost rows naming unknown sites or customers. A customer with no row is not an
        input error: each problem decides (see :mod:`evplan.location.feasibility`).
    """
    problems: list[Problem] = []
    pairs = "costs" if value_column == "cost" else "distances"
    site_columns = ["site"] + ["fixed_cost"] * need_fixed_cost + ["capacity"] * need_capacity
    ok = _check_columns(sites, "sites", site_columns, problems)
    ok &= _check_columns(customers, "customers", ["customer", "demand"], problems)
    ok &= _check_columns(costs, pairs, ["site", "customer", value_column], problems)
    if not ok:
        raise InputError(problems)
    if len(sites) == 0 or len(customers) == 0:
        problems.append(
            Problem(
                file="sites" if len(sites) == 0 else "customers",
                message="the table is empty; give at least one row.",
            )
        )
        raise InputError(problems)
    _check_blank_ids(sites, "sites", "site", problems)
    _check_blank_ids(customers, "customers", "customer", problems)
    _check_unique(sites, "sites", "site", problems)
    _check_unique(customers, "customers", "customer", problems)
    fixed_cost = (
        _check_numbers(sites, "sites", "site", "fixed_cost", problems)
        if need_fixed_cost
        else np.zeros(len(sites))
    )
    capacity = (
        _check_numbers(sites, "sites", "site", "capacity", problems, allow_inf=True)
        if need_capacity
        else np.full(len(sites), np.inf)
    )
    demand = _check_numbers(customers, "customers", "customer", "demand", problems)
    values = _check_numbers(costs, pairs, "site", value_column, problems)
    site_ids = pd.Index(sites["site"])
    customer_ids = pd.Index(customers["customer"])
    # Ids and pairs are checked even when numbers are bad: every problem at once.
    for column, ids, known in (
        ("site", site_ids, "sites"),
        ("customer", customer_ids, "customers"),
    ):
        unknown = np.flatnonzero(~costs[column].isin(ids).to_numpy())
        for position in unknown[:_MAX_PER_CHECK]:
            problems.append(
                Problem(
                    file=pairs,
                    row=_row(position),
                    message=(
                        f"row {_row(position)}: {column} "
                        f"{_plain(costs[column].iloc[position])!r} is "
                        f"not in the {known} table. Add it to {known} or fix the id."
                    ),
                )
            )
        _more(problems, pairs, len(unknown), f"rows with an unknown {column}")
    duplicate = costs[["site", "customer"]].duplicated(keep="first").to_numpy()
    for position in np.flatnonzero(duplicate)[:_MAX_PER_CHECK]:
        problems.append(
            Problem(
                file=pairs,
                row=_row(position),
                message=(
                    f"row {_row(position)}: the pair site "
                    f"{_plain(costs['site'].iloc[position])!r}, customer "
                    f"{_plain(costs['customer'].iloc[position])!r} appears again. "
                    "Keep one row per pair."
                ),
            )
        )
    if problems:
        raise InputError(problems)
    site_position = site_ids.get_indexer(costs["site"])
    customer_position = customer_ids.get_indexer(costs["customer"])
    matrix = np.full((len(site_ids), len(customer_ids)), np.inf)
    matrix[site_position, customer_position] = values
    return DenseInstance(site_ids, customer_ids, fixed_cost, capacity, demand, matrix)
