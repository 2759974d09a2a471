"""The strategic plan check's row counts: one row per key and year, and none else.

The capacity, floor and cost checks of :mod:`evplan.strategic.check` read a strategic plan's
yearly tables row by row (states, allocations, presence, homologations, assembly): a missing
row would leave that year's production unbounded or its events and costs uncharged, a
repeated one would count a year twice. These functions name every such row.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd

from evplan.data import NetworkData
from evplan.data.duties import expand_years, year_or
from evplan.strategic.check_kits import TOLERANCE_VEHICLES
from evplan.strategic.records import records as _rows

__all__ = ["allocation_rows", "decision_rows", "yearly_rows"]


def decision_rows(data: NetworkData, decisions: pd.DataFrame,
                   shipped: dict[tuple[Any, Any], float], kits_sent: dict[tuple[Any, int], float],
                   strategic: set[Any], problems: list[str]) -> None:
    """One plant_decisions row per strategic plant and year it operates, and none else.

    The capacity, floor and cost checks read these rows: a missing row would leave that
    plant-year's production unbounded and its costs uncharged, a repeated one charged twice.
    """
    expected = {(row.plant, int(row.year)) for row in _rows(expand_years(data.plants,
                                                                          data.years))
                if row.plant in strategic}
    seen = Counter(zip(decisions["plant"], decisions["year"].astype(int), strict=True))
    for plant, year in sorted(expected - set(seen), key=str):
        problems.append(f"{plant} {year}: no plant_decisions row (its state, modules and "
                        "capacity are not reported), building "
                        f"{shipped.get((plant, year), 0.0):,.1f} vehicles and "
                        f"{kits_sent.get((plant, year), 0.0):,.1f} kits.")
    for (plant, year), count in sorted(seen.items(), key=str):
        if (plant, year) not in expected:
            problems.append(f"{plant} {year}: a plant_decisions row for a plant-year without "
                            "a plant_strategy.csv row or outside the plant's years.")
        elif count > 1:
            problems.append(f"{plant} {year}: {count} plant_decisions rows; one is expected.")
    for (plant, year), volume in sorted(shipped.items(), key=str):
        if plant in strategic and (plant, year) not in expected and volume > TOLERANCE_VEHICLES:
            problems.append(f"{plant} {year}: ships {volume:,.1f} vehicles in a year it does "
                            "not operate.")


def allocation_rows(data: NetworkData, table: pd.DataFrame, problems: list[str]) -> None:
    """One program_allocations row per option row of plant_program_options.csv and year its
    plant operates inside the program's life, and none else.

    Starts, stops and their costs are read from consecutive rows: a missing row would hide
    a stop and a restart (their exit and tooling costs), a repeated one count a year twice.
    """
    first, last = min(data.years), max(data.years)
    life = {row.program: (year_or(row.first_year, first), year_or(row.last_year, last))
            for row in _rows(data["program_lifecycle"])}
    options = {(row.plant, row.program) for row in _rows(data["plant_program_options"])}
    expected = {(row.plant, program, int(row.year))
                for row in _rows(expand_years(data.plants, data.years))
                for plant, program in options if plant == row.plant
                and life.get(program, (first, last))[0] <= int(row.year)
                <= life.get(program, (first, last))[1]}
    seen = Counter(zip(table["plant"], table["program"], table["year"].astype(int),
                       strict=True))
    for plant, program, year in sorted(expected - set(seen), key=str):
        problems.append(f"{plant} {program} {year}: no program_allocations row (whether the "
                        "plant is allocated the program that year is not reported).")
    for (plant, program, year), count in sorted(seen.items(), key=str):
        if (plant, program, year) not in expected:
            problems.append(f"{plant} {program} {year}: a program_allocations row without a "
                            "plant_program_options.csv row, or outside the plant's years or "
                            "the program's life.")
        elif count > 1:
            problems.append(f"{plant} {program} {year}: {count} program_allocations rows; one "
                            "is expected.")


def yearly_rows(data: NetworkData, tables: dict[str, pd.DataFrame], problems: list[str]
                 ) -> None:
    """One row per input row and planning year in market_presence (market_entry.csv),
    program_homologations (homologations.csv) and assembly (assembly_sites.csv): their
    events and costs are read from consecutive rows, so a missing row could hide an exit
    and a re-entry, a repeated one count a year twice."""
    for table, source, keys in (("market_presence", "market_entry", ["market"]),
                                ("program_homologations", "homologations",
                                 ["program", "market"]),
                                ("assembly", "assembly_sites", ["site"])):
        inputs = data[source]
        expected = {(*(getattr(row, key) for key in keys), int(year))
                    for row in _rows(inputs) for year in data.years}
        frame = tables[table]
        columns = [frame[key] for key in keys] + [frame["year"].astype(int)]
        seen: Counter[tuple[Any, ...]] = Counter(zip(*columns, strict=True))
        for key in sorted(expected - set(seen), key=str):
            problems.append(f"{' '.join(map(str, key))}: no {table} row ({source}.csv has "
                            "a row, so the plan must report every year).")
        for key, count in sorted(seen.items(), key=str):
            if key not in expected:
                problems.append(f"{' '.join(map(str, key))}: a {table} row without a "
                                f"{source}.csv row or outside the planning years.")
            elif count > 1:
                problems.append(f"{' '.join(map(str, key))}: {count} {table} rows; one is "
                                "expected.")
