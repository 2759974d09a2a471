"""What a ``scenarios.yaml`` declares, as tables for ``evplan scenarios`` and ``evplan sweep``.

Scenarios with their overrides and description; overrides with the tables they patch; sweeps
with their parameters and case count; Monte Carlo studies with their samples and parameters;
two-stage studies with their scenarios, revelation year and objective.
A name's description is its entry under ``descriptions:`` (any name may have one).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from rich.table import Table

from evplan.errors import InputError, Problem
from evplan.scenarios.overrides import Catalog, load_catalog

__all__ = ["catalog_tables", "inputs_folder"]


def inputs_folder(path: Path | None) -> tuple[Path, str]:
    """The folder whose ``scenarios.yaml`` belongs to the inputs ``path`` and how to name it.

    ``None`` is the embedded china-export; an embedded example's name is its folder; a
    workbook is itself (its ``scenarios`` sheet, as :func:`evplan.scenarios.catalog_for`).
    """
    from evplan.examples import china_export_path, example_path

    if path is None:
        return china_export_path(), "embedded china-export"
    if not path.exists():
        embedded = example_path(str(path))
        if embedded is None:
            raise InputError([Problem(str(path), f"{path} does not exist. Give an input "
                                      "folder, a workbook or an embedded example's name "
                                      "(china-export, china-strategic).")])
        return embedded, f"embedded {path}"
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return path, str(path)  # a workbook carries its scenarios on a sheet
    return (path if path.is_dir() else path.parent), str(path)


def _table(title: str, headers: tuple[str, ...]) -> Table:
    table = Table(title=title, title_justify="left")
    for number, header in enumerate(headers):
        table.add_column(header, no_wrap=number == 0, overflow="fold")
    return table


def catalog_tables(folder: Path, sections: tuple[str, ...] = (
        "scenarios", "overrides", "sweeps", "montecarlo", "studies")) -> list[Table]:
    """One table per non-empty section of ``folder/scenarios.yaml`` (none without the file).

    Names are never cut (``no_wrap``); descriptions wrap.
    """
    if folder.suffix.lower() in (".xlsx", ".xlsm") and folder.is_file():
        from evplan.scenarios.workbook import read_workbook_catalog

        catalog = read_workbook_catalog(folder)  # its scenarios sheet
    else:
        catalog = load_catalog(folder) if (folder / "scenarios.yaml").exists() else Catalog()
    about = catalog.descriptions
    tables = []
    if "scenarios" in sections and catalog.scenarios:
        table = _table("Scenarios (evplan run INPUTS --scenario NAME)",
                       ("scenario", "description", "overrides"))
        for name, parts in catalog.scenarios.items():
            table.add_row(name, about.get(name, ""), ", ".join(parts))
        tables.append(table)
    if "overrides" in sections and catalog.overrides:
        table = _table("Overrides (usable as --scenario NAME too)",
                       ("override", "description", "tables"))
        for name, patches in catalog.overrides.items():
            tables_patched = ", ".join(dict.fromkeys(patch.table for patch in patches))
            table.add_row(name, about.get(name, ""), tables_patched)
        tables.append(table)
    if "sweeps" in sections and catalog.sweeps:
        table = _table("Sweeps (evplan sweep NAME INPUTS)", ("sweep", "description", "cases"))
        for name, grid in catalog.sweeps.items():
            cases = math.prod(len(values) for values in grid.values())
            varies = " × ".join(f"{parameter} ({len(values)})"
                                for parameter, values in grid.items())
            table.add_row(name, about.get(name, ""), f"{cases}: {varies}")
        tables.append(table)
    if "montecarlo" in sections and catalog.montecarlo:
        table = _table("Monte Carlo studies (evplan montecarlo NAME INPUTS)",
                       ("study", "description", "samples"))
        for name, study in catalog.montecarlo.items():
            table.add_row(name, about.get(name, ""), f"{study.samples} (seed {study.seed}): "
                          + ", ".join(study.distributions))
        tables.append(table)
    if "studies" in sections and catalog.studies:
        table = _table("Two-stage studies (evplan stochastic NAME INPUTS)",
                       ("study", "description", "scenarios"))
        for name, study in catalog.studies.items():
            table.add_row(name, about.get(name, study.description), _study_summary(study))
        tables.append(table)
    return tables


def _study_summary(study: Any) -> str:
    """'4 scenarios, revealed after 2025, E + 0.5 x CVaR_0.8' for an
    :class:`evplan.twostage.tree.Study`."""
    count = (f"{study.sample['count']} sampled (seed {study.sample['seed']})"
             if study.sample else f"{len(study.scenarios)}")
    revealed = ("every year shared" if study.revelation_year is None
                else f"revealed after {study.revelation_year}")
    if study.objective == "minimax-regret":
        objective = "minimax regret"
    elif study.risk_weight:
        objective = f"E + {study.risk_weight:g} x CVaR_{study.alpha:g}"
    else:
        objective = "expected margin"
    return f"{count} scenarios, {revealed}, {objective}"
