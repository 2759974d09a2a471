"""Rows whose years lie wholly outside the planning horizon (scenario.yaml's first_year to
last_year): a plant, a lane or a duty row that never applies.

=====================  ======================================  =============================
table                  row wholly outside the horizon           reported as
=====================  ======================================  =============================
plants.csv             closes before it (last_year < first)     an error: the plant builds
                                                                nothing, nor do its lanes and
                                                                programs; a closure year
                                                                before the plan is a slip
                                                                (2003 for 2030) more often
                                                                than a plant kept on file
                                                                (a note for frames given to
                                                                validate_tables: see below)
plants.csv             opens after it (first_year > last)       a note: a plant planned
                                                                beyond the plan
routes.csv             closes before it or opens after it       a note: lanes come and go
duties.csv,            ends before it or starts after it        a note: a tariff schedule
countervailing_duties                                           keeps its history
=====================  ======================================  =============================

evplan has no channel for remarks on inputs that load: a note is a
:class:`~evplan.errors.Problem` with ``count=0`` (as "N more problems come from the missing
column"), listed with the problems when there are any, one line per table (the rows it
stands for named), and it never fails a load on its own. The error is a problem like any
other, for the files evplan reads (a CSV folder, a workbook). Frames given to
:func:`evplan.data.validate_tables` get the note instead: evplan itself validates inputs
again over a shorter window with it (a backtest's years), where a plant closed before the
window is expected, and a scenario override that closes a plant before the plan is a
deliberate what-if.
"""

from __future__ import annotations

import pandas as pd

from evplan.data.columns import MAX_ROWS_PER_KIND, add_limited, row_label
from evplan.data.network import ScenarioSettings
from evplan.errors import Problem
from evplan.schema import TABLES

__all__ = ["NOTED_TABLES", "check_horizon"]

#: Tables whose rows wholly outside the horizon are a note, not an error (plants opening
#: after it are a note too; plants closing before it are an error).
NOTED_TABLES = ("plants", "routes", "duties", "countervailing_duties")


def _years(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].astype("Float64")


def check_horizon(tables: dict[str, pd.DataFrame], labels: dict[str, str],
                  scenario: ScenarioSettings, problems: list[Problem],
                  closed_plants_fail: bool = True) -> None:
    """Append an error for each plant that closes before the horizon (a note instead when
    not ``closed_plants_fail``) and a note per table for the rows of :data:`NOTED_TABLES`
    that lie wholly outside it otherwise.

    Examples
    --------
    >>> from evplan.data.network import ScenarioSettings
    >>> plants = pd.DataFrame({"row": [2, 3], "plant": ["P1", "P2"],
    ...                        "first_year": pd.array([None, 2040], dtype="Int64"),
    ...                        "last_year": pd.array([2019, None], dtype="Int64")})
    >>> found: list[Problem] = []
    >>> check_horizon({"plants": plants}, {"plants": "plants.csv"},
    ...               ScenarioSettings("s", 2025, 2035), found)
    >>> [problem.count for problem in found]
    [1, 0]
    >>> print(found[0])  # doctest: +ELLIPSIS
    row 2, plant 'P1': last_year 2019 is before the horizon 2025-2035, so the plant builds ...
    """
    first, last = scenario.first_year, scenario.last_year
    span = f"{first}-{last}"
    for name in NOTED_TABLES:
        frame = tables.get(name)
        if frame is None or frame.empty or "first_year" not in frame or "last_year" not in frame:
            continue
        label = labels.get(name, TABLES[name].file)
        starts, ends = _years(frame, "first_year"), _years(frame, "last_year")
        before = (ends < first).fillna(False).to_numpy(dtype=bool)
        after = (starts > last).fillna(False).to_numpy(dtype=bool)
        if name == "plants" and closed_plants_fail:
            add_limited(problems, label, [
                Problem(label, f"{row_label(TABLES[name], frame, index)}: last_year "
                        f"{int(ends[index])} is before the horizon {span}, so the plant builds "
                        "nothing in the plan, nor do its routes and plant_programs rows. "
                        f"Correct last_year (the plant's last year of production), or, if it "
                        "closed before the plan, delete its row with its routes and "
                        "plant_programs rows.", int(frame.loc[index, "row"]))
                for index in frame.index[before]])
            before[:] = False  # named above, one by one
        outside = before | after
        if not outside.any():
            continue
        shown = [f"{row_label(TABLES[name], frame, index)} (" + (
            f"last_year {int(ends[index])}" if gone else f"first_year {int(starts[index])}") + ")"
                 for index, gone in zip(frame.index[outside], before[outside], strict=True)]
        more = len(shown) - MAX_ROWS_PER_KIND
        rows = "; ".join(shown[:MAX_ROWS_PER_KIND]) + (f"; and {more} more" if more > 0 else "")
        one = len(shown) == 1
        what = {"plants": "the plant builds" if one else "the plants build",
                "routes": "the lane carries" if one else "the lanes carry",
                "duties": "the duty row never applies" if one else "the duty rows never apply",
                }.get(name, "the duty row never applies" if one else "the duty rows never apply")
        what += " nothing in the plan" if name in ("plants", "routes") else ""
        problems.append(Problem(label, f"note: {rows} {'lies' if one else 'lie'} wholly outside "
                                f"the horizon {span}, so {what}. Nothing to change if that is "
                                "meant (a schedule's history, a later plan); otherwise correct "
                                "first_year/last_year, or widen the horizon in scenario.yaml.",
                                int(frame["row"][outside].iloc[0]), count=0))
