"""Apply overrides to NetworkData: a pure function returning new, revalidated inputs.

Patches run in order, each on the tables as the previous ones left them. A patch selects
rows with ``where`` (every listed column must hold one of the listed values; on routes,
``cross_border: true`` keeps lanes whose plant's country is not the market's), narrows them
with ``from_year``, then ``set`` assigns and ``scale`` multiplies. ``from_year`` filters rows
of tables with a ``year`` column; a row with a ``first_year``/``last_year`` range that spans
``from_year`` is split in two, the first part keeping its values up to ``from_year - 1``
and the second carrying the new ones (tables keyed by their first year only: duties and
countervailing duties; plants and routes have one row per plant or lane and cannot split).

The result goes through :func:`evplan.data.validate_tables`, so a bad override gets the
normal input messages. When every patch only changed numbers in the value columns whose
cross-table checks are known (``FAST_COLUMNS``: costs, capacities, rates, prices, volumes;
not keys, years, text, quota volumes, compliance or strategic tables), the checks those
numbers can fail are run directly (bounds, tier prices, quota rates, capacity floors); only
if one trips is the full validation run, for its messages. Either way the returned
NetworkData is one the full validation accepts (tested against it on random patches).
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evplan.data import NetworkData, validate_tables
from evplan.data.duties import quota_groups
from evplan.data.suggest import did_you_mean, quoted_list
from evplan.errors import InputError, Problem
from evplan.frame_arrays import float_column, stored_array
from evplan.scenarios.overrides import CROSS_BORDER, LABEL, Catalog, Patch, load_catalog
from evplan.scenarios.patch_columns import check_patch_columns
from evplan.scenarios.values import PYTHON_LABEL, finite_number
from evplan.schema import TABLES

__all__ = ["Applied", "apply", "apply_patches", "apply_scenario", "catalog_for"]


@dataclass(frozen=True)
class Applied:
    """Inputs after a scenario's overrides, with the record of what changed.

    Attributes
    ----------
    data : NetworkData
        The revalidated inputs.
    scenario : str
        Scenario name (``base`` when nothing was applied).
    overrides : tuple of dict
        Resolved patches: override, table, where, set, scale, from_year, and the
        spreadsheet ``rows`` they changed (``split_rows``: rows split at from_year).
    """

    data: NetworkData
    scenario: str
    overrides: tuple[dict[str, Any], ...] = ()


def catalog_for(data: NetworkData) -> Catalog:
    """The Catalog of ``scenarios.yaml`` beside the inputs ``data`` came from (may be empty);
    for a workbook, its ``scenarios`` sheet (:mod:`evplan.scenarios.workbook`)."""
    origin = Path(data.origin)
    if origin.suffix.lower() in (".xlsx", ".xlsm") and origin.is_file():
        from evplan.scenarios.workbook import read_workbook_catalog

        return read_workbook_catalog(origin)
    folder = origin if origin.is_dir() else origin.parent
    return load_catalog(folder) if folder.exists() else Catalog()


_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3
#: Relative tolerance of a numeric ``where`` value: the same number written another way
#: (``0.1`` against ``0.1000000000000001``) matches, a different number does not.
WHERE_RTOL = 1e-12


def _matches(frame: pd.DataFrame, column: str, values: tuple[Any, ...], where: str,
             problems: list[Problem], source: str = LABEL) -> np.ndarray:
    """The rows of ``frame`` whose ``column`` holds one of ``values`` (a problem for each
    value no row holds)."""
    stored = stored_array(frame, column)
    if pd.api.types.is_numeric_dtype(stored.dtype) and not pd.api.types.is_bool_dtype(
            stored.dtype):
        try:
            wanted = np.asarray([float(value) for value in values])
        except (TypeError, ValueError):
            problems.append(Problem(source, f"{where}: where {column} = {values!r} is not a "
                                    "number. Write the number the rows hold (where cannot "
                                    "select blank cells; select them by another column)."))
            return np.zeros(len(frame), dtype=bool)
        numbers = float_column(frame, column)
        # Equal up to rounding in the last digits only: np.isclose's default (a relative
        # 1e-5) made `where: {volume_vehicles: 100000}` also match 100001.
        same = np.isclose(numbers[:, None], wanted[None, :], rtol=WHERE_RTOL, atol=0.0)
        hit = same.any(axis=1)
        present = same.any(axis=0)
        missing = [value for value, found in zip(values, present, strict=True) if not found]
        held = numbers[~np.isnan(numbers)]
        known = sorted({f"{v:g}" for v in held})
        nearest: dict[Any, str] = {value: f"{held[np.argmin(np.abs(held - float(value)))]:.12g}"
                   for value in missing} if len(held) else {}
    else:
        # Compared cell by cell in Python: a sweep's patches meet small tables, where the
        # pandas steps (astype(str), isin) cost 0.1-0.2 ms each whatever the length.
        cells = _text_cells(frame, column, stored)
        wanted_text = [str(value) for value in values]
        wanted_set = set(wanted_text)
        hit = np.fromiter((cell in wanted_set for cell in cells), dtype=bool, count=len(cells))
        found = set(cells[hit].tolist())
        missing = [value for value in wanted_text if value not in found]
        known = sorted({cell for cell in cells.tolist() if isinstance(cell, str)}) if (
            missing) else []
        nearest = {}
    for value in missing:
        hint = (f" The nearest value is {nearest[value]}." if value in nearest else
                did_you_mean(str(value), known))
        problems.append(Problem(source, f"{where}: {column} '{value}' is in no row of "
                                f"{frame.attrs['table']}." + (hint or (
                                    f" Values: {quoted_list(known)}." if known else
                                    f" {frame.attrs['table']} has no rows here: drop the "
                                    "override, or add the rows it patches."))))
    return hit


def _text_cells(frame: pd.DataFrame, column: str, stored: Any) -> np.ndarray:
    """The cells of a text column as ``where`` compares them: NaN for a blank of pandas'
    text dtype (it matches no text), else each cell as ``astype(str)`` gives it. A column of
    Python strings only (the usual key column) is taken as it is: ``str`` changes none."""
    if isinstance(stored, np.ndarray) and stored.dtype == object and all(
            type(cell) is str for cell in stored.tolist()):
        return stored
    series = frame[column]
    if isinstance(series.dtype, pd.StringDtype):
        return series.to_numpy(dtype=object, na_value=np.nan)
    return series.astype(str).to_numpy(dtype=object)


def _assign(frame: pd.DataFrame, mask: np.ndarray, column: str, value: Any) -> bool:
    """Set ``column`` on ``mask`` rows; return True when the column kept its typed dtype."""
    if value is None:
        value = np.nan
    numeric_value = isinstance(value, int | float) and not isinstance(value, bool)
    stored = stored_array(frame, column)
    if stored.dtype == np.float64 and numeric_value:
        numbers = np.array(stored, dtype=np.float64)  # a copy of the column, writable
        numbers[mask] = float(value)
        frame[column] = numbers
        return True
    series = frame[column]
    if str(series.dtype) == "Int64" and numeric_value and float(value) == int(value):
        frame.loc[mask, column] = int(value)
        return False
    values = series.astype(object)
    values[mask] = value
    frame[column] = values
    return False


def _scale(frame: pd.DataFrame, mask: np.ndarray, column: str, factor: float) -> bool:
    stored = stored_array(frame, column)
    if stored.dtype == np.float64:
        numbers = np.array(stored, dtype=np.float64)  # a copy of the column, writable
        with np.errstate(over="ignore"):  # a huge factor gives inf: validation reports it
            numbers[mask] = numbers[mask] * factor
        frame[column] = numbers
        return True
    series = frame[column]
    values = series.astype(object)
    values[mask] = series[mask].astype(float) * factor
    frame[column] = values
    return False


def _cross_border(routes: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> np.ndarray:
    """True for lanes whose plant's country is not the market's country."""
    plant_country = tables["plants"].set_index("plant")["country"]
    market_country = tables["markets"].set_index("market")["country"]
    origin = routes["plant"].map(plant_country).astype(object).to_numpy()
    destination = routes["market"].map(market_country).astype(object).to_numpy()
    return np.asarray(origin != destination, dtype=bool)


def _split(frame: pd.DataFrame, mask: np.ndarray, patch: Patch, years: list[int], where: str,
           problems: list[Problem]) -> tuple[pd.DataFrame, np.ndarray, list[int]]:
    """Narrow ``mask`` to from_year on; split ranged rows that span it."""
    assert patch.from_year is not None
    year = patch.from_year
    if "year" in frame:
        return frame, mask & (frame["year"].to_numpy() >= year), []
    first = frame["first_year"].astype("Float64").fillna(years[0]).to_numpy(dtype=float)
    last = frame["last_year"].astype("Float64").fillna(years[-1]).to_numpy(dtype=float)
    spans = mask & (first < year) & (last >= year)
    whole = mask & (first >= year)
    if not spans.any():
        return frame, whole, []
    table = TABLES[patch.table]
    if "first_year" not in table.key:
        rows = frame.loc[spans, "row"].tolist()
        key = ", ".join(table.key)
        problems.append(Problem(patch.source, f"{where}: {patch.table} has one row per {key}, so "
                                f"from_year {year} cannot split row{'s' if len(rows) > 1 else ''}"
                                f" {', '.join(map(str, rows[:5]))}. Set first_year/last_year "
                                "instead (set: {last_year: " f"{year - 1}" "} closes from "
                                f"{year}), or leave out from_year."))
        return frame, whole, []
    before = frame.copy()
    before.loc[spans, "last_year"] = year - 1
    after = frame[spans].copy()
    after["first_year"] = year
    after["last_year"] = frame.loc[spans, "last_year"]
    # Interleave: each split row's new part follows its old part.
    order = np.concatenate([np.arange(len(frame)), np.flatnonzero(spans) + 0.5])
    combined = pd.concat([before, after], ignore_index=True)
    combined = combined.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)
    new_mask = np.concatenate([whole, np.ones(int(spans.sum()), dtype=bool)])
    new_mask = new_mask[np.argsort(order, kind="stable")]
    combined["first_year"] = combined["first_year"].astype("Int64")
    combined["last_year"] = combined["last_year"].astype("Int64")
    return combined, new_mask, frame.loc[spans, "row"].astype(int).tolist()


def apply_patch(tables: dict[str, pd.DataFrame], patch: Patch, years: list[int],
                 problems: list[Problem]) -> tuple[dict[str, Any], bool]:
    """Apply one patch in place on ``tables``; return its record and whether it stayed typed."""
    where = (f"line {patch.line}: " if patch.line else "") + (
        f"override '{patch.override}' ({patch.table})")
    # With copy-on-write (pandas >= 3) columns the patch does not set stay shared with the
    # base table, which makes the warm model's shape check cheap.
    frame = tables[patch.table].copy(deep=not _COPY_ON_WRITE)
    frame.attrs["table"] = patch.table
    mask = np.ones(len(frame), dtype=bool)
    before = len(problems)
    for column, values in patch.where.items():
        if column == CROSS_BORDER and patch.table == "routes":
            mask &= _cross_border(frame, tables) == bool(values[0])
            continue
        mask &= _matches(frame, column, values, where, problems, patch.source)
    split_rows: list[int] = []
    if patch.from_year is not None and len(problems) == before:
        frame, mask, split_rows = _split(frame, mask, patch, years, where, problems)
    if len(problems) > before:
        return {}, False
    if not mask.any():
        conditions = " and ".join(f"{column} in {list(values)}"
                                  for column, values in patch.where.items())
        after = (f" from {patch.from_year}" if patch.from_year else "") + (
            f" (the horizon ends in {years[-1]})" if patch.from_year and patch.from_year >
            years[-1] else "")
        problems.append(Problem(patch.source, f"{where}: no row "
                                + (f"has {conditions}" if conditions else "is left")
                                + after + ". Loosen where or from_year."))
        return {}, False
    typed = not split_rows
    key = set(TABLES[patch.table].key) | {"first_year", "last_year"}
    for column, value in patch.set.items():
        typed &= _assign(frame, mask, column, value) and column not in key
    for column, factor in patch.scale.items():
        typed &= _scale(frame, mask, column, factor) and column not in key
    frame.attrs.pop("table", None)
    tables[patch.table] = frame
    rows = frame["row"].to_numpy(dtype=np.int64)[mask]
    if not (rows[1:] > rows[:-1]).all():  # usually increasing already: no hashing needed
        rows = np.unique(rows)
    record = {**patch.as_dict(), "rows": rows.tolist(), "split_rows": split_rows}
    return record, typed


# The value columns whose only cross-table checks are the ones _fast_checks runs; a change
# to any other column (a quota volume shared by a quota group, a ZEV credit price bounded by
# the penalty, a compliance or strategic table, ...) gets the full validation.
FAST_COLUMNS = {
    "plants": {"capacity_vehicles_per_year", "fixed_cost_usd_per_year", "min_utilisation"},
    "plant_programs": {"variable_cost_usd_per_vehicle"},
    "routes": {"freight_usd_per_vehicle", "transit_days", "capacity_vehicles_per_year",
               "co2_kg_per_vehicle"},
    "duties": {"ad_valorem_rate", "specific_usd_per_vehicle", "minimum_usd_per_vehicle",
               "in_quota_rate"},
    "countervailing_duties": {"cvd_rate"},
    "demand": {"volume_vehicles", "price_usd_per_vehicle"},
    "committed_sales": {"min_vehicles"},
    "exchange_rates": {"local_per_usd"},
    "transfer_prices": {"markup_on_full_cost"},
}


def _fast_checks(data: NetworkData, tables: dict[str, pd.DataFrame],
                 changed: Mapping[str, set[str]]) -> bool:
    """True when value-only changes pass every check that values can fail."""
    from evplan.model.strategic import has_strategic

    if any(not columns <= FAST_COLUMNS.get(name, set()) for name, columns in changed.items()):
        return False
    if "plants" in changed and has_strategic(data):  # module sizes, capacity decisions
        return False
    for name, columns in changed.items():
        frame = tables[name]
        for column in TABLES[name].columns:
            if column.name not in columns:
                continue
            values = frame[column.name].to_numpy(dtype=float)
            blank = np.isnan(values)
            if column.required and blank.any():
                return False
            present = values[~blank]
            if not np.isfinite(present).all():
                return False
            if (present < column.lower_bound).any() or (present > column.upper_bound).any():
                return False
            before = data[name][column.name].to_numpy(dtype=float)
            if not np.array_equal(np.isnan(before), blank):
                return False
    if "price_usd_per_vehicle" in changed.get("demand", ()):  # tiers' prices still fall
        demand = tables["demand"].sort_values(["market", "year", "product", "tier"])
        pools = demand[["market", "year", "product"]]
        same = pools.eq(pools.shift()).all(axis=1).to_numpy()
        price = demand["price_usd_per_vehicle"].to_numpy()
        if (same[1:] & (price[1:] >= price[:-1])).any():
            return False
    if "duties" in changed:
        duties = tables["duties"]
        quota = duties["quota_vehicles_per_year"].notna()
        if (quota & duties["in_quota_rate"].isna()).any() or (
                quota & (duties["in_quota_rate"] > duties["ad_valorem_rate"])).any():
            return False
    if "plants" in changed:
        plants = tables["plants"]
        if (np.isclose(plants["capacity_vehicles_per_year"].fillna(1), 0)
                & (plants["min_utilisation"] > 0)).any():
            return False
    return True


def _plain(value: Any) -> Any:
    """A NumPy scalar or 0-d array as the Python value it holds (``np.int64(2)`` -> 2), a
    ``Decimal`` or other real number as a float; else ``value``."""
    if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return value.item()
    if isinstance(value, numbers.Number) and not isinstance(value, bool | int | float | complex):
        return float(value)  # type: ignore[arg-type]  # a Decimal, a Fraction
    return value


def _where_values(values: Any) -> tuple[Any, ...]:
    """A ``where`` entry's values: a list, tuple, set, range, NumPy array or pandas Series
    or Index is its items (``df["plant"].unique()``), anything else (text, a number) one
    value; each read by :func:`_plain`.

    Examples
    --------
    >>> _where_values(np.array(["P1", "P2"])), _where_values("P1"), _where_values({2, 1})
    (('P1', 'P2'), ('P1',), (1, 2))
    """
    if isinstance(values, set | frozenset):  # before np.ndim, which calls a set 0-d
        return tuple(sorted((_plain(value) for value in values), key=str))
    if isinstance(values, str | bytes) or np.ndim(values) == 0:
        return (_plain(values),)
    return tuple(_plain(value) for value in values)


def _checked(patches: Sequence[Patch], problems: list[Problem]) -> list[Patch]:
    """``patches`` with the checks scenarios.yaml's patches get when the file is read.

    A Patch made in Python skips that reading: before this, ``scale`` by NaN turned a
    route capacity into "no limit" and ``from_year=True`` patched every year (a plan was
    returned), and an unknown table or column, or a text factor, raised a bare KeyError or
    NumPy error. NumPy scalars are read as the numbers they hold; ``where`` values are read
    by :func:`_where_values` (``{"plant": "P1"}`` is one value, an array its items).
    """
    checked = []
    for patch in patches:
        where = (f"line {patch.line}: " if patch.line else "") + (
            f"override '{patch.override or 'custom'}' ({patch.table})")
        before = len(problems)
        if patch.table not in TABLES:
            problems.append(Problem(patch.source, f"{where}: '{patch.table}' is not an input "
                                    f"table." + (did_you_mean(str(patch.table), TABLES) or
                                                 f" The tables are {', '.join(TABLES)}.")))
            continue
        table = TABLES[patch.table]
        filters = {str(column): _where_values(values)
                   for column, values in patch.where.items()}
        sets = {str(column): _plain(value) for column, value in patch.set.items()}
        scales = {str(column): _plain(factor) for column, factor in patch.scale.items()}
        from_year = _plain(patch.from_year)
        routes = patch.table == "routes"
        if routes and CROSS_BORDER in filters and (len(filters[CROSS_BORDER]) != 1 or not
                                                   isinstance(filters[CROSS_BORDER][0], bool)):
            problems.append(Problem(patch.source, f"{where}: where cross_border = "
                                    f"{list(filters[CROSS_BORDER])!r} must be true or false."))
        known = table.column_names
        for what, columns in (("where", filters), ("set", sets), ("scale", scales)):
            for column in columns:
                if column not in known and not (what == "where" and (
                        column == "row" or (routes and column == CROSS_BORDER))):
                    problems.append(Problem(patch.source, f"{where}: {what} column '{column}' "
                                            f"is not in {patch.table}." + (
                                                did_you_mean(column, known) or
                                                f" Its columns are {', '.join(known)}.")))
        if not sets and not scales:  # as scenarios.yaml says of such a patch
            problems.append(Problem(patch.source, f"{where}: the {patch.table} patch neither "
                                    "sets nor scales anything. Give set or scale."))
        check_patch_columns(patch.table, sets, scales, where, problems)
        dtypes = {column.name: column.dtype for column in table.columns}
        for column, factor in scales.items():
            if dtypes.get(column) == "str":
                problems.append(Problem(patch.source, f"{where}: scale needs a numeric column; "
                                        f"{patch.table}.{column} is text. Use set instead."))
            elif isinstance(factor, str) or finite_number(factor) is None:
                problems.append(Problem(patch.source, f"{where}: scale factor for {column} = "
                                        f"{factor!r} is not a finite number. Write a factor "
                                        "such as 1.5."))
        if from_year is not None:
            number = finite_number(from_year)  # text as scenarios.yaml reads it: '2026'
            if "year" not in dtypes and "first_year" not in dtypes:
                problems.append(Problem(patch.source, f"{where}: {patch.table} has no years, so "
                                        "from_year cannot apply. Leave out from_year."))
            elif number is None or number != int(number) or not 1900 <= number <= 2200:
                problems.append(Problem(patch.source, f"{where}: from_year = {from_year!r} is "
                                        "not a year. Write a year such as 2027."))
        if len(problems) == before:
            checked.append(dataclasses.replace(
                patch, where=filters, set=sets, scale={k: float(v) for k, v in scales.items()},
                from_year=None if from_year is None else int(float(from_year))))
    return checked


def apply_patches(data: NetworkData, patches: Sequence[Patch], scenario: str = "custom"
                  ) -> Applied:
    """Apply ``patches`` to ``data`` and revalidate (see the module docstring).

    Raises
    ------
    InputError
        When a patch names a table, column or year that is not there, sets or scales a
        value no override may (a key, text for a number, a factor that is not a finite
        number), names values no row has, cannot split, or breaks the inputs.
    """
    tables = {name: frame for name, frame in data.tables.items()}
    problems: list[Problem] = []
    patches = _checked(patches, problems)  # the rest still run: every problem at once
    records = []
    typed = True
    changed: dict[str, set[str]] = {}
    for patch in patches:
        record, stayed_typed = apply_patch(tables, patch, data.years, problems)
        if record:
            records.append(record)
            typed &= stayed_typed
            changed.setdefault(patch.table, set()).update(patch.set, patch.scale)
    if problems:
        raise InputError(problems)
    if not records:
        return Applied(data, scenario, ())
    if typed and _fast_checks(data, tables, changed):
        new = data.replace(tables={name: frame if frame is data.tables[name]
                                   or _default_index(frame) else frame.reset_index(drop=True)
                                   for name, frame in tables.items()})
    else:
        _drop_shares_of_removed_quotas(data, tables)
        try:
            new = validate_tables(tables, data.scenario, origin=data.origin)
        except InputError as error:
            raise InputError(_blame(error.problems, patches)) from None
    return Applied(new, scenario, tuple(records))


def _drop_shares_of_removed_quotas(data: NetworkData, tables: dict[str, pd.DataFrame]) -> None:
    """An override that removes a quota (Canada drops its quota) leaves the group's
    quota_shares row without a quota to share: the row is moot under the override, not a
    typo (which validation refuses in the inputs themselves), so it is left out here."""
    shares = tables.get("quota_shares")
    if shares is None or shares.empty:
        return
    removed = quota_groups(data["duties"]) - quota_groups(tables["duties"])
    if removed:
        tables["quota_shares"] = shares[~shares["quota_group"].astype(str).isin(removed)]


def _default_index(frame: pd.DataFrame) -> bool:
    """True when ``frame`` is indexed 0, 1, ..., as ``reset_index(drop=True)`` would make it."""
    index = frame.index
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


def _blame(problems: Sequence[Problem], patches: Sequence[Patch]) -> list[Problem]:
    """Problems the patched tables have, blamed on the overrides that patched them.

    The base inputs were valid, so whatever validation finds now the overrides made; the
    message names the override(s), the table and its row, and the file to fix is
    scenarios.yaml (not the CSV, which is unchanged).
    """
    by_file = {table.file: name for name, table in TABLES.items()}
    blamed = []
    for problem in problems:
        table = by_file.get(problem.file, problem.file)
        names = list(dict.fromkeys(patch.override or "custom" for patch in patches
                                   if patch.table == table)) or list(dict.fromkeys(
                                       patch.override or "custom" for patch in patches))
        who = " and ".join(f"'{name}'" for name in names)
        lines = sorted({patch.line for patch in patches if patch.line
                        and (patch.override or "custom") in names})
        at = f"line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))}: " if lines else ""
        source = " and ".join(dict.fromkeys(patch.source for patch in patches
                                            if (patch.override or "custom") in names)) or LABEL
        blamed.append(Problem(source, f"{at}override {who} makes {table} invalid: {problem.message}"
                              + ("" if problem.count != 1 else " Change the patch's value."
                                 if source == PYTHON_LABEL else
                                 f" Change the override's value (in {source}, or the value "
                                 "given on the command line)."),
                              count=problem.count))
    return blamed


def apply_scenario(data: NetworkData, scenario: str | Sequence[str] | Sequence[Patch],
                   catalog: Catalog | None = None) -> Applied:
    """Apply a named scenario, a list of override names, or patches; keep the record.

    Parameters
    ----------
    data : NetworkData
        The base inputs.
    scenario : str, list of str, or list of Patch
        A scenario or override name from ``scenarios.yaml``, several names applied in
        order, or patches.
    catalog : Catalog, optional
        Where names are looked up (default: ``scenarios.yaml`` beside the inputs).

    Returns
    -------
    Applied
    """
    items: list[Any] = [scenario] if isinstance(scenario, str) else list(scenario)
    if items and all(isinstance(item, Patch) for item in items):
        return apply_patches(data, items, "custom")
    strange = [item for item in items if not isinstance(item, str | Patch)]
    if strange:
        raise InputError([Problem(PYTHON_LABEL, f"{item!r} is neither a scenario or override "
                                  "name nor a Patch. Give names (text) and Patch objects.")
                          for item in strange])
    # Names and Patches mixed: each name's patches, then each Patch, in the order given.
    catalog = catalog if catalog is not None else catalog_for(data)
    patches = [patch for item in items for patch in (
        catalog.resolve(item) if isinstance(item, str) else (item,))]
    label = "+".join(item if isinstance(item, str) else "custom" for item in items)
    return apply_patches(data, patches, label or "base")


def apply(data: NetworkData, scenario: str | Sequence[str] | Sequence[Patch],
          catalog: Catalog | None = None) -> NetworkData:
    """Return new, revalidated inputs with a scenario's overrides applied.

    A pure function: ``data`` is not changed. Use :func:`apply_scenario` to keep the
    record of which rows changed.

    Examples
    --------
    >>> import evplan
    >>> from evplan.scenarios import apply
    >>> data = evplan.examples.china_export()
    >>> shocked = apply(data, "freight-shock")
    >>> raised = shocked["routes"]["freight_usd_per_vehicle"] > data["routes"][
    ...     "freight_usd_per_vehicle"]     # cross-border lanes only: domestic ones keep theirs
    >>> bool(raised.any()), bool(raised.all())
    (True, False)
    """
    return apply_scenario(data, scenario, catalog).data
