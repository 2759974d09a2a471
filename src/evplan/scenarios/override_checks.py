"""What ``evplan validate`` checks of each override and scenario in ``scenarios.yaml``.

``evplan run --scenario X`` applies X's patches and revalidates the tables it changed
(:func:`evplan.scenarios.apply.apply_patches`); before this module, ``validate`` read
``scenarios.yaml`` but applied nothing, so a ``cvd_rate`` set to -0.5, freight scaled by
-1 or ``where: {market: eu}`` passed ``validate`` and was refused by ``run``.

A full revalidation of every scenario costs about 0.28 s of CPU each (china-export: 24
names, 4.6 s), and ``validate`` runs hundreds of times in the fuzz tests. So each name is
checked cheaply, on the typed tables, without turning them back into text:

1. the patches are applied in order (:func:`evplan.scenarios.apply.apply_patch`: the
   same ``where`` matching, ``from_year`` splits, ``set`` and ``scale`` as ``run``), which
   reports a ``where`` value no row holds and a patch that selects no row;
2. every column a patch set or scaled is checked with the loader's own per-column rule
   (:func:`evplan.data.columns.coerce_table`'s: finite, within the column's range and sign,
   whole where whole, not blank where required, one of the column's choices);
3. the cross-row rules such values can break are checked directly (tier prices still fall,
   in-quota rates at most the ad valorem rate, no floor on a plant without capacity, a
   row's first year not after its last); a change outside the value columns whose
   cross-table checks are known (a year range, a quota volume, a compliance or strategic
   table) gets the cross-table checks (:func:`evplan.data.checks.check_tables`) on the
   typed tables, once per override; a column no cross-table check reads (:data:`VALUE_ONLY`)
   needs none.

Only when one of these finds a problem is the override (or scenario) applied in full, as
``run`` applies it, so the message is exactly the one ``run`` gives. Each override is
checked alone (``run --scenario <override>`` takes it); a scenario is checked as a whole
only when each of its overrides passes alone, since a problem of one override is already
listed (with the scenarios that use it).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from evplan.data import NetworkData
from evplan.data.checks import check_tables
from evplan.data.columns import check_numeric, check_text
from evplan.errors import InputError, Problem
from evplan.scenarios.apply import FAST_COLUMNS, apply_patch, apply_patches
from evplan.scenarios.overrides import Catalog, Patch
from evplan.schema import TABLES

__all__ = ["VALUE_ONLY", "override_problems"]

#: Columns no cross-table check reads (beyond ``apply.FAST_COLUMNS``, whose checks
#: :func:`_cross_row_problem` runs): their per-column rule is their only rule; a test reads
#: the check modules to keep this true. A plant's year range: only "first_year after
#: last_year" (a plant closed before the plan is a note under an override, as in ``run``).
VALUE_ONLY: dict[str, set[str]] = {
    "plants": {"fixed_cost_usd_per_year", "first_year", "last_year"},
    "programs": {"battery_kwh"},
    "program_emissions": {"lifetime_km"},
    "plant_emissions": {"battery_kg_co2_per_kwh"},
    "fleet_targets": {"target_g_per_km"},
    "zev_mandates": {"zev_share", "bev_credits_per_vehicle", "phev_credits_per_vehicle",
                     "borrow_share"},
    "production_credits": {"requirement_share", "bev_credits_per_vehicle",
                           "phev_credits_per_vehicle"},
    "carbon_prices": {"carbon_price_usd_per_t", "cap_t_co2"},
    "quota_shares": {"share_of_quota"},
}


def override_problems(data: NetworkData, catalog: Catalog) -> list[Problem]:
    """Every problem ``evplan run --scenario NAME`` would refuse, for each override and
    scenario NAME of ``catalog`` on the valid inputs ``data`` (see the module docstring).

    Examples
    --------
    >>> import evplan
    >>> from evplan.scenarios.overrides import parse_catalog
    >>> catalog = parse_catalog({"overrides": {"free-freight": {"routes": {
    ...     "scale": {"freight_usd_per_vehicle": -1}}}}})
    >>> found = override_problems(evplan.examples.china_export(), catalog)
    >>> print(found[0].message[:71])
    override 'free-freight' makes routes invalid: row 2, route 'CN-HUA>CN':
    """
    users: dict[str, list[str]] = {}
    for scenario, parts in catalog.scenarios.items():
        for part in parts:
            users.setdefault(part, []).append(scenario)
    problems: list[Problem] = []
    failed: set[str] = set()
    cross_checked: dict[str, bool] = {}  # override -> its changes passed check_tables
    for name, patches in catalog.overrides.items():
        found = _problems(data, patches, cross_checked, name)
        if found:
            failed.add(name)
            used = users.get(name, [])
            tail = (f" (scenario{'s' if len(used) > 1 else ''} "
                    f"{', '.join(repr(s) for s in used)} use{'' if len(used) > 1 else 's'} it)"
                    if used else "")
            problems.extend(Problem(p.file, p.message + tail if p.count else p.message,
                                    count=p.count) for p in found)
    for scenario, parts in catalog.scenarios.items():
        if failed.intersection(parts):
            continue  # listed with the override
        patches = tuple(patch for part in parts for patch in catalog.overrides[part])
        problems.extend(Problem(p.file, f"scenario '{scenario}': {p.message}", count=p.count)
                        for p in _problems(data, patches, cross_checked, None, parts))
    return list(dict.fromkeys(problems))


def _problems(data: NetworkData, patches: tuple[Patch, ...], cross_checked: dict[str, bool],
              override: str | None, parts: tuple[str, ...] = ()) -> list[Problem]:
    """The problems of applying ``patches`` in order: cheap checks, and the full apply (for
    ``run``'s own messages) only when one of them trips."""
    if _cheap_problem(data, patches, cross_checked, override, parts):
        try:
            apply_patches(data, patches, override or "+".join(parts))
        except InputError as error:
            return list(error.problems)
    return []


def _cheap_problem(data: NetworkData, patches: tuple[Patch, ...],
                   cross_checked: dict[str, bool], override: str | None,
                   parts: tuple[str, ...]) -> bool:
    """True when applying ``patches`` may give a problem (then ``run``'s path is taken)."""
    tables = dict(data.tables)
    problems: list[Problem] = []
    changed: dict[str, set[str]] = {}
    for patch in patches:
        apply_patch(tables, patch, data.years, problems)  # where values, empty selections
        changed.setdefault(patch.table, set()).update(patch.set, patch.scale)
    if problems:
        return True
    for name, columns in changed.items():
        if _column_problems(name, tables[name], columns):
            return True
    if _cross_row_problem(tables, changed):
        return True
    from evplan.model.strategic import has_strategic

    unknown = any(not columns <= FAST_COLUMNS.get(name, set()) | VALUE_ONLY.get(name, set())
                  for name, columns in changed.items()) or (
        "plants" in changed and has_strategic(data))  # module sizes, capacity decisions
    if not unknown:
        return False
    # A change whose cross-table checks are not listed here: check_tables on the typed
    # tables (about 0.09 s on china-export), once per override; a scenario of overrides
    # that each passed alone needs it again only when two of them change the same table.
    if override is None:
        tables_of = [{patch.table for patch in _patches_of(patches, part)} for part in parts]
        touched = [table for names in tables_of for table in names]
        if all(cross_checked.get(part, False) for part in parts) and len(touched) == len(
                set(touched)):
            return False
    found: list[Problem] = []
    labels = {name: table.file for name, table in TABLES.items()}
    try:
        check_tables(tables, labels, data.scenario, found, closed_plants_fail=False)  # as run
    except (KeyError, TypeError, ValueError):
        return True
    clean = not any(problem.count for problem in found)
    if override is not None:
        cross_checked[override] = clean
    return not clean


def _patches_of(patches: tuple[Patch, ...], override: str) -> list[Patch]:
    return [patch for patch in patches if patch.override == override]


def _column_problems(name: str, frame: pd.DataFrame, columns: set[str]) -> bool:
    """True when a changed column breaks the loader's per-column rule."""
    table = TABLES[name]
    found: list[Problem] = []
    for column in table.columns:
        if column.name not in columns:
            continue
        if column.dtype in ("int", "float"):
            check_numeric(found, table.file, table, frame, column)
        else:
            check_text(found, table.file, table, frame, column)
    return any(problem.count for problem in found)


def _cross_row_problem(tables: Mapping[str, pd.DataFrame], changed: Mapping[str, set[str]]
                       ) -> bool:
    """True when a changed value breaks a rule between rows or columns that values can."""
    demand_columns = changed.get("demand", set())
    if "price_usd_per_vehicle" in demand_columns:  # each pool's tier prices still fall
        demand = tables["demand"].sort_values(["market", "year", "product", "tier"])
        pools = demand[["market", "year", "product"]]
        same = pools.eq(pools.shift()).all(axis=1).to_numpy()
        price = demand["price_usd_per_vehicle"].to_numpy(dtype=float)
        if (same[1:] & (price[1:] >= price[:-1])).any():
            return True
    if "duties" in changed:
        duties = tables["duties"]
        quota = duties["quota_vehicles_per_year"].notna()
        if (quota & duties["in_quota_rate"].isna()).any() or (
                quota & (duties["in_quota_rate"] > duties["ad_valorem_rate"])).any():
            return True
    if "plants" in changed:
        plants = tables["plants"]
        capacity = plants["capacity_vehicles_per_year"]
        if ((np.isclose(capacity.fillna(1), 0) & (plants["min_utilisation"] > 0)).any()
                or ((capacity > 0) & (capacity < 1)).any()):
            return True
    for name, columns in changed.items():
        if {"first_year", "last_year"} & columns and _reversed_years(tables[name]):
            return True
    return False


def _reversed_years(frame: pd.DataFrame) -> bool:
    first = pd.to_numeric(frame["first_year"], errors="coerce").to_numpy(dtype=float)
    last = pd.to_numeric(frame["last_year"], errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        return bool((first > last).any())
