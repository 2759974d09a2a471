"""``project_fleet``: from a plan and/or a sales history to vehicles in use and retired packs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from evplan.errors import InputError, Problem, VerificationError
from evplan.fleet.check import fleet_problems
from evplan.fleet.params import (
    CHEMISTRY,
    SURVIVAL,
    load_battery,
    load_chemistry,
    load_survival,
)
from evplan.fleet.sales import (
    HISTORY_LINE,
    PlanSales,
    assign_chemistry,
    combine_sales,
    own_table_line,
    plan_sales,
    read_history,
    read_run_folder,
    recorded_pack_sizes,
)
from evplan.fleet.stock import FleetOptions, FleetResult, stock_model
from evplan.fleet.tables import TableSource, look_alike_ids
from evplan.results.run_files import PACK_SIZES_KEY, read_programs

T = TypeVar("T")

__all__ = ["project_fleet"]


def _plan(plan: Any, programs: TableSource) -> PlanSales | None:
    if plan is None or isinstance(plan, PlanSales):
        return plan
    if isinstance(plan, str | Path):
        return read_run_folder(plan, programs)
    if hasattr(plan, "tables") and "shipments" in plan.tables:  # an evplan Result
        label = "programs" if isinstance(programs, pd.DataFrame) else str(programs)
        program_table: pd.DataFrame | None
        if programs is not None:
            program_table = read_programs(programs, label)
            pack_sizes = f"Pack sizes are the programs' battery_kwh in {label}."
        elif (program_table := recorded_pack_sizes(
                getattr(plan, "metadata", None),
                f"Result.metadata[{PACK_SIZES_KEY!r}]")) is not None:
            pack_sizes = "Pack sizes are the programs' battery_kwh of the inputs the run planned."
        else:  # a Result made without them (a warm study case): nothing better is known
            pack_sizes = ("Pack sizes are the powertrain defaults (this Result does not "
                          "record the programs' battery_kwh): pass programs= (e.g. "
                          "data.tables['programs']) to use the programs' own.")
        margin = plan.tables.get("margin_by_market")
        markets = sorted(set(margin["market"])) if margin is not None else None
        sales = plan_sales(plan["shipments"], program_table, dict(plan.scenario), markets,
                           plan.tables.get("kit_shipments"))
        sales.pack_sizes = pack_sizes
        return sales
    raise InputError([Problem("plan", f"cannot read a plan from {type(plan).__name__}. Pass a "
                              "run folder, an evplan Result, or None with a history CSV.")])


def _look_alikes(sales: pd.DataFrame, survival: pd.DataFrame, chemistry: pd.DataFrame) -> None:
    """Raise for a survival market, or a chemistry rule's program or origin, typed with
    look-alike letters of an id of the sales ('СN' with a Cyrillic С): the row would apply
    to nothing and the sales' own id would silently take the '*' row."""
    problems = look_alike_ids(SURVIVAL, survival, "market", set(sales["market"]),
                              str(survival.attrs.get("file", SURVIVAL.file)),
                              "market {id} would take the '*' curve instead of this row")
    for column in ("program", "origin"):
        problems += look_alike_ids(CHEMISTRY, chemistry, column, set(sales[column]) - {""},
                                   str(chemistry.attrs.get("file", CHEMISTRY.file)),
                                   "the vehicles of " + column + " {id} would not follow "
                                   "this rule")
    if problems:
        raise InputError(problems)


def project_fleet(
    plan: Any = None,
    *,
    history: TableSource = None,
    programs: TableSource = None,
    survival: TableSource = None,
    battery: TableSource = None,
    chemistry: TableSource = None,
    options: FleetOptions | None = None,
) -> FleetResult:
    """Vehicles in use by vintage, powertrain, market and year; retirements; retired packs.

    Parameters
    ----------
    plan : run folder, Result, PlanSales or None
        The plan whose sales put vehicles on the road. A Result's pack sizes are those its
        metadata records (``battery_kwh_by_program``: the inputs the run planned), as for
        its run folder; ``programs`` replaces them.
    history : CSV path or DataFrame, optional
        Sales before the plan's first year (columns of ``sales_history``; see
        ``docs/fleet-charging.md``). Alone, it is the whole input.
    programs : CSV path or DataFrame, optional
        ``program`` and ``battery_kwh`` (default: those the run recorded, else the run's
        input folder's ``programs.csv``, else the powertrain defaults).
    survival, battery, chemistry : CSV path or DataFrame, optional
        Replace the sourced defaults shipped in ``evplan/fleet/data``.
    options : FleetOptions, optional
        Horizon after the plan and sales after the plan.

    Returns
    -------
    FleetResult

    Examples
    --------
    >>> import pandas as pd
    >>> history = pd.DataFrame({"market": ["CN"] * 3, "year": [2020, 2021, 2022],
    ...                         "powertrain": ["BEV"] * 3, "sales_vehicles": [1000.0] * 3})
    >>> fleet = project_fleet(history=history, options=FleetOptions(years_after_plan=0))
    >>> round(fleet["fleet"].query("year == 2022")["vehicles_in_use"].sum())
    3000
    """
    options = options or FleetOptions()
    problems: list[Problem] = []  # every file's problems at once

    def attempt(load: Callable[..., T], *arguments: Any) -> T | None:
        try:
            return load(*arguments)
        except InputError as error:
            problems.extend(error.problems)
            return None

    plan_sales_ = _plan(plan, programs)  # a bad run folder: nothing else can be checked
    survival_table = attempt(load_survival, survival)
    battery_table = attempt(load_battery, battery)
    chemistry_table = attempt(load_chemistry, chemistry, battery_table)
    history_table = None
    if history is not None:
        history_table = attempt(
            read_history, history, plan_sales_.markets if plan_sales_ is not None else None,
            plan_sales_.first_year if plan_sales_ is not None else None,
            None if battery_table is None else set(battery_table["chemistry"]))
    if problems:
        raise InputError(problems)
    assert survival_table is not None and battery_table is not None
    assert chemistry_table is not None
    combined = combine_sales(plan_sales_, history_table)
    _look_alikes(combined, survival_table, chemistry_table)
    sales = assign_chemistry(combined, chemistry_table)
    plan_last = plan_sales_.last_year if plan_sales_ is not None else int(sales["year"].max())
    last_year = plan_last + options.years_after_plan
    tables = stock_model(sales, survival_table, battery_table, plan_last_year=plan_last,
                         last_year=last_year, after_plan=options.after_plan)
    wrong = fleet_problems(tables, sales, battery_table, plan_last_year=plan_last,
                           last_year=last_year, after_plan=options.after_plan)
    if wrong:  # evplan's own bug: the tables contradict the sales they came from
        raise VerificationError(wrong)
    tables["fleet_sales"] = pd.DataFrame(sales.groupby(
        ["market", "year", "powertrain", "program", "origin", "chemistry", "battery_kwh",
         "basis"], as_index=False)["sales_vehicles"].sum())
    held = "held at the plan's last-year level" if options.after_plan == "flat" else "zero"
    assumptions = [
        f"Sales after {plan_last} are {held} up to {last_year}.",
        "Vehicles sold in a year are on average half a year old at its end (mid-year ages).",
        "A pack retires when its vehicle is scrapped or its state of health reaches the "
        "retirement value, whichever comes first; replacement packs are not tracked.",
        "Retired packs younger than the second-life age limit go to second life with the "
        "chemistry's share; the rest go to recycling. kWh are nominal (as built).",
    ]
    if plan_sales_ is not None and plan_sales_.plan:
        assumptions.insert(0, plan_sales_.plan)
    if plan_sales_ is not None and plan_sales_.pack_sizes:
        assumptions.append(plan_sales_.pack_sizes)
    assumptions += [own_table_line(what, source, shipped) for what, source, shipped in (
                        (HISTORY_LINE.removesuffix(" from"), history, None),
                        ("Survival curves", survival, "survival.csv"),
                        ("Pack parameters", battery, "battery.csv"),
                        ("Chemistry rules", chemistry, "chemistry.csv"))
                    if isinstance(source, str | Path)]
    if history_table is None:
        assumptions.append(f"No sales history: vehicles in use count only vintages from "
                           f"{int(sales['year'].min())} on.")
    return FleetResult(
        tables=tables,
        first_year=int(sales["year"].min()),
        last_year=last_year,
        plan_first_year=plan_sales_.first_year if plan_sales_ is not None else None,
        plan_last_year=plan_sales_.last_year if plan_sales_ is not None else None,
        assumptions=tuple(assumptions),
        export_markets=tuple(plan_sales_.export_markets()) if plan_sales_ is not None else (),
        options=options,
    )
